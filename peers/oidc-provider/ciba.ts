// CIBA (OpenID Connect CIBA Core 1.0) hooks and the End-User's "authentication device": the peer
// has none, so a test approves or denies a request with POST /admin/ciba/{approve|deny}
// (auth_req_id in the form body, Bearer admin token), as the plans' operations.ciba_decide declares.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { clientKeys } from './keys.ts';

export const CIBA_ADMIN_TOKEN = 'touchstone-peer-ciba-admin-token-01';

export function ciba(): Record<string, Record<string, unknown>> {
  return {
    // Signed authentication requests (CIBA Core §7.1.1) are request objects passed by value.
    requestObjects: { enabled: true },
    ciba: {
      enabled: true,
      deliveryModes: ['poll', 'ping'],
      // login_hint is the End-User's login name (any name is an account on the peer).
      async processLoginHint(_ctx: unknown, loginHint: string) {
        return loginHint;
      },
      async processLoginHintToken() {
        throw new errors.InvalidRequest('login_hint_token is not supported');
      },
      async validateRequestContext() {},
      async verifyUserCode(_ctx: unknown, _account: unknown, userCode: string | undefined) {
        if (userCode) throw new errors.InvalidRequest('user_code is not supported');
      },
      async triggerAuthenticationDevice() {},
    },
  };
}

/**
 * CIBA §4: a ping-mode client registered with the run's notification endpoint (`--ciba-notify`, the
 * harness's ${callback}/ciba/notify), the same key as touchstone-ciba.
 */
export function cibaPingClient(notificationEndpoint: string): Record<string, unknown> {
  return {
    client_id: 'touchstone-ciba-ping', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKeys['ciba-main']] },
    redirect_uris: [], response_types: [], grant_types: ['urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: notificationEndpoint, id_token_signed_response_alg: 'ES256',
  };
}

/**
 * oidc-provider's outgoing requests (the ping, §10.2) go through its `fetch` option; its default
 * dispatcher refuses special-use addresses such as loopback (SSRF protection). This test peer only
 * ever calls the harness on 127.0.0.1, so it uses its own dispatcher trusting the run's CA (`--outbound-ca`).
 */
export function loopbackFetch(ca: string): (url: string | URL, options: Record<string, unknown>) => Promise<unknown> {
  const dispatcher = new Agent({ connect: { ca } });
  return (url, options) => {
    const target = new URL(url);
    if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') return Promise.reject(new Error(`the test peer calls loopback only, not ${target.hostname}`));
    return undiciFetch(target, { ...options, dispatcher } as Parameters<typeof undiciFetch>[1]);
  };
}

type Provider = {
  BackchannelAuthenticationRequest: { find(id: string): Promise<Record<string, any> | undefined> };
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(s: string): void; addOIDCClaims(c: string[]): void; save(): Promise<string> };
  backchannelResult(request: unknown, result: unknown): Promise<void>;
};

/** Handles POST /admin/ciba/approve|deny; returns false for any other request. */
export async function cibaApproval(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const m = /^\/admin\/ciba\/(approve|deny)$/.exec(req.url ?? '');
  if (!m || req.method !== 'POST') return false;
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.headers.authorization !== `Bearer ${CIBA_ADMIN_TOKEN}`) return answer(401, { error: 'unauthorized' }), true;
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const id = new URLSearchParams(raw).get('auth_req_id') ?? '';
  const request = await provider.BackchannelAuthenticationRequest.find(id);
  if (!request) return answer(404, { error: 'unknown auth_req_id' }), true;
  if (m[1] === 'deny') {
    await provider.backchannelResult(request, new errors.AccessDenied('the End-User denied the request'));
  } else {
    const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
    grant.addOIDCScope(request.scope);
    if (request.claims) grant.addOIDCClaims(Object.keys({ ...request.claims.id_token, ...request.claims.userinfo }));
    await grant.save();
    await provider.backchannelResult(request, grant);
  }
  answer(200, { ok: true });
  return true;
}
