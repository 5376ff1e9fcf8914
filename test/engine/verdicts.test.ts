// How a module's verdict is formed: a skip can only replace a pass. A MUST that failed before a
// step that cannot run keeps the module failed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadPlan } from '../../harness/plan/load.ts';
import { closeRunContext, createRunContext, runModule, type RunContext } from '../../harness/engine/runner.ts';
import { startTarget, type Target } from '../../harness/engine/target.ts';
import type { ModuleDef } from '../../harness/core/types.ts';

let target: Target;
let ctx: RunContext;
beforeAll(async () => {
  const plan = await loadPlan(new URL('../../plans/client-credentials.yaml', import.meta.url).pathname);
  target = await startTarget(plan, { inProcess: true });
  // No code TTL known: a `wait for: code_ttl` step cannot run and skips.
  ctx = await createRunContext(plan, { issuer: target.issuer, ttl: {} }, { runDir: mkdtempSync(join(tmpdir(), 'touchstone-verdict-')) });
});
afterAll(async () => {
  await closeRunContext(ctx);
  await target?.stop();
});

const mod = (id: string, expectError: boolean): ModuleDef => ({
  id,
  title: id,
  proves: ['RFC6749-4.4-token'],
  steps: [
    { do: 'discover' },
    // A valid request: expecting it to be refused makes its MUST expectation fail.
    { do: 'client-credentials', with: { client: 'main', scope: 'api:read' }, expect: expectError ? { error: ['invalid_client'], cite: 'RFC6749-4.4-token' } : { cite: 'RFC6749-4.4-token' } },
    { do: 'wait', with: { for: 'code_ttl' } },
  ],
});

it('a MUST that failed stays failed when a later step skips', async () => {
  const r = await runModule(ctx, mod('must-then-skip', true));
  expect(r.status).toBe('failed');
  expect(r.reason).toContain('RFC 6749');
});

it('a module that passed until a step could not apply is not applicable, with the reason', async () => {
  const r = await runModule(ctx, mod('pass-then-skip', false));
  expect(r.status).toBe('not_applicable');
  expect(r.reason).toContain('provider.ttl.code');
});
