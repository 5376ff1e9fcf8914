// Ask the provider to rotate its signing keys, the way the plan's `operations.rotate_keys` says
// (method, URL, auth, body; `${publish_ahead}` = `with.publish_ahead`, seconds the new key is
// published before it signs). Used by the JWKS rotation modules: a new key must be published
// before it signs (OIDC Core §10.1.1). Without the operation the module is not applicable.
import type { StepDef } from '../../core/types.ts';
import type { ModuleRun } from '../module-run.ts';
import { runOperation } from '../operations.ts';
import { options } from './options.ts';

export async function rotateKeys(run: ModuleRun, step: StepDef): Promise<void> {
  const ahead = step.with?.publish_ahead;
  await runOperation(run, step, 'rotate_keys', { publish_ahead: ahead === undefined ? undefined : String(ahead) }, 'rotate signing keys');
}

/** `with` of `rotate-keys`. */
export const rotateKeysOptions = options({ publish_ahead: { type: 'integer', minimum: 0, description: 'seconds the new key is published before it signs' } });
