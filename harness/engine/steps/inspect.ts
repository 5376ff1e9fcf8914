// `inspect`: judge what earlier steps of the module already recorded, without a new request
// (security review, issue 13). Checks by name:
// - `page-framing`, `referrer-policy`: the response headers of every OP page the browser was
//   shown (provider navigations answered 2xx with HTML: login, consent, ...);
// - `token-pragma`: the latest successful token endpoint response's headers;
// - `at-jwt-profile`: the access token of a token step (`from`, default the latest) against RFC 9068;
// - `at-lifetime`: that token's lifetime (expires_in, else a JWT's exp - iat) against RFC 6750 §5.3;
// - `request-object-nonce`: the ID Token's nonce is the one inside the request object (RFC 9101 §6.3);
import { accessTokenJwtProfile, accessTokenShortLived, opPagesReferrerPolicy, opPagesRefuseFraming, requestObjectParamUsed, tokenResponsePragmaNoCache, type OpPage } from '../../checks/index.ts';
import { requestObjectOf } from './request-object.ts';
import type { StepDef } from '../../core/types.ts';
import { StepAbort, type ModuleRun } from '../module-run.ts';
import { checksOf, options, STEP_REF } from './options.ts';

/** The OP pages the module's browser was shown, from the recorded navigation hops. */
async function opPages(run: ModuleRun): Promise<{ pages: OpPage[]; hop?: string }> {
  if (!run.hasOutput('authorize')) throw new StepAbort('no earlier authorize step: there are no OP pages to inspect');
  const session = await run.browser();
  const origin = new URL(run.ctx.issuer).origin;
  const hops = session.hops.filter((h) => h.action === 'navigate' && h.headers && (h.status ?? 0) >= 200 && (h.status ?? 0) < 300
    && URL.canParse(h.url) && new URL(h.url).origin === origin && /^text\/html\b/i.test(h.headers['content-type'] ?? ''));
  if (hops.length === 0) throw new StepAbort('the browser was shown no OP page (no 2xx HTML navigation on the issuer\'s origin)');
  return { pages: hops.map((h) => ({ url: h.url, status: h.status, headers: h.headers! })), hop: hops[0].id };
}

export async function inspect(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const checks = (w.checks as string[] | undefined) ?? [];
  if (checks.length === 0) throw new StepAbort('inspect needs with.checks');
  if (checks.includes('page-framing') || checks.includes('referrer-policy')) {
    const { pages, hop } = await opPages(run);
    if (checks.includes('page-framing')) run.add(opPagesRefuseFraming({ pages }, hop));
    if (checks.includes('referrer-policy')) run.add(opPagesReferrerPolicy({ pages }, hop));
  }
  if (checks.includes('token-pragma')) {
    const url = run.endpoint('token_endpoint');
    const ex = run.http.exchanges.findLast((e) => e.request.url === url && e.response && e.response.status === 200);
    if (!ex?.response) throw new StepAbort('no successful token endpoint response was recorded to inspect');
    run.add(tokenResponsePragmaNoCache(ex.response.headers, ex.id));
  }
  // RFC 9101 §6.3: the ID Token's nonce is the one inside the request object, not one sent beside it.
  if (checks.includes('request-object-nonce')) {
    const auth = run.output('authorize');
    const jar = requestObjectOf(auth);
    if (!jar || jar.outside.nonce === undefined) throw new StepAbort('the latest authorize step sent no request object with a nonce outside it');
    const out = run.output('token', w.from as string | undefined);
    if (!out.idTokenClaims) throw new StepAbort('the token step issued no ID Token to inspect');
    run.add(requestObjectParamUsed({ name: 'nonce', inside: jar.inside.nonce, outside: jar.outside.nonce, got: out.idTokenClaims.nonce, where: 'the ID Token' }));
  }
  if (checks.includes('at-jwt-profile')) {
    const out = run.output('token', w.from as string | undefined);
    if (!out.accessToken) throw new StepAbort('the token step issued no access token to inspect');
    const scope = typeof out.json?.scope === 'string' ? out.json.scope : undefined;
    run.add(accessTokenJwtProfile({ token: out.accessToken, issuer: run.ctx.issuer, clientId: run.client(out.client).client_id, scope }));
  }
  if (checks.includes('at-lifetime')) {
    const out = run.output('token', w.from as string | undefined);
    if (!out.accessToken) throw new StepAbort('the token step issued no access token to inspect');
    run.add(accessTokenShortLived({ expiresIn: out.json?.expires_in, token: out.accessToken }));
  }
}

/** `with` of `inspect`. */
export const inspectOptions = options({ checks: checksOf('page-framing', 'referrer-policy', 'token-pragma', 'at-jwt-profile', 'at-lifetime', 'request-object-nonce'), from: STEP_REF });
