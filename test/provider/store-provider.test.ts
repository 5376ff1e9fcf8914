// The store under the provider: registration in the store (off by default, capped, shared by two
// instances), a restart on the sqlite file (a code issued before it redeems once after it; a token
// signed before it still verifies), and memory that stays bounded under a token-heavy load.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { startProvider } from '../../provider/server.ts';
import { MemoryStore } from '../../provider/store.ts';
import { authorize, exchange, getJson, start, userinfo } from './helpers.ts';
import { registration } from './backchannel-helpers.ts';
import { dpopKey, proof, tokenPost } from './dpop-helpers.ts';
import { basic } from './dpop-clients.ts';

const dir = mkdtempSync(join(tmpdir(), 'touchstone-store-op-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('registration with the store', () => {
  it('is off by default: 404 at /register, no registration_endpoint in discovery', async () => {
    const op = await start();
    try {
      expect((await registration(`${op.issuer}/register`, 'POST', { redirect_uris: ['https://app.example/cb'] })).status).toBe(404);
      expect((await getJson(`${op.issuer}/.well-known/openid-configuration`)).json.registration_endpoint).toBeUndefined();
    } finally {
      await op.close();
    }
  });

  it('holds at most registration.max_clients clients: then a 400 invalid_client_metadata (RFC 7591 §3.2.2)', async () => {
    const op = await start({ config: { registration: { enabled: true, max_clients: 2 } } });
    try {
      const reg = () => registration(`${op.issuer}/register`, 'POST', { grant_types: ['client_credentials'], scope: 'openid' });
      const [a, b] = [await reg(), await reg()];
      expect([a.status, b.status]).toEqual([201, 201]);
      const over = await reg();
      expect([over.status, over.json.error]).toEqual([400, 'invalid_client_metadata']);
      expect((await registration(a.json.registration_client_uri as string, 'DELETE', undefined, a.json.registration_access_token as string)).status).toBe(204);
      expect((await reg()).status).toBe(201);
    } finally {
      await op.close();
    }
  });

  it('a client registered at one instance works at another on the same store', async () => {
    const store = new MemoryStore();
    const config = { registration: { enabled: true } };
    const [a, b] = [await start({ config, store }), await start({ config, store })];
    try {
      const r = await registration(`${a.issuer}/register`, 'POST', { grant_types: ['client_credentials'], scope: 'openid' });
      expect(r.status).toBe(201);
      const id = r.json.client_id as string;
      const t = await tokenPost(b, { grant_type: 'client_credentials' }, { authorization: basic(id, r.json.client_secret as string) });
      expect(t.status).toBe(200);
      const read = await registration(`${b.issuer}/register/${id}`, 'GET', undefined, r.json.registration_access_token as string);
      expect([read.status, read.json.client_id]).toEqual([200, id]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await store.close();
    }
  });
});

describe('restart on the sqlite store', () => {
  it('a code issued before the restart redeems after it once; a token signed before it still verifies', async () => {
    const path = join(dir, 'restart.db');
    // No `keys` in the config: the generated keys must survive too.
    const config = { store: { type: 'sqlite', path } };
    const first = await startProvider({ config });
    const issued = await authorize(first);
    const before = await authorize(first);
    const early = await exchange(first, before);
    expect(early.status).toBe(200);
    await first.close();
    // Let the HTTP client see its kept-alive sockets to the stopped instance close.
    await new Promise((r) => setTimeout(r, 200));

    // The same port: the issuer (derived from it) is the one the token was issued by.
    const second = await startProvider({ config, port: first.port });
    try {
      const redeemed = await exchange(second, issued);
      expect(redeemed.status).toBe(200);
      const again = await exchange(second, issued);
      expect([again.status, again.json.error]).toEqual([400, 'invalid_grant']);
      // An access token of the first instance (signed with the persisted key) works at the second.
      const ui = await userinfo(second, 'get', early.json.access_token as string);
      expect(ui.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe('bounded memory', () => {
  it('client_credentials with private_key_jwt + DPoP: the store stays under its cap and empties after the TTLs', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const CAP = 20_000;
    const store = new MemoryStore({ maxEntriesPerKind: CAP });
    const op = await start({
      store,
      config: {
        clients: [{ client_id: 'heavy', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'openid', dpop_bound_access_tokens: true }],
        ttl: { access_token: 2 },
        dpop: { iat_window: 1 },
        client_assertion: { max_lifetime: 2 },
      },
    });
    const key = await dpopKey();
    const htu = `${op.issuer}/token`;
    const one = async () => {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('heavy').setSubject('heavy').setAudience(op.issuer).setIssuedAt(now).setExpirationTime(now + 2).sign(privateKey as CryptoKey);
      const r = await tokenPost(op, {
        grant_type: 'client_credentials', client_id: 'heavy', client_assertion: assertion, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      }, { dpop: await proof(key, { htu }) });
      if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
    };
    const batch = async (n: number) => {
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => { while (next++ < n) await one(); }));
    };
    const total = (s: Record<string, number | undefined>) => Object.values(s).reduce((a: number, b) => a + (b ?? 0), 0);
    const mib = () => Math.round(process.memoryUsage().rss / 1048576);
    try {
      const N = 2000;
      const M = 2000;
      await batch(N);
      const afterN = await store.sizes();
      const rssN = mib();
      await batch(M);
      const afterNM = await store.sizes();
      const rssNM = mib();
      for (const n of Object.values(afterNM)) expect(n).toBeLessThan(CAP);
      // Every entry of this flow lives at most ~13 s (assertion jti: exp + 6 s; DPoP jti: 2 x 1 + 5 s; token: 2 s).
      await new Promise((r) => setTimeout(r, 14_000));
      const idle = await store.sizes();
      const rssIdle = mib();
      console.log(JSON.stringify({ N, M, afterN, afterNM, idle, rss_mib: { afterN: rssN, afterNM: rssNM, idle: rssIdle } }));
      expect(total(afterNM)).toBeGreaterThan(0);
      expect(total(idle)).toBeLessThanOrEqual(1); // the signing keys
    } finally {
      await op.close();
      await store.close();
    }
  }, 120_000);
});
