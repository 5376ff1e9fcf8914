// Races (beyond the OIDF suite): the same one-time credential redeemed by several requests at
// once. `with.grant: authorization_code` sends the token request of the latest authorize step,
// `refresh_token` the refresh request of the latest token step, `with.copies` times (default 8)
// concurrently, exactly as the token / refresh steps build them. Exactly one may succeed.
import { codeRedeemedOnceConcurrently, refreshRedeemedOnceConcurrently } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { describeExchangeFailure } from '../http.ts';
import { StepAbort, type ModuleRun } from '../module-run.ts';
import { refreshGrantRequest } from './refresh.ts';
import { codeGrantRequest } from './token.ts';
import { ASSERTION, CLIENT, enumOf, options, SECRET, SHAPE_REQUEST, STEP_REF } from './options.ts';

const MAX_COPIES = 32;

export async function race(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const copies = Number(w.copies ?? 8);
  if (!Number.isInteger(copies) || copies < 2 || copies > MAX_COPIES) throw new StepAbort(`race: copies must be an integer from 2 to ${MAX_COPIES}, got ${String(w.copies)}`);
  const grant = w.grant;
  if (grant !== 'authorization_code' && grant !== 'refresh_token') throw new StepAbort(`race: grant must be authorization_code or refresh_token, got ${String(grant)}`);
  const { form, headers } = grant === 'refresh_token' ? await refreshGrantRequest(run, step) : await codeGrantRequest(run, step);
  const url = run.endpoint('token_endpoint');
  const sent = await Promise.all(
    Array.from({ length: copies }, (_, i) => run.http.send(url, { step: step.id!, label: `${grant} request ${i + 1} of ${copies} (concurrent)`, method: 'POST', headers, body: form })),
  );
  const check = grant === 'refresh_token' ? refreshRedeemedOnceConcurrently : codeRedeemedOnceConcurrently;
  // A request with no answer (a timeout, a reset) says nothing about the exactly-once rule: unless
  // two were already served (redeemed twice, whatever the rest did), the step stops on the cause.
  const answered = sent.filter((ex) => ex.response);
  const lost = sent.filter((ex) => !ex.response);
  const served = answered.filter((ex) => ex.response!.status >= 200 && ex.response!.status < 300);
  if (lost.length > 0 && served.length < 2) {
    throw new StepAbort(`${lost.length} of ${copies} concurrent requests got no answer: ${describeExchangeFailure(lost[0])}`);
  }
  run.add(check({ statuses: answered.map((ex) => ex.response!.status) }, (served[0] ?? answered[0]).id));
}

/** `with` of `race`: the grant and copies, plus what the token / refresh request reads (codeGrantRequest, refreshGrantRequest). */
export const raceOptions = options({
  grant: enumOf('authorization_code', 'refresh_token'),
  copies: { type: 'integer', minimum: 2, maximum: MAX_COPIES },
  from: STEP_REF,
  client: CLIENT,
  secret: SECRET,
  assertion: ASSERTION,
  ...SHAPE_REQUEST,
}, ['grant']);
