// Ask the provider to rotate its signing keys (the reference provider's admin endpoint,
// POST /admin/rotate-keys with the plan's provider.admin_token). Used by the JWKS rotation module:
// a new key must be published before it signs (OIDC Core §10.1.1).
import type { StepDef } from '../../core/types.ts';
import { StepAbort, StepSkip, type ModuleRun } from '../module-run.ts';

export async function rotateKeys(run: ModuleRun, step: StepDef): Promise<void> {
  const token = run.ctx.plan.provider.admin_token;
  if (!token) throw new StepSkip('the plan gives no provider.admin_token to rotate the provider\'s keys with');
  const body: Record<string, string> = {};
  if (step.with?.publish_ahead !== undefined) body.publish_ahead = String(step.with.publish_ahead);
  const ex = await run.http.send(`${run.ctx.issuer}/admin/rotate-keys`, { step: step.id!, label: 'rotate signing keys', method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
  const res = run.response(ex);
  if (res.status !== 200) throw new StepAbort(`key rotation failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
}
