import { startProvider } from './provider/server.ts';
const t0 = performance.now();
const p = await startProvider({ port: 0 });
const t1 = performance.now();
setTimeout(() => {
  const m = process.memoryUsage();
  const f = (n: number) => (n / 2 ** 20).toFixed(1);
  console.log(`start ${(t1 - t0).toFixed(0)} ms; rss ${f(m.rss)} heapTotal ${f(m.heapTotal)} heapUsed ${f(m.heapUsed)} external ${f(m.external)} ab ${f(m.arrayBuffers)}`);
  p.close();
}, 1500);
