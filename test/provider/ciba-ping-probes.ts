// Probes for the CIBA ping-mode fault switches (CIBA Core §4, §7.1, §10.2): a ping-mode client whose
// notification endpoint is the harness's own (harness/engine/notification-server.ts), https with a
// certificate from a test CA made once for this file, which the provider trusts (outbound_tls_ca).
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import type { FaultId } from '../../provider/faults.ts';
import { makeTestCa } from '../../harness/engine/test-ca.ts';
import { startNotificationServer } from '../../harness/engine/notification-server.ts';
import { getJson } from './helpers.ts';
import * as dc from './device-ciba-helpers.ts';
import { rule, type Probe } from './probe.ts';

const ca = await makeTestCa();
const cert = await ca.issueServer(['127.0.0.1', 'localhost']);
const notify = await startNotificationServer(cert);
process.once('exit', () => rmSync(ca.dir, { recursive: true, force: true }));

/** deviceCibaConfig with `bank` registered in ping mode at the test's notification endpoint. */
function pingConfig(): Record<string, unknown> {
  const base = dc.deviceCibaConfig({ outbound_tls_ca: ca.certPem });
  const clients = (base.clients as Record<string, unknown>[]).map((c) => (c.client_id === 'bank' ? { ...c, backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: `${notify.base}/ciba/notify` } : c));
  return { ...base, clients };
}

type Ours = 'ciba-ping-not-sent' | 'ciba-ping-wrong-token' | 'ciba-ping-accept-bad-token' | 'discovery-omit-ciba-ping';

export const CIBA_PING_PROBES: Record<Ours, Probe> & Partial<Record<FaultId, Probe>> = {
  'ciba-ping-not-sent': { config: pingConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op, { client_notification_token: 'ping-token-not-sent-0001' });
    expect(r.status).toBe(200);
    expect((await dc.cibaDecide(op, r.json.auth_req_id as string, 'approve')).status).toBe(200);
    rule(await notify.waitFor(r.json.auth_req_id as string, 1500)).toBeUndefined();
  } },
  'ciba-ping-wrong-token': { config: pingConfig(), run: async (op) => {
    const r = await dc.cibaRequest(op, { client_notification_token: 'ping-token-wrong-0002' });
    expect(r.status).toBe(200);
    expect((await dc.cibaDecide(op, r.json.auth_req_id as string, 'approve')).status).toBe(200);
    const n = await notify.waitFor(r.json.auth_req_id as string, 3000);
    expect(n).toBeDefined();
    rule(n!.headers.authorization).not.toBe('Bearer ping-token-wrong-0002');
  } },
  'ciba-ping-accept-bad-token': { config: pingConfig(), run: async (op) => {
    rule((await dc.cibaRequest(op, {})).status).toBe(200);
  } },
  'discovery-omit-ciba-ping': { config: pingConfig(), run: async (op) => {
    const d = await getJson(`${op.issuer}/.well-known/openid-configuration`);
    expect(d.json.backchannel_token_delivery_modes_supported).toContain('poll');
    rule(d.json.backchannel_token_delivery_modes_supported).not.toContain('ping');
  } },
};
