// Node's on-disk compile cache for this process and every Node process it starts (the provider,
// the vitest worker, the Allure report): each run's start compiles the same few hundred modules
// (TypeScript stripped, then V8-compiled), which costs about half a second of CPU over the
// processes of a run on 2 cores. Node checks each cached entry against its source, so an edited
// file is compiled again. Imported first by harness/cli.ts: the modules it loads later (the engine,
// vitest) and the child processes (NODE_COMPILE_CACHE in their environment) use the cache.
// TOUCHSTONE_COMPILE_CACHE=0 turns it off.
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';

if (process.env.TOUCHSTONE_COMPILE_CACHE !== '0') {
  const dir = process.env.NODE_COMPILE_CACHE ?? join(import.meta.dirname, '..', 'node_modules', '.cache', 'touchstone-compile');
  const { directory } = enableCompileCache(dir);
  if (directory) process.env.NODE_COMPILE_CACHE = directory;
}
