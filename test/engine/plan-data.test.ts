// Plan data instead of reference-provider assumptions (issue 11 §3): `${…}` interpolation of step
// `with` values, out-of-band operations (real HTTP on loopback), the not-applicable status, the
// fresh client assertion on a retry, and the plan's error page matcher over a back-channel page.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleDef, Plan, PlanClient } from '../../harness/core/types.ts';
import { BrowserPool } from '../../harness/engine/browser.ts';
import { interpolateStep } from '../../harness/engine/interpolate.ts';
import { ModuleRun, NotApplicable } from '../../harness/engine/module-run.ts';
import { missingOperation, runOperation } from '../../harness/engine/operations.ts';
import { htmlMatchesPage } from '../../harness/engine/page-match.ts';
import { createRunContext, runModule, type RunContext } from '../../harness/engine/runner.ts';
import { assertionAudience, clientAuthentication, reissueAssertion } from '../../harness/engine/steps/token.ts';

const MOD: ModuleDef = { id: 'm', title: 'm', proves: [], steps: [{ do: 'discover' }] };

function planOf(over: Partial<Plan> = {}): Plan {
  return {
    name: 't',
    provider: { launch: 'external', issuer: 'http://127.0.0.1:1' },
    clients: { main: { client_id: 'op-client-1', auth: 'client_secret_basic', secret: 's3cret-value', redirect_uri: 'https://rp.example/cb', scope: 'openid email' } },
    users: { main: { username: 'bob@example.org', password: 'pw-123456' } },
    browser: { interactions: [], pages: {} },
    modules: ['*'],
    ...over,
  };
}

let server: Server;
let origin = '';
const seen: { method: string; url: string; auth?: string; type?: string; body: string }[] = [];
const pool = new BrowserPool();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body });
      res.writeHead(req.url!.includes('fail') ? 500 : 204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const a = server.address();
  origin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await pool.close();
});

async function runFor(plan: Plan): Promise<{ run: ModuleRun; ctx: RunContext }> {
  const ctx = await createRunContext(plan, { issuer: origin, ttl: {} }, { runDir: mkdtempSync(join(tmpdir(), 'ts-plan-data-')), pool });
  return { run: new ModuleRun(ctx, MOD, ctx.runDir), ctx };
}

describe('${…} in step with values', () => {
  it('names plan clients, users and the issuer, deep in objects and arrays', async () => {
    const { run } = await runFor(planOf());
    const s = interpolateStep(run, { id: 'x', do: 'refresh', with: { params: { client_id: '${client.main.client_id}', login_hint: '${user.main.username}' }, uris: ['${client.main.redirect_uri}#f'], iss: '${issuer}', n: 3 } });
    expect(s.with).toEqual({ params: { client_id: 'op-client-1', login_hint: 'bob@example.org' }, uris: ['https://rp.example/cb#f'], iss: origin, n: 3 });
  });
  it('a registered client shadows the plan client', async () => {
    const { run } = await runFor(planOf());
    run.registeredClients.set('registered', { client_id: 'dyn-1', auth: 'none', redirect_uri: '' });
    expect(interpolateStep(run, { do: 'x', with: { c: '${client.registered.client_id}' } }).with).toEqual({ c: 'dyn-1' });
  });
  it('a role or field the plan lacks makes the module not applicable, naming the entry', async () => {
    const { run } = await runFor(planOf());
    expect(() => interpolateStep(run, { do: 'x', with: { c: '${client.second.client_id}' } })).toThrow(new NotApplicable('needs plan clients.second'));
    expect(() => interpolateStep(run, { do: 'x', with: { c: '${user.main.sub}' } })).toThrow(new NotApplicable('needs plan users.main.sub'));
    expect(() => interpolateStep(run, { do: 'x', with: { c: '${nothing}' } })).toThrow(NotApplicable);
  });
});

describe('operations', () => {
  it('sends the plan\'s request: method, URL and form placeholders, bearer token; a member without a value is left out', async () => {
    const plan = planOf({ operations: { ciba_decide: { url: '${issuer}/ops/ciba/${decision}', bearer: 'op-token-1', form: { auth_req_id: '${auth_req_id}', extra: '${not_given}' } } } });
    const { run } = await runFor(plan);
    seen.length = 0;
    await runOperation(run, { id: 'd', do: 'ciba-decide' }, 'ciba_decide', { auth_req_id: 'r-1', decision: 'deny' }, 'deny');
    expect(seen).toEqual([{ method: 'POST', url: '/ops/ciba/deny', auth: 'Bearer op-token-1', type: 'application/x-www-form-urlencoded', body: 'auth_req_id=r-1' }]);
  });
  it('a JSON body and another method; a status outside the expected ones aborts the step', async () => {
    const { run } = await runFor(planOf({ operations: { rotate_keys: { method: 'PUT', url: '${issuer}/keys', json: { ahead: '${publish_ahead}' }, status: [204] } } }));
    seen.length = 0;
    await runOperation(run, { id: 'r', do: 'rotate-keys' }, 'rotate_keys', { publish_ahead: '3' }, 'rotate');
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/keys', type: 'application/json', body: '{"ahead":"3"}' });
    const { run: bad } = await runFor(planOf({ operations: { rotate_keys: { url: '${issuer}/fail' } } }));
    await expect(runOperation(bad, { id: 'r', do: 'rotate-keys' }, 'rotate_keys', {}, 'rotate')).rejects.toThrow(/operations.rotate_keys answered HTTP 500/);
  });
  it('a module whose operation the plan lacks is not applicable, with the plan entry named', async () => {
    expect(missingOperation([{ do: 'discover' }, { do: 'rotate-keys' }], planOf())).toMatch(/^needs plan operations.rotate_keys/);
    expect(missingOperation([{ do: 'rotate-keys' }], planOf({ operations: { rotate_keys: { url: '${issuer}/k' } } }))).toBeUndefined();
    const { ctx } = await runFor(planOf());
    const r = await runModule(ctx, { id: 'rot', title: 'rot', proves: [], steps: [{ do: 'discover' }, { do: 'rotate-keys' }] });
    expect(r).toMatchObject({ status: 'not_applicable', reason: expect.stringMatching(/^needs plan operations.rotate_keys/) });
    const res = await runModule(ctx, { id: 'res', title: 'res', proves: [], steps: [{ do: 'discover' }, { do: 'resource-token' }] });
    expect(res).toMatchObject({ status: 'not_applicable', reason: expect.stringMatching(/^needs plan resource/) });
  });
});

describe('client assertion on a retry', () => {
  it('reissueAssertion keeps every claim and the header but the jti, and still verifies', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const client: PlanClient = { client_id: 'c1', auth: 'private_key_jwt', jwk: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k' }, redirect_uri: 'https://rp.example/cb' };
    const { form } = await clientAuthentication(client, 'https://op.example');
    const again = await reissueAssertion(form, client);
    const [a, b] = [decodeJwt(form.client_assertion), decodeJwt(again.client_assertion)];
    expect(b.jti).not.toBe(a.jti);
    expect({ ...b, jti: a.jti }).toEqual(a);
    expect(decodeProtectedHeader(again.client_assertion)).toEqual(decodeProtectedHeader(form.client_assertion));
    await expect(jwtVerify(again.client_assertion, await importJWK(await exportJWK(publicKey), 'ES256'))).resolves.toBeTruthy();
    // An assertion built without jti (a negative) stays without; client_secret forms are unchanged.
    const noJti = (await clientAuthentication(client, 'https://op.example', undefined, { omit: ['jti'] })).form;
    expect(await reissueAssertion(noJti, client)).toBe(noJti);
    expect(await reissueAssertion({ client_id: 'x', client_secret: 'y' }, client)).toEqual({ client_id: 'x', client_secret: 'y' });
  });
  it('assertionAudience takes endpoints from discovery only, naming a missing field', () => {
    expect(() => assertionAudience('token_endpoint', 'https://op.example', {})).toThrow(/discovery has no token_endpoint/);
    expect(() => assertionAudience('par_endpoint', 'https://op.example', {})).toThrow(/discovery has no pushed_authorization_request_endpoint/);
  });
});

describe('the plan\'s error page over a back-channel answer', () => {
  it('matches by selector and by text regex, offline', async () => {
    const page = '<html><body><main class="err"><h1>Oops</h1><p>The request is invalid.</p></main><img src="http://203.0.113.1/x.png"></body></html>';
    expect(await htmlMatchesPage(pool, page, { selector: 'main.err' })).toBe(true);
    expect(await htmlMatchesPage(pool, page, { text: 'request is invalid' })).toBe(true);
    expect(await htmlMatchesPage(pool, page, { selector: 'main.err', text: 'sign in' })).toBe(false);
    expect(await htmlMatchesPage(pool, '<form id="login"><input name="u"></form>', { selector: 'main.err' })).toBe(false);
  }, 60_000);
});
