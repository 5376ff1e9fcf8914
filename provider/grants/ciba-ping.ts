// CIBA ping mode (OpenID Connect CIBA Core 1.0 §10.2): once the End-User has decided (approved or
// denied), the OP POSTs `{"auth_req_id": ...}` as application/json to the client's registered
// backchannel_client_notification_endpoint, with the client_notification_token of the request as
// `Authorization: Bearer <token>`; the client then fetches the result at the token endpoint.
// The endpoint is https (§4, §9); config `outbound_tls_ca` is the CA the OP trusts for it.
//
// Fault switches (provider/faults.ts): ciba-ping-not-sent (no ping at all), ciba-ping-wrong-token
// (the Bearer token is not the client's client_notification_token).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { randomToken } from '../http.ts';

/** RFC 6750 §2.1 b64token, at most 1024 characters (CIBA §7.1). */
export const NOTIFICATION_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
export const NOTIFICATION_TOKEN_MAX = 1024;

const PING_TIMEOUT_MS = 5000;

export function isPingClient(client: ClientConfig): boolean {
  return client.backchannel_token_delivery_mode === 'ping';
}

/** Sends the ping; resolves with the client's HTTP status (or an error text), never throws. */
export async function sendPing(ctx: ProviderContext, client: ClientConfig, authReqId: string, notificationToken: string): Promise<string> {
  if (ctx.faults.on('ciba-ping-not-sent')) return 'not sent (fault ciba-ping-not-sent)';
  const url = new URL(client.backchannel_client_notification_endpoint as string);
  const token = ctx.faults.on('ciba-ping-wrong-token') ? randomToken(16) : notificationToken;
  const body = JSON.stringify({ auth_req_id: authReqId });
  const ca = ctx.config.outbound_tls_ca;
  const pem = ca === undefined ? undefined : ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8');
  const outcome = await new Promise<string>((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      ...(pem ? { ca: pem } : {}),
      timeout: PING_TIMEOUT_MS,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(`HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve(`error: ${e.message}`));
    req.end(body);
  });
  ctx.log(JSON.stringify({ msg: 'ciba ping', client_id: client.client_id, endpoint: url.href, outcome }));
  return outcome;
}
