// The reference provider started inside the test process (StartTargetOptions.inProcess): the tests
// that run plans against it save a Node start per run. The harness itself never imports provider/.
import type { ProviderStarter } from '../harness/engine/target.ts';
import { startProvider } from '../provider/server.ts';

export const startInProcess: ProviderStarter = async (o) => {
  const op = await startProvider({ ...o, defaultPort: 0 });
  return { issuer: op.issuer, ttl: { code: op.config.ttl.code }, close: () => op.close() };
};
