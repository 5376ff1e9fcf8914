#!/usr/bin/env node
// CLI: node provider/main.ts [--config file.yaml|json] [--port N] [--faults a,b]
// Faults also come from TOUCHSTONE_FAULTS=a,b and from the config's `faults` (union).
import { parseArgs } from 'node:util';
import { ConfigError } from './errors.ts';
import { startProvider } from './server.ts';
import { DEFAULT_SQLITE_PATH, storeFromEnv } from './store.ts';

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
    // Run by hand or in the container, state survives a restart (sqlite) unless TOUCHSTONE_STORE or the config say otherwise.
    const defaultStore = storeFromEnv(process.env.TOUCHSTONE_STORE) ?? { type: 'sqlite' as const, path: DEFAULT_SQLITE_PATH };
    provider = await startProvider({ configFile: values.config, faults, port, defaultPort: DEFAULT_PORT, log: out, defaultStore });
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
