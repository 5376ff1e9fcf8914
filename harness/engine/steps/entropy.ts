// `entropy`: draw a sample of one kind of value the OP generates and estimate the bits of guessing
// work in each (RFC 6749 §10.10, RFC 6819 §5.1.4.2.2; checks/security.ts estimateEntropy states
// the method). `with.of`:
// - `code`: `samples` more authorization requests in the module's browser session (an earlier
//   authorize step logged the End-User in), each code recorded, none redeemed;
// - `access_token`: `samples` client credentials grants for the plan client `client` (default service).
import { tokenEntropyMinimum, tokenEntropySuggested } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { StepAbort, type ModuleRun } from '../module-run.ts';
import { authorize } from './authorize.ts';
import { clientCredentials } from './client-credentials.ts';
import { CLIENT, enumOf, options } from './options.ts';

export async function entropy(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const of = (w.of as string | undefined) ?? 'code';
  const count = Math.min(32, Math.max(2, Number(w.samples ?? 8)));
  const samples: string[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `${step.id}-${i}`;
    if (of === 'code') {
      if (![...run.outputs.values()].some((o) => o.kind === 'authorize')) throw new StepAbort('entropy of codes needs an earlier authorize step (the End-User logged in)');
      await authorize(run, { id, do: 'authorize', with: { client: (w.client as string | undefined) ?? 'main' } });
      const code = run.output('authorize', id).response?.code;
      if (!code) throw new StepAbort(`sample ${i} gave no code`);
      samples.push(code);
    } else {
      await clientCredentials(run, { id, do: 'client-credentials', with: { client: (w.client as string | undefined) ?? 'service' } });
      const token = run.output('token', id).accessToken;
      if (!token) throw new StepAbort(`sample ${i} gave no access token`);
      samples.push(token);
    }
  }
  const kind = of === 'code' ? 'authorization code' : 'access token';
  run.add(tokenEntropyMinimum({ kind, samples }), tokenEntropySuggested({ kind, samples }));
}

/** `with` of `entropy`. */
export const entropyOptions = options({ of: enumOf('code', 'access_token'), samples: { type: 'integer', minimum: 2, maximum: 32 }, client: CLIENT });
