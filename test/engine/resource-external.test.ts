// The resource-server suite against an API that is not the reference provider: a small careful API
// written here with jose (remote JWKS with a short cooldown, issuer, audience, typ at+jwt, an alg
// allow-list, 10 s leeway), trusting a reference provider started as an external issuer. This is
// the "Testing your API" setup of the README: targets with their own audiences, tokens by
// client_credentials with RFC 8707 resource, claim forgeries signed with a declared signing_key.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Plan } from '../../harness/core/types.ts';
import { runPlanDirect } from '../../harness/engine/direct.ts';
import { BrowserPool } from '../../harness/engine/browser.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { start, testKeys } from '../provider/helpers.ts';
import { startInProcess } from '../in-process.ts';

const ORDERS = 'https://api.example/orders';
const BILLING = 'https://api.example/billing';
const ADMIN = 'external-api-admin-token-0123';
let op: RunningProvider;
let api: Server;
let apiOrigin: string;
const browsers = new BrowserPool();

beforeAll(async () => {
  op = await start({ config: {
    keys: await testKeys(), admin_token: ADMIN,
    resource: { audiences: [ORDERS, BILLING] },
    clients: [{ client_id: 'api-tester', client_secret: 'api-tester-secret', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'orders:read' }],
  } });
  ({ server: api, origin: apiOrigin } = await carefulApi(op.issuer));
});

/** A careful API on loopback that trusts `issuer`: /orders and /billing, each with its own audience. */
async function carefulApi(issuer: string): Promise<{ server: Server; origin: string }> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`), { cooldownDuration: 1000, cacheMaxAge: 3000 });
  const server = createServer(async (req, res) => {
    const aud = req.url?.startsWith('/billing') ? BILLING : ORDERS;
    const m = /^Bearer ([\w\-.~+/]+=*)$/.exec(req.headers.authorization ?? '');
    if (!m) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="orders"' }).end();
      return;
    }
    try {
      const { payload } = await jwtVerify(m[1], jwks, { issuer, audience: aud, typ: 'at+jwt', algorithms: ['RS256', 'PS256', 'ES256'], clockTolerance: 10, requiredClaims: ['exp'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: payload.sub }));
    } catch (e) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="orders", error="invalid_token", error_description="${(e as { code?: string }).code ?? 'invalid'}"` }).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** A loopback port free right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}
afterAll(async () => {
  await new Promise((ok) => api.close(ok));
  await op.close();
  await browsers.close();
});

describe('resource-server suite against an external API', () => {
  it('every applicable module passes; DPoP modules are not applicable, with the plan\'s reason', async () => {
    const signing = (await testKeys()).find((k) => k.alg === 'RS256')!;
    const plan: Plan = {
      name: 'external-api',
      provider: { launch: 'external', issuer: op.issuer },
      operations: { rotate_keys: { url: '${issuer}/admin/rotate-keys', bearer: ADMIN, form: { publish_ahead: '${publish_ahead}' } } },
      clients: { main: { client_id: 'api-tester', auth: 'client_secret_basic', secret: 'api-tester-secret', redirect_uri: 'https://client.example/cb' } },
      users: { main: { username: 'alice', password: 'wonderland' } },
      browser: { interactions: [], pages: {} },
      resource: {
        targets: { main: { url: `${apiOrigin}/orders`, methods: ['GET'], audience: ORDERS }, other: { url: `${apiOrigin}/billing`, audience: BILLING } },
        token: { grant: 'client_credentials', client: 'main', scope: 'orders:read' },
        leeway: 10, requires_typ: true, dpop: { bound_tokens: false }, jwks_refresh: 3, signing_key: signing, metadata: false,
      },
      modules: ['suite:resource-server'],
    };
    const res = await runPlanDirect(plan, { workers: 2, pool: browsers });
    const bad = res.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => `${r.id}: ${r.reason}`);
    expect(bad).toEqual([]);
    expect(res.filter((r) => r.status === 'skipped')).toEqual([]);
    const na = res.filter((r) => r.status === 'not_applicable');
    expect(na.every((r) => r.id.startsWith('resource-dpop-') && /DPoP-bound|nonces|dpop_jti_replay/.test(r.reason ?? ''))).toBe(true);
    expect(res.filter((r) => r.status === 'passed').map((r) => r.id)).toEqual(expect.arrayContaining([
      'resource-valid-token', 'resource-no-token', 'resource-alg-none', 'resource-hs256-public-key', 'resource-unknown-kid',
      'resource-expired', 'resource-not-yet-valid', 'resource-wrong-aud', 'resource-other-resource', 'resource-wrong-iss', 'resource-typ-not-at-jwt', 'resource-jwks-rotation',
    ]));
  }, 120_000);
});

describe('the README "Testing your API" example plan', () => {
  it('runs as written against a careful API (only its port, the API origin and jwks_refresh changed)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n(# plans\/my-api\.yaml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has the plans/my-api.yaml example').toBeDefined();
    const port = await freePort();
    const plan = parseYaml(block!.replaceAll('9400', String(port))) as Plan;
    const mine = await carefulApi(`http://127.0.0.1:${port}`);
    try {
      for (const t of Object.values(plan.resource!.targets)) t.url = t.url.replace('http://127.0.0.1:8080', mine.origin);
      plan.resource!.jwks_refresh = 3; // the example says 60: the rotation module would poll that long
      const res = await runPlanDirect(plan, { workers: 2, pool: browsers, inProcess: startInProcess });
      const bad = res.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => `${r.id}: ${r.reason}`);
      expect(bad).toEqual([]);
      const skipped = res.filter((r) => r.status === 'skipped' || r.status === 'not_applicable');
      expect(skipped.every((r) => r.id.startsWith('resource-dpop-')), skipped.map((r) => `${r.id}: ${r.reason}`).join('\n')).toBe(true);
      expect(res.filter((r) => r.status === 'passed').map((r) => r.id)).toEqual(expect.arrayContaining(['resource-valid-token', 'resource-hs256-public-key', 'resource-expired', 'resource-wrong-aud', 'resource-jwks-rotation']));
    } finally {
      await new Promise((ok) => mine.server.close(ok));
    }
  }, 120_000);
});
