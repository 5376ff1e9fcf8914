#!/usr/bin/env node
// `touchstone` / `npx touchstone`: re-exec harness/cli.ts under Node >= 24 (TypeScript type
// stripping). Uses the current node when it is new enough, else the project's pinned node
// (devDependency `node` -> node_modules/.bin/node).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'harness', 'cli.ts');
const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 24) {
  node = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  if (!existsSync(node)) {
    process.stderr.write(`touchstone: Node >= 24 is required (this is ${process.version}); run \`bash scripts/bootstrap.sh\` to install the project's Node\n`);
    process.exit(2);
  }
}

const child = spawn(node, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches the child directly (same process group): wait for it to clean up (it stops the
// provider) instead of dying first. Signals sent to this process alone are forwarded.
process.on('SIGINT', () => {});
for (const sig of ['SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { if (child.exitCode === null) child.kill(sig); });
}
child.on('error', (err) => {
  process.stderr.write(`touchstone: could not start ${node}: ${err.message}\n`);
  process.exit(2);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  else process.exit(code ?? 1);
});
