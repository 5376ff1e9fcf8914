// Discovery, JWKS, health, configuration and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../provider/config.ts';
import { startProvider, type RunningProvider } from '../../provider/server.ts';
import { getJson, start } from './helpers.ts';

let op: RunningProvider;
beforeAll(async () => { op = await start(); });
afterAll(async () => { await op.close(); });

describe('discovery', () => {
  it('serves the OpenID configuration and the RFC 8414 alias', async () => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.status).toBe(200);
    expect(d.json).toMatchObject({
      issuer: op.issuer,
      authorization_endpoint: `${op.issuer}/authorize`,
      token_endpoint: `${op.issuer}/token`,
      userinfo_endpoint: `${op.issuer}/userinfo`,
      jwks_uri: `${op.issuer}/jwks`,
      end_session_endpoint: `${op.issuer}/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'],
      authorization_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      subject_types_supported: ['public'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(d.json.id_token_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256']);
    expect(d.json.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    const alias = await getJson(`${op.issuer}/.well-known/oauth-authorization-server`);
    expect(alias.json).toEqual(d.json);
  });

  it('publishes public signing keys only, with distinct kids', async () => {
    const { json } = await getJson(`${op.issuer}/jwks`);
    const keys = json.keys as Record<string, string>[];
    expect(keys.length).toBe(3);
    for (const k of keys) {
      expect(k.use).toBe('sig');
      expect(k.kid).toBeTruthy();
      expect(k.alg).toMatch(/^(RS256|PS256|ES256)$/);
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(k[m]).toBeUndefined();
    }
    expect(new Set(keys.map((k) => k.kid)).size).toBe(3);
  });

  it('health and unknown paths', async () => {
    expect((await getJson(`${op.issuer}/health`)).json).toEqual({ status: 'ok' });
    const nf = await getJson(`${op.issuer}/nope`);
    expect(nf.status).toBe(404);
    expect(nf.json.error).toBe('not_found');
  });

  it('generates RS256, PS256 and ES256 keys when none are configured', async () => {
    const p = await startProvider({ config: { port: 0 } });
    try {
      const { json } = await getJson(`${p.issuer}/jwks`);
      expect((json.keys as { alg: string }[]).map((k) => k.alg)).toEqual(['RS256', 'PS256', 'ES256']);
      expect(p.issuer).toBe(`http://127.0.0.1:${p.port}`);
    } finally {
      await p.close();
    }
  });
});

describe('configuration', () => {
  it('works with no configuration at all (default clients and user)', () => {
    const c = loadConfig(undefined);
    expect(c.clients.map((x) => `${x.client_id}:${x.token_endpoint_auth_method}:${x.id_token_signed_response_alg}`)).toEqual([
      'touchstone-client:client_secret_basic:RS256', 'touchstone-client-2:client_secret_basic:PS256', 'touchstone-post:client_secret_post:ES256', 'touchstone-public:none:RS256',
    ]);
    expect(c.users[0]).toMatchObject({ sub: 'user-alice', username: 'alice', password: 'wonderland' });
    expect(c.users[1]).toMatchObject({ sub: 'user-bob', username: 'bob', password: 'builder' });
    expect(c.ttl).toEqual({ code: 60, access_token: 600, id_token: 600, session: 3600, interaction: 600, refresh_token: 86400, par: 60, device_code: 600, auth_req_id: 120 });
    expect(c.key_rotation).toEqual({ publish_ahead: 60, retire_after: 600 });
    expect(c.admin_token).toBeUndefined();
  });

  it.each([
    [{ clients: [{ client_id: 'a', client_secret: 'secret-123', redirect_uris: ['not a uri'] }] }, 'config: /clients/0/redirect_uris/0 must match format "uri"'],
    [{ clients: [{ client_id: 'a', redirect_uris: ['https://a/cb'], colour: 'red' }] }, 'config: /clients/0/colour is not allowed (additionalProperties)'],
    [{ clients: [{ redirect_uris: ['https://a/cb'] }] }, 'config: /clients/0/client_id is required'],
    [{ ttl: { code: 0 } }, 'config: /ttl/code must be >= 1'],
    [{ port: 'x' }, 'config: /port must be integer'],
    [{ clients: [{ client_id: 'a', token_endpoint_auth_method: 'magic', redirect_uris: ['https://a/cb'] }] }, 'config: /clients/0/token_endpoint_auth_method must be one of'],
    [{ clients: [{ client_id: 'a', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://a/cb'] }] }, 'config: /clients/0/client_secret is required when token_endpoint_auth_method is client_secret_basic'],
    [{ faults: ['no-such-fault'] }, 'config: /faults has unknown fault "no-such-fault"'],
    // OIDC Core §10.1, §16.19 / RFC 7518 §3.2: an HS256 ID Token's key is the secret, 32 octets or more.
    [{ clients: [{ client_id: 'a', client_secret: 'short-secret', redirect_uris: ['https://a/cb'], id_token_signed_response_alg: 'HS256' }] }, 'config: /clients/0/client_secret is shorter than 32 octets'],
    [{ clients: [{ client_id: 'a', token_endpoint_auth_method: 'none', redirect_uris: ['https://a/cb'], id_token_signed_response_alg: 'HS256' }] }, 'config: /clients/0/id_token_signed_response_alg HS256 needs a client_secret'],
    [{ issuer: 'http://x/?q' }, 'config: /issuer must match pattern'],
  ])('names the field and the rule: %j', (raw, message) => {
    expect(() => loadConfig(raw)).toThrow(ConfigError);
    try { loadConfig(raw); } catch (e) { expect((e as Error).message.startsWith(message), (e as Error).message).toBe(true); expect((e as Error).message).not.toContain('\n'); }
  });

  it('startProvider rejects unknown fault ids', async () => {
    await expect(startProvider({ faults: ['nope'] })).rejects.toThrow(/unknown fault "nope"/);
  });
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; child: ReturnType<typeof spawn> }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['provider/main.ts', ...args], { env: { ...process.env, TOUCHSTONE_STORE: 'memory', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr, child }));
  });
}

describe('CLI', () => {
  it('bad config or unknown fault: exit 2, one line on stderr, no stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-op-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'clients:\n  - client_id: a\n    client_secret: secret-123\n    redirect_uris: ["::bad"]\n');
    const bad = await run(['--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('config: /clients/0/redirect_uris/0 must match format "uri"\n');
    const fault = await run(['--port', '0'], { TOUCHSTONE_FAULTS: 'drop-state,bogus' });
    expect(fault.code).toBe(2);
    expect(fault.stderr.trim().split('\n')).toHaveLength(1);
    expect(fault.stderr).toContain('unknown fault "bogus"');
  });

  it('prints one listening line, logs requests as JSON without secrets, exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['provider/main.ts', '--port', '0', '--faults', 'drop-state'], { env: { ...process.env, TOUCHSTONE_STORE: 'memory', TOUCHSTONE_FAULTS: 'omit-cache-control' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const listening = await new Promise<Record<string, unknown>>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n')) resolve(JSON.parse(line));
      });
    });
    expect(listening).toMatchObject({ msg: 'listening', faults: ['drop-state', 'omit-cache-control'] });
    expect(listening.issuer).toBe(`http://127.0.0.1:${listening.port}`);
    const r = await request(`${listening.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('touchstone-client:touchstone-secret-1').toString('base64')}` }, body: 'grant_type=authorization_code&code=SECRETCODEVALUE123456' });
    await r.body.text();
    const exit = new Promise((resolve) => child.on('exit', resolve));
    await new Promise((res) => setTimeout(res, 100));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[1]).toMatchObject({ method: 'POST', path: '/token', status: 400, client_id: 'touchstone-client', error: 'invalid_grant' });
    expect(typeof lines[1].ms).toBe('number');
    expect(out).not.toContain('SECRETCODEVALUE');
    expect(out).not.toContain('touchstone-secret-1');
  });
});

describe('example configuration', () => {
  it('provider/config.example.yaml is valid', async () => {
    const { readConfigFile } = await import('../../provider/config.ts');
    const c = loadConfig(readConfigFile('provider/config.example.yaml'));
    expect(c.clients.map((x) => x.client_id)).toEqual(['touchstone-client', 'touchstone-public']);
    expect(c.port).toBe(9400);
  });
});
