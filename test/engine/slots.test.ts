// Run slots: at most `workers` modules busy at once; a module's first wait frees its slot for the
// next module; modules that wait longest start first.
import { describe, expect, it } from 'vitest';
import { Slots } from '../../harness/engine/slots.ts';
import { loadCatalog, loadPlan, startOrder } from '../../harness/engine/api.ts';

describe('Slots', () => {
  it('lets `size` holders in, then serves the queue first come, first served', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const a = await slots.take();
    const b = await slots.take();
    const c = slots.take().then((r) => { order.push('c'); return r; });
    const d = slots.take().then((r) => { order.push('d'); return r; });
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot frees nothing more
    const releaseC = await c;
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['c']);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    // Both slots are free again: two takes resolve at once.
    await Promise.all([slots.take(), slots.take()]);
  });
});

describe('startOrder', () => {
  it('starts the modules that wait on the provider longest first, the rest in catalog order', async () => {
    const plan = await loadPlan('plans/default.yaml');
    const catalog = loadCatalog(plan);
    const mods = ['discovery', 'code-reuse', 'code-expired', 'jwks', 'code-reuse-after-one-second'].map((id) => catalog.modules.get(id)!);
    expect(startOrder(mods, catalog, plan).map((m) => m.id)).toEqual(['code-expired', 'code-reuse-after-one-second', 'discovery', 'code-reuse', 'jwks']);
  });
});
