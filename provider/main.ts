#!/usr/bin/env node
// CLI: node provider/main.ts [--config file.yaml|json] [--port N] [--faults a,b]
// Faults also come from TOUCHSTONE_FAULTS=a,b and from the config's `faults` (union).
//
// Node's compile cache (module.enableCompileCache, Node >= 22.1) keeps the type-stripped and
// compiled form of every module imported after this point, so a second start skips stripping the
// provider's TypeScript (the modules below are imported dynamically, after the cache is on).
// NODE_COMPILE_CACHE, when set, names the directory (it then covers this file too); otherwise
// Node's default under the OS temp directory. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';
import { parseArgs } from 'node:util';

enableCompileCache?.();
const { ConfigError } = await import('./errors.ts');

const DEFAULT_PORT = 9400;

function fail(message: string): never {
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { config?: string; port?: string; faults?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, faults: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    fail(`usage: ${(e as Error).message}`);
  }
  if (values.help) {
    process.stdout.write('usage: node provider/main.ts [--config file.yaml|json] [--port N] [--faults a,b]\n');
    return;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) fail(`config: --port must be an integer 0-65535, got "${values.port}"`);
    port = Number(values.port);
  }
  const faults = [...(values.faults ?? '').split(','), ...(process.env.TOUCHSTONE_FAULTS ?? '').split(',')].map((s) => s.trim()).filter(Boolean);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let provider;
  try {
    // The config file is read first: when it names no signing keys, their generation (RSA keygen,
    // in libuv's thread pool) starts now and overlaps the loading of the rest of the provider.
    const { readConfigFile } = await import('./config.ts');
    const raw = values.config ? readConfigFile(values.config) : {};
    if ((raw as { keys?: unknown } | null)?.keys === undefined) (await import('./keys.ts')).pregenerateKeys();
    const { startProvider } = await import('./server.ts');
    // Run by hand or in the container, state survives a restart (sqlite) unless TOUCHSTONE_STORE or the config say otherwise.
    const { DEFAULT_SQLITE_PATH, storeFromEnv } = await import('./store.ts');
    const defaultStore = storeFromEnv(process.env.TOUCHSTONE_STORE) ?? { type: 'sqlite' as const, path: DEFAULT_SQLITE_PATH };
    provider = await startProvider({ config: raw ?? {}, faults, port, defaultPort: DEFAULT_PORT, log: out, defaultStore });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    const err = e as NodeJS.ErrnoException;
    fail(`error: ${err.code ?? 'startup failed'}: ${err.message}`);
  }
  out(JSON.stringify({ msg: 'listening', issuer: provider.issuer, port: provider.port, faults: provider.faults, ttl: provider.config.ttl }));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    provider.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => fail(`error: ${(e as Error).message}`));
