// Stopping a child process the harness started (a provider, a Redis server): SIGTERM, SIGKILL after
// 3 s, then `done` (close its log, remove its files) once it has exited.
import type { ChildProcess } from 'node:child_process';

export function stopChild(child: ChildProcess, done: () => void = () => {}): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      done();
      return res();
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
      res();
    });
    child.kill('SIGTERM');
  });
}
