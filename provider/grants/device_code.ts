// grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4, §3.5): the client polls
// with its device_code until the End-User approves or denies at the verification URI, or the code
// expires. The record lives under `device_code`; provider/endpoints/device.ts issues it.
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest } from '../errors.ts';
import type { Params } from '../http.ts';
import { requireGrantType } from './grant-types.ts';
import { poll, type PolledGrant } from './polling.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceGrant extends PolledGrant {
  userCode: string;
}

export async function deviceCodeGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  requireGrantType(client, DEVICE_CODE_GRANT);
  // RFC 8628 §3.4: device_code is REQUIRED.
  if (!params.device_code) throw new InvalidRequest('device_code is required');
  const f = ctx.faults;
  return poll(ctx, client, params.device_code, {
    kind: 'device_code',
    name: 'device_code',
    faults: {
      otherClient: f.on('device-code-other-client'),
      reuse: f.on('device-code-reuse'),
      expired: f.on('device-accept-expired'),
      tooFastDenied: f.on('device-too-fast-denied'),
      denied: f.on('device-denied-issues-token'),
      autoApprove: f.on('device-auto-approve'),
      unknownPending: false,
      race: f.on('device-code-redeem-race'),
    },
  });
}
