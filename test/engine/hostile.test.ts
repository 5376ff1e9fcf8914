// Hostile providers (issue 12): a tiny OP on loopback that nests its JWKS 200,000 levels deep,
// serves a body over the size cap, stalls its token endpoint, sends the authorization response to
// a host outside the plan, or publishes private key members. Each case must end in one finding or
// one engine error line naming the real cause, and the module result must still serialise (the
// report a reporter writes: maskSecrets, then JSON.stringify).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets, secretsOf } from '../../harness/core/mask.ts';
import type { ModuleDef, ModuleResult, Plan, StepDef } from '../../harness/core/types.ts';
import { BrowserPool } from '../../harness/engine/browser.ts';
import { closeRunContext, createRunContext, runModule, type RunContext } from '../../harness/engine/runner.ts';

const TIMEOUT_MS = 400;
type Mode = { jwks: 'good' | 'deep' | 'huge' | 'private'; token: 'ok' | 'stall'; authorize: 'client' | 'off-plan' };
const mode: Mode = { jwks: 'good', token: 'ok', authorize: 'client' };
const stalled: ServerResponse[] = [];

function serve(host: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  return new Promise((done) => {
    const server = createServer(handler);
    server.listen(0, host, () => done({ server, origin: `http://${host}:${(server.address() as { port: number }).port}` }));
  });
}
const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

let op: { server: Server; origin: string };
let client: { server: Server; origin: string };
let offPlan: { server: Server; origin: string };
const offPlanHits: string[] = [];
let key: { privateKey: CryptoKey; publicJwk: Record<string, unknown>; privateJwk: Record<string, unknown> };
let lastNonce = '';
let ctx: RunContext;
const pool = new BrowserPool();

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = {
    privateKey: pair.privateKey,
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' },
    privateJwk: { ...(await exportJWK(pair.privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' },
  };
  client = await serve('127.0.0.2', (_req, res) => res.end('the client'));
  offPlan = await serve('127.0.0.3', (req, res) => {
    offPlanHits.push(`${req.method} ${req.url}`);
    res.end('elsewhere');
  });
  op = await serve('127.0.0.1', (req, res) => {
    const url = new URL(req.url!, op.origin);
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, {
          issuer: op.origin,
          authorization_endpoint: `${op.origin}/authorize`,
          token_endpoint: `${op.origin}/token`,
          jwks_uri: `${op.origin}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
        });
      case '/jwks':
        if (mode.jwks === 'deep') return json(res, `{"keys":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
        if (mode.jwks === 'huge') return json(res, { keys: [key.publicJwk], pad: 'x'.repeat(600_000) });
        return json(res, { keys: [mode.jwks === 'private' ? key.privateJwk : key.publicJwk] });
      case '/authorize': {
        lastNonce = url.searchParams.get('nonce') ?? '';
        const to = mode.authorize === 'off-plan' ? `${offPlan.origin}/steal` : url.searchParams.get('redirect_uri')!;
        res.writeHead(302, { location: `${to}?code=c-${Date.now()}&state=${encodeURIComponent(url.searchParams.get('state') ?? '')}&iss=${encodeURIComponent(op.origin)}` });
        return res.end();
      }
      case '/token':
        req.resume();
        // Accept the connection, read the request, never answer.
        if (mode.token === 'stall') return void stalled.push(res);
        return void req.on('end', async () => {
          const now = Math.floor(Date.now() / 1000);
          const idToken = await new SignJWT({ iss: op.origin, sub: 'u1', aud: 'hostile-client', iat: now, exp: now + 300, nonce: lastNonce })
            .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
            .sign(key.privateKey);
          json(res, { access_token: 'at-1', token_type: 'Bearer', expires_in: 300, id_token: idToken });
        });
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const plan: Plan = {
    name: 'hostile',
    provider: { launch: 'external', issuer: op.origin },
    clients: { main: { client_id: 'hostile-client', auth: 'client_secret_basic', secret: 'hostile-secret-123', redirect_uri: `${client.origin}/cb`, scope: 'openid' } },
    users: { main: { username: 'alice', password: 'alice-password' } },
    browser: { interactions: [], pages: {} },
    modules: [],
    settings: { timeout_ms: TIMEOUT_MS, max_body_bytes: 500_000 },
  };
  ctx = await createRunContext(plan, { issuer: op.origin, ttl: {} }, { runDir: mkdtempSync(join(tmpdir(), 'touchstone-hostile-')), pool });
});

afterAll(async () => {
  for (const r of stalled) r.destroy();
  if (ctx) await closeRunContext(ctx);
  await pool.close();
  for (const s of [op, client, offPlan]) s?.server.closeAllConnections();
  await Promise.all([op, client, offPlan].map((s) => s && new Promise((r) => s.server.close(r))));
});

async function run(id: string, steps: StepDef[], m: Partial<Mode>): Promise<ModuleResult> {
  Object.assign(mode, { jwks: 'good', token: 'ok', authorize: 'client' }, m);
  const mod: ModuleDef = { id, title: id, proves: ['OIDCC-3.1.3.7-signature'], steps };
  const r = await runModule(ctx, mod);
  // What a reporter does with it: mask, then serialise. Neither may throw.
  const text = JSON.stringify(maskSecrets(r, secretsOf(ctx.plan)));
  expect(text.length).toBeGreaterThan(0);
  return r;
}

const failing = (r: ModuleResult) => r.findings.filter((f) => !f.ok).map((f) => f.check);

describe('hostile bodies', () => {
  it('a JWKS nested 200,000 levels deep: one engine error naming the depth bound, the report still serialises', async () => {
    const r = await run('deep-jwks', [{ id: 'discover', do: 'discover' }, { id: 'jwks', do: 'jwks' }], { jwks: 'deep' });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(`step "jwks": GET ${op.origin}/jwks: response body nests deeper than 64 levels (JSON left unparsed; RFC 8259 §9 lets a parser limit nesting)`);
    expect(failing(r)).toEqual([]);
    const ex = r.exchanges.find((x) => x.kind === 'http' && x.step === 'jwks');
    expect(ex && ex.kind === 'http' && ex.response?.json).toBeUndefined();
  });

  it('a body over settings.max_body_bytes: the error names the cap', async () => {
    const r = await run('huge-jwks', [{ id: 'discover', do: 'discover' }, { id: 'jwks', do: 'jwks' }], { jwks: 'huge' });
    expect(r.status).toBe('failed');
    expect(r.reason).toContain('response body exceeded the size cap of 500000 bytes (settings.max_body_bytes)');
    expect(failing(r)).toEqual([]);
  });
});

describe('where a module\'s time went (ModuleResult.timing, summed by npm run bench)', () => {
  it('each step with its time; a wait counted as a wait; back-channel time from the exchanges; no browser opened', async () => {
    const r = await run('timing', [{ id: 'discover', do: 'discover' }, { id: 'pause', do: 'wait', with: { seconds: 0.2 } }, { id: 'jwks', do: 'jwks' }], {});
    const t = r.timing!;
    expect(t.steps.map((s) => [s.id, s.do])).toEqual([['discover', 'discover'], ['pause', 'wait'], ['jwks', 'jwks']]);
    expect(t.waitMs).toBeGreaterThanOrEqual(190);
    expect(t.steps[1].ms).toBeGreaterThanOrEqual(t.waitMs - 5);
    const http = r.exchanges.filter((x) => x.kind === 'http');
    expect(http.length).toBe(2);
    expect(t.httpMs).toBe(http.reduce((n, x) => n + x.ms, 0));
    expect(t.browserOpenMs).toBeUndefined();
    expect(t.browserMs).toBeUndefined();
    expect(r.ms).toBeGreaterThanOrEqual(t.steps.reduce((n, s) => n + s.ms, 0) - 3);
  });
});

describe('stalled endpoints', () => {
  it('a token endpoint that never answers is a timeout, naming the request', async () => {
    const r = await run('stalled-token', [{ id: 'discover', do: 'discover' }, { id: 'authorize', do: 'authorize' }, { id: 'token', do: 'token' }], { token: 'stall' });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(`step "token": no answer within ${TIMEOUT_MS} ms from POST ${op.origin}/token`);
    expect(failing(r)).toEqual([]);
  });

  it('a race against a stalled token endpoint is a timeout, not an exactly-once failure', async () => {
    const t0 = performance.now();
    const r = await run('stalled-race', [{ id: 'discover', do: 'discover' }, { id: 'authorize', do: 'authorize' }, { id: 'race', do: 'race', with: { grant: 'authorization_code', copies: 3 } }], { token: 'stall' });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(`step "race": 3 of 3 concurrent requests got no answer: no answer within ${TIMEOUT_MS} ms from POST ${op.origin}/token`);
    expect(r.findings.some((f) => f.check === 'code-redeemed-once-concurrently')).toBe(false);
    expect(failing(r)).toEqual([]);
  });
});

describe('misdirected and leaky providers', () => {
  it('an authorization response sent to a host outside the plan is one redirect_uri finding; that host gets nothing', async () => {
    const r = await run('off-plan-redirect', [{ id: 'discover', do: 'discover' }, { id: 'authorize', do: 'authorize' }, { id: 'token', do: 'token' }], { authorize: 'off-plan' });
    expect(r.status).toBe('failed');
    expect(failing(r)).toEqual(['authz-response-at-redirect-uri']);
    const f = r.findings.find((x) => !x.ok)!;
    expect(f.citation.id).toBe('RFC6749-3.1.2.4');
    expect(f.message).toContain(`to "${offPlan.origin}/steal", which is not that redirect_uri`);
    expect(r.reason).toContain('RFC 6749');
    expect(r.reason).not.toContain('expected a code parameter');
    expect(offPlanHits).toEqual([]);
  });

  it('a JWKS publishing the private member d: the jwks rule fails once, the ID Token signature still verifies', async () => {
    const r = await run('private-jwks', [{ id: 'discover', do: 'discover' }, { id: 'authorize', do: 'authorize' }, { id: 'token', do: 'token' }], { jwks: 'private' });
    expect(r.status).toBe('failed');
    expect(failing(r)).toEqual(['jwks-has-no-private-members']);
    expect(r.findings.find((f) => f.check === 'jwks-has-no-private-members')!.citation.id).toBe('RFC7517-9.2-no-private');
    expect(r.findings.find((f) => f.check === 'id-token-signature-verified')?.ok).toBe(true);
    expect(r.reason).toContain('found private or symmetric key members in kid "k1": d');
  });
});
