// Probes for the Rich Authorization Requests fault switches (RFC 9396, provider/rar.ts), through the
// client_credentials grant (§6): touchstone-service may use payment_initiation only, the OP also
// supports account_information.
import { expect } from 'vitest';
import type { FaultId } from '../../provider/faults.ts';
import * as bc from './backchannel-helpers.ts';
import { rule, type Probe } from './probe.ts';

const RAR_CONFIG: Record<string, unknown> = {
  ...bc.CC_CONFIG,
  authorization_details_types: ['payment_initiation', 'account_information'],
  clients: (bc.CC_CONFIG.clients as Record<string, unknown>[]).map((c) => (c.client_id === bc.SERVICE.client_id ? { ...c, authorization_details_types: ['payment_initiation'] } : c)),
};
const details = (type: string) => JSON.stringify([{ type, actions: ['initiate'], instructedAmount: { currency: 'EUR', amount: '12.30' } }]);

type Ours = 'rar-accept-unknown-type' | 'rar-ignore-client-types' | 'rar-omit-token-response' | 'rar-omit-introspection';

export const RAR_PROBES: Record<Ours, Probe> & Partial<Record<FaultId, Probe>> = {
  'rar-accept-unknown-type': { config: RAR_CONFIG, run: async (op) => {
    rule((await bc.ccToken(op, bc.SERVICE, { authorization_details: details('touchstone_unknown_type') })).status).toBe(200);
  } },
  'rar-ignore-client-types': { config: RAR_CONFIG, run: async (op) => {
    rule((await bc.ccToken(op, bc.SERVICE, { authorization_details: details('account_information') })).status).toBe(200);
  } },
  'rar-omit-token-response': { config: RAR_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op, bc.SERVICE, { authorization_details: details('payment_initiation') });
    expect(t.status).toBe(200);
    rule(t.json.authorization_details).toBeUndefined();
  } },
  'rar-omit-introspection': { config: RAR_CONFIG, run: async (op) => {
    const t = await bc.ccToken(op, bc.SERVICE, { authorization_details: details('payment_initiation') });
    expect(t.status).toBe(200);
    const i = await bc.introspect(op, { token: t.json.access_token as string });
    expect(i.json.active).toBe(true);
    rule(i.json.authorization_details).toBeUndefined();
  } },
};
