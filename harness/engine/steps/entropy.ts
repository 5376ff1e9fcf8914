// `entropy`: draw a sample of one kind of value the OP generates and estimate the bits of guessing
// work in each (RFC 6749 §10.10, RFC 6819 §5.1.4.2.2; checks/security.ts estimateEntropy states
// the method). `with.of`:
// - `code`: `samples` more authorization requests in the module's browser session (an earlier
//   authorize step logged the End-User in), each code recorded, none redeemed;
// - `refresh_token`: the same, each code redeemed for a refresh token (`scope`, default
//   `openid offline_access`, with prompt=consent as OIDC Core §11 asks for offline_access);
// - `access_token`: `samples` client credentials grants for the plan client `client` (default service);
// - `request_uri`: `samples` pushed authorization requests (RFC 9126) for `client` (default main);
// - `device_code`, `user_code`: `samples` device authorization requests (RFC 8628 §3.1); user codes
//   are judged by RFC 8628 §5.1's brute-force rule, not the 128-bit one (they are typed by hand);
// - `client_secret`: `samples` dynamic registrations (RFC 7591) with the register step's
//   `metadata_from` / `initial_token_from`.
import { tokenEntropyMinimum, tokenEntropySuggested, userCodeEntropy } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { StepAbort, type ModuleRun } from '../module-run.ts';
import { authorize } from './authorize.ts';
import { clientCredentials } from './client-credentials.ts';
import { deviceAuthorization, deviceStateOf } from './device.ts';
import { par } from './par.ts';
import { register } from './register.ts';
import { token } from './token.ts';
import { CLIENT, enumOf, options, STRING } from './options.ts';

const KIND: Record<string, string> = {
  code: 'authorization code',
  refresh_token: 'refresh token',
  access_token: 'access token',
  request_uri: 'request_uri',
  device_code: 'device_code',
  user_code: 'user_code',
  client_secret: 'registered client secret',
};

export async function entropy(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const of = (w.of as string | undefined) ?? 'code';
  const count = Math.min(32, Math.max(2, Number(w.samples ?? 8)));
  const samples: string[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `${step.id}-${i}`;
    samples.push(await sample(run, w, of, id, i));
  }
  const kind = KIND[of] ?? of;
  if (of === 'user_code') return void run.add(userCodeEntropy({ samples }));
  run.add(tokenEntropyMinimum({ kind, samples }), tokenEntropySuggested({ kind, samples }));
}

async function sample(run: ModuleRun, w: Record<string, unknown>, of: string, id: string, i: number): Promise<string> {
  const client = w.client as string | undefined;
  const missing = (what: string): never => {
    throw new StepAbort(`sample ${i} gave no ${what}`);
  };
  if (of === 'code' || of === 'refresh_token') {
    if (!run.hasOutput('authorize')) throw new StepAbort(`entropy of ${of === 'code' ? 'codes' : 'refresh tokens'} needs an earlier authorize step (the End-User logged in)`);
    const offline = of === 'refresh_token';
    await authorize(run, { id, do: 'authorize', with: { client: client ?? 'main', ...(offline ? { scope: (w.scope as string | undefined) ?? 'openid offline_access', params: { prompt: 'consent' } } : {}) } });
    const code = run.output('authorize', id).response?.code;
    if (!code) return missing('code');
    if (!offline) return code;
    await token(run, { id: `${id}-token`, do: 'token', with: { from: id } });
    return run.output('token', `${id}-token`).refreshToken ?? missing('refresh token');
  }
  if (of === 'request_uri') {
    await par(run, { id, do: 'par', with: { client: client ?? 'main' } });
    const out = run.outputs.get(id);
    return (out?.kind === 'par' ? out.requestUri : undefined) ?? missing('request_uri');
  }
  if (of === 'device_code' || of === 'user_code') {
    await deviceAuthorization(run, { id, do: 'device-authorization', with: { client: client ?? 'main' } });
    const s = deviceStateOf(run, id);
    return of === 'device_code' ? s.deviceCode : s.userCode;
  }
  if (of === 'client_secret') {
    const as = `entropy-registered-${i}`;
    await register(run, { id, do: 'register', with: { as, ...(w.metadata_from ? { metadata_from: w.metadata_from } : {}), ...(w.initial_token_from ? { initial_token_from: w.initial_token_from } : {}) } });
    return run.client(as).secret ?? missing('client_secret (the registration issued none)');
  }
  await clientCredentials(run, { id, do: 'client-credentials', with: { client: client ?? 'service' } });
  return run.output('token', id).accessToken ?? missing('access token');
}

/** `with` of `entropy`. */
export const entropyOptions = options({
  of: enumOf('code', 'refresh_token', 'access_token', 'request_uri', 'device_code', 'user_code', 'client_secret'),
  samples: { type: 'integer', minimum: 2, maximum: 32 },
  client: CLIENT,
  scope: { ...STRING, description: 'of: refresh_token: the scope asked for (default openid offline_access)' },
  metadata_from: { ...STRING, description: 'of: client_secret: a plan registration_metadata template' },
  initial_token_from: { ...STRING, description: 'of: client_secret: a plan client role whose secret is the initial access token' },
});
