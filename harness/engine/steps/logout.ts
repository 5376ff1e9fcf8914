// RP-Initiated Logout 1.0 in the browser. The request is built from the ID Token of an earlier
// token step; `id_token_hint` and `post_logout_redirect_uri` can be varied to the forms the OIDF
// logout modules use. The outcome is decided by the plan's page matchers, with the page attached.
import { generateKeyPair, SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { logoutRedirectIsRegistered, logoutStateEchoed } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { randomToken, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';
import { abortIfLost, baseOf, describeLanding, expectOpPage, responseParams } from './authorize.ts';
import { BOOLEAN, CLIENT, enumOf, options, SHAPE_PARAMS, STEP_REF, STRING } from './options.ts';

/** The ID Token re-made as an unsecured JWT (alg none), claims unchanged. */
export function unsignedCopy(idToken: string): string {
  return new UnsecuredJWT(decodeJwt(idToken)).encode();
}

/** The ID Token's claims signed by a key the OP never published, under the same kid. */
export async function foreignCopy(idToken: string): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(decodeJwt(idToken)).setProtectedHeader({ alg: 'RS256', ...(header.kid ? { kid: header.kid } : {}) }).sign(privateKey);
}

export async function logout(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const hintKind = (w.id_token_hint as string) ?? 'valid';
  const uriKind = (w.post_logout_redirect_uri as string) ?? 'registered';
  let idToken: string | undefined;
  let role = (w.client as string) ?? 'main';
  if (hintKind !== 'absent') {
    const tokens = run.output('token', w.token_from as string | undefined);
    role = tokens.client;
    idToken = tokens.idToken;
    if (!idToken) throw new StepAbort('no ID Token from an earlier token step to use as id_token_hint');
  }
  const client = run.client(role);
  const registered = client.post_logout_redirect_uri;
  const hint = hintKind === 'valid' ? idToken : hintKind === 'none' ? unsignedCopy(idToken!) : hintKind === 'foreign' ? await foreignCopy(idToken!) : undefined;
  let target: string | undefined;
  if (uriKind === 'registered' || uriKind === 'with-query') {
    if (!registered) throw new StepAbort(`client "${role}" has no post_logout_redirect_uri in the plan`);
    target = uriKind === 'registered' ? registered : `${registered}${registered.includes('?') ? '&' : '?'}touchstone=added`;
  } else if (uriKind !== 'absent') {
    target = uriKind;
  }
  const params = shapeParams(
    {
      id_token_hint: hint,
      post_logout_redirect_uri: target,
      state: w.state === false ? undefined : randomToken(16),
      client_id: w.client_id === true ? client.client_id : undefined,
    },
    w,
  );
  const url = new URL(run.endpoint('end_session_endpoint'));
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);

  const confirmWith = w.confirm === false ? undefined : run.ctx.plan.browser.pages.logout_confirm?.confirm;
  const session = await run.browser();
  const landing = await session.navigate(step.id!, url.toString(), async (kind) => (kind === 'logout_confirm' ? confirmWith : undefined));
  const hop = landing.kind === 'redirect' ? undefined : landing.hop.id;
  const e = step.expect ?? { redirect: 'post_logout_redirect_uri' };

  if (e.page) {
    expectOpPage(run, step, landing, e.page, 'RPIL-3-registered-redirect');
    return;
  }

  // Expected: redirected to the registered post_logout_redirect_uri, with state echoed.
  abortIfLost(landing);
  if (landing.kind !== 'redirect' || !target || baseOf(landing.url) !== baseOf(target)) {
    run.expectation(step, `${step.id}-redirects`, {
      ok: false,
      message: `expected a redirect to ${target ?? '(no post_logout_redirect_uri sent)'}, got ${describeLanding(landing)}`,
      expected: { redirect: target },
      actual: { landing: describeLanding(landing) },
    }, hop, 'RPIL-3-registered-redirect');
    throw new StepAbort('logout did not redirect to the post_logout_redirect_uri');
  }
  run.add(
    logoutRedirectIsRegistered({ redirectedTo: landing.url, registered: registered ? [registered] : [] }),
    logoutStateEchoed({ params: responseParams(landing.url, landing.form), sentState: params.state }),
  );
}

/** `with` of `logout`. */
export const logoutOptions = options({
  client: CLIENT,
  token_from: STEP_REF,
  id_token_hint: enumOf('valid', 'none', 'foreign', 'absent'),
  post_logout_redirect_uri: { ...STRING, description: 'registered | with-query | absent | a literal URI' },
  state: { ...BOOLEAN, description: 'false: send no state' },
  client_id: { ...BOOLEAN, description: 'true: send client_id' },
  confirm: { ...BOOLEAN, description: 'false: do not confirm on the logout_confirm page' },
  ...SHAPE_PARAMS,
});
