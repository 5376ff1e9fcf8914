// A provider that stops answering is reported once, and the modules after it are not run (no
// timeout per module): the first module that meets the refused connection says so, the rest say
// "not run" with the same cause.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { loadCatalog, selectModules } from '../../harness/engine/catalog.ts';
import { closeRunContext, createRunContext, runModule } from '../../harness/engine/runner.ts';
import { startTarget } from '../../harness/engine/target.ts';
import { startInProcess } from '../in-process.ts';

it('a provider that went away is reported once and the rest of the run is not attempted', async () => {
  const plan = await loadPlan(new URL('../../plans/client-credentials.yaml', import.meta.url).pathname);
  const mods = selectModules(plan, loadCatalog(plan));
  expect(mods.length).toBeGreaterThan(2);
  const target = await startTarget(plan, { inProcess: startInProcess });
  const ctx = await createRunContext(plan, target, { runDir: mkdtempSync(join(tmpdir(), 'touchstone-down-')) });
  try {
    const first = await runModule(ctx, mods[0]);
    expect(first.status).toBe('passed');
    await target.stop();
    const rest = [];
    for (const m of mods.slice(1)) rest.push(await runModule(ctx, m));
    expect(rest[0].status).toBe('failed');
    expect(rest[0].reason).toContain(`the provider at ${ctx.issuer} stopped answering (connection refused) during module ${mods[1].id}`);
    for (const r of rest.slice(1)) {
      expect(r.status).toBe('failed');
      expect(r.reason).toBe(`not run: the provider at ${ctx.issuer} stopped answering (connection refused) during module ${mods[1].id}`);
      expect(r.exchanges).toEqual([]);
    }
  } finally {
    await closeRunContext(ctx);
  }
});
