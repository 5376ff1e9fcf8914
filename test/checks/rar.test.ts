// The Rich Authorization Requests checks (RFC 9396 §7, §9.2): inputs that pass, inputs that fail.
import { describe, it } from 'vitest';
import { rarIntrospectionDetails, rarTokenResponseDetails } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 9396 §2 example (payment_initiation), as requested. */
const REQUESTED = [{ type: 'payment_initiation', actions: ['initiate', 'status', 'cancel'], locations: ['https://example.com/payments'], instructedAmount: { currency: 'EUR', amount: '123.50' }, creditorName: 'Merchant A' }];
/** RFC 9396 §7 example token response. */
const TOKEN_7 = { access_token: '2YotnFZFEjr1zCsicMWpAA', token_type: 'example', expires_in: 3600, refresh_token: 'tGzv3JokF0XG5Qx2TlKWIA', authorization_details: REQUESTED };

describe('rarTokenResponseDetails', () => {
  it('passes for the §7 example, and when the AS enriched or added details', () => {
    expectPass(rarTokenResponseDetails({ json: TOKEN_7, requested: REQUESTED }));
    expectPass(rarTokenResponseDetails({ json: { ...TOKEN_7, authorization_details: [{ ...REQUESTED[0], creditorAccount: { iban: 'DE02100100109307118603' } }, { type: 'other' }] }, requested: REQUESTED }));
  });
  it('fails without authorization_details, when it is not an array, or lacks a requested type', () => {
    expectFail(rarTokenResponseDetails({ json: { ...TOKEN_7, authorization_details: undefined }, requested: REQUESTED }), /no authorization_details member/);
    expectFail(rarTokenResponseDetails({ json: { ...TOKEN_7, authorization_details: JSON.stringify(REQUESTED) }, requested: REQUESTED }), /not a JSON array/);
    expectFail(rarTokenResponseDetails({ json: { ...TOKEN_7, authorization_details: [{ type: 'account_information' }] }, requested: REQUESTED }), /payment_initiation are not among/);
    expectFail(rarTokenResponseDetails({ json: { ...TOKEN_7, authorization_details: [{ actions: ['read'] }] }, requested: REQUESTED }), /has no string type/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(rarTokenResponseDetails({ json: v, requested: REQUESTED })));
});

describe('rarIntrospectionDetails', () => {
  const active = { active: true, client_id: 's6BhdRkqt3', scope: 'read', authorization_details: REQUESTED };
  it('passes for an active token carrying its details (§9.2)', () => expectPass(rarIntrospectionDetails({ json: active, requested: REQUESTED })));
  it('fails when the details are left out, or the token is not active', () => {
    expectFail(rarIntrospectionDetails({ json: { ...active, authorization_details: undefined }, requested: REQUESTED }), /no authorization_details member/);
    expectFail(rarIntrospectionDetails({ json: { active: false }, requested: REQUESTED }), /introspect as active/);
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(rarIntrospectionDetails({ json: v, requested: REQUESTED })));
});
