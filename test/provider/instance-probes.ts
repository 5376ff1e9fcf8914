// Probes for the store-layer fault switches (provider/store-faults.ts). The per-instance ones only
// show with several instances: two providers in this process with one issuer and one shared store
// (a MemoryStore object: what one Redis is to several processes), the probed provider's faults on
// both. A jti used at the first is replayed at the second.
import { expect } from 'vitest';
import { startProvider, type RunningProvider } from '../../provider/server.ts';
import { MemoryStore } from '../../provider/store.ts';
import type { FaultId } from '../../provider/faults.ts';
import { authorize, exchange, testKeys } from './helpers.ts';
import { API_CONFIG, ccToken, dpopKey, proof, tokenPost } from './dpop-helpers.ts';
import { assertion, authForm, clientKeys } from './fapi-helpers.ts';
import { rule, type Probe } from './probe.ts';

type Ours = 'store-consume-not-atomic' | 'assertion-jti-per-instance' | 'dpop-jti-per-instance';

interface Twins {
  /** The first instance (its issuer is the shared one). */
  a: RunningProvider;
  /** The second instance, addressed at its own port (same issuer, same store). */
  b: RunningProvider;
  close(): Promise<void>;
}

async function twins(probed: RunningProvider, config: Record<string, unknown>): Promise<Twins> {
  const store = new MemoryStore();
  const base = { keys: await testKeys(), ...config };
  const faults = [...probed.faults];
  const a = await startProvider({ config: base, faults, store, defaultPort: 0 });
  const second = await startProvider({ config: { ...base, issuer: a.issuer }, faults, store, defaultPort: 0 });
  const b = { ...second, issuer: `http://127.0.0.1:${second.port}` } as RunningProvider;
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), second.close()]);
      await store.close();
    },
  };
}

/** One code redeemed by 6 concurrent token requests is served more than once (and refused after). */
export const codeServedTwice: Probe = { run: async (op) => {
  const out = await authorize(op);
  const all = await Promise.all(Array.from({ length: 6 }, () => exchange(op, out)));
  rule(all.filter((r) => r.status === 200).length).toBeGreaterThan(1);
  expect((await exchange(op, out)).json.error).toBe('invalid_grant'); // a later reuse is still refused
} };

export const STORE_PROBES: Record<Ours, Probe> = {
  // The store's consume races the same way as the code-redeem-race switch's read-then-write.
  'store-consume-not-atomic': codeServedTwice,
  'assertion-jti-per-instance': { run: async (op) => {
    const [, key] = await clientKeys();
    const t = await twins(op, {
      clients: [{ client_id: key.clientId, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read' }],
    });
    try {
      const form = { grant_type: 'client_credentials', client_id: key.clientId, ...authForm(await assertion(t.a, key)) };
      const first = await tokenPost(t.a, form);
      expect(first.status, first.text).toBe(200);
      const replayed = await tokenPost(t.b, form);
      rule(replayed.status, replayed.text).toBe(200);
    } finally {
      await t.close();
    }
  } },
  'dpop-jti-per-instance': { run: async (op) => {
    const t = await twins(op, API_CONFIG);
    try {
      const p = await proof(await dpopKey(), { htu: `${t.a.issuer}/token` });
      const resource = `${t.a.issuer}/api/resource`;
      const first = await ccToken(t.a, { dpop: p, resource });
      expect(first.status, first.text).toBe(200);
      const replayed = await ccToken(t.b, { dpop: p, resource });
      rule(replayed.status, replayed.text).toBe(200);
    } finally {
      await t.close();
    }
  } },
} satisfies Partial<Record<FaultId, Probe>>;
