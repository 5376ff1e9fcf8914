// plans/oidc-basic.yaml holds a counterpart for each of the 38 OIDF basic OP modules
// (../shared/guide/oidf-modules.md): mapped to a module that applies, or skipped with a reason.
import { describe, expect, it } from 'vitest';
import { applicability, loadCatalog, selectModules } from '../../harness/engine/catalog.ts';
import { loadPlan } from '../../harness/engine/load-plan.ts';

const OIDCC_BASIC = [
  'server', 'response-type-missing', 'idtoken-signature', 'idtoken-unsigned', 'userinfo-get', 'userinfo-post-header',
  'userinfo-post-body', 'ensure-request-without-nonce-succeeds-for-code-flow', 'scope-profile', 'scope-email', 'scope-address',
  'scope-phone', 'scope-all', 'alternate-happy-flow', 'display-page', 'display-popup', 'prompt-login', 'prompt-none-not-logged-in',
  'prompt-none-logged-in', 'max-age-1', 'max-age-10000', 'ensure-request-with-unknown-parameter-succeeds', 'id-token-hint',
  'login-hint', 'ui-locales', 'claims-locales', 'ensure-request-with-acr-values-succeeds', 'codereuse', 'codereuse-30seconds',
  'ensure-registered-redirect-uri', 'ensure-post-request-succeeds', 'server-client-secret-post',
  'request-uri-unsigned-supported-correctly-or-rejected-as-unsupported',
  'unsigned-request-object-supported-correctly-or-rejected-as-unsupported', 'claims-essential',
  'ensure-request-object-with-redirect-uri', 'refresh-token', 'ensure-request-with-valid-pkce-succeeds',
].map((m) => `oidcc-${m}`);

describe('plans/oidc-basic.yaml', () => {
  it('lists all 38 OIDF basic OP modules', () => expect(new Set(OIDCC_BASIC).size).toBe(38));

  it('has a counterpart for each, applicable or skipped with a reason', async () => {
    const plan = await loadPlan(new URL('../../plans/oidc-basic.yaml', import.meta.url).pathname);
    const mods = selectModules(plan, loadCatalog(plan));
    const covered = new Map<string, string>();
    for (const m of mods) {
      const app = applicability(m, plan);
      for (const c of [m.counterpart ?? []].flat()) covered.set(c, app.applies ? m.id : `${m.id} (skipped: ${app.reason})`);
    }
    expect(OIDCC_BASIC.filter((c) => !covered.has(c))).toEqual([]);
    const skipped = OIDCC_BASIC.filter((c) => covered.get(c)!.includes('(skipped: '));
    expect(skipped).toEqual(['oidcc-idtoken-unsigned']);
  });
});
