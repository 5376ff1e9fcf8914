// Fault switches of the store layer (provider/faults.ts), wrapped around whatever store the
// provider uses, so the call sites stay as they are:
// - store-consume-not-atomic: consume is get, a store round trip, then delete (not one GETDEL).
// - assertion-jti-per-instance / dpop-jti-per-instance: client assertion / DPoP jtis go to a map
//   of this provider instance instead of the shared store (correct for one instance; several
//   instances each accept the same jti once).
import type { Faults } from './faults.ts';
import { MemoryStore, storeRoundTrip, type Kind, type Store } from './store.ts';

export function withStoreFaults(store: Store, faults: Faults): Store {
  const localKinds = new Set<Kind>([
    ...(faults.on('assertion-jti-per-instance') ? (['client_assertion_jti'] as const) : []),
    ...(faults.on('dpop-jti-per-instance') ? (['dpop_jti'] as const) : []),
  ]);
  const racyConsume = faults.on('store-consume-not-atomic');
  if (!localKinds.size && !racyConsume) return store;
  const local = new MemoryStore();
  const at = (kind: Kind): Store => (localKinds.has(kind) ? local : store);
  return {
    get: (kind, id) => at(kind).get(kind, id),
    set: (kind, id, value, ttl) => at(kind).set(kind, id, value, ttl),
    add: (kind, id, value, ttl) => at(kind).add(kind, id, value, ttl),
    delete: (kind, id) => at(kind).delete(kind, id),
    consume: async <T>(kind: Kind, id: string): Promise<T | undefined> => {
      if (!racyConsume) return at(kind).consume<T>(kind, id);
      const value = await at(kind).get<T>(kind, id);
      await storeRoundTrip();
      await at(kind).delete(kind, id);
      return value;
    },
    sizes: async () => ({ ...(await store.sizes()), ...(await local.sizes()) }),
    count: (kind) => at(kind).count(kind),
    close: async () => {
      await local.close();
      await store.close();
    },
  };
}
