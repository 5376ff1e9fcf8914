// One flow for every variant of a matrix plan: `with.bound` resolves to the proof of possession the
// plan's sender_constrain names (steps/bound.ts), and a step's own `applies:` leaves it out of the
// variants it does not fit (catalog stepsInPlan), making the module not applicable only when every
// step it tests is left out.
import { describe, expect, it } from 'vitest';
import { resolveBound } from '../../harness/engine/steps/bound.ts';
import { stepsInPlan } from '../../harness/engine/catalog.ts';
import type { Plan, StepDef } from '../../harness/core/types.ts';

describe('with.bound', () => {
  const token: StepDef = { id: 'token', do: 'token', with: { bound: true } };
  it('dpop: a valid DPoP proof, unless the step gives its own proof options', () => {
    expect(resolveBound(token, { sender_constrain: 'dpop' }).with).toEqual({ dpop: true });
    expect(resolveBound({ ...token, with: { bound: true, dpop: { htm: 'GET' } } }, { sender_constrain: 'dpop' }).with).toEqual({ dpop: { htm: 'GET' } });
  });
  it('mtls: tokens must be bound to the certificate where the step issues them; elsewhere nothing is added', () => {
    expect(resolveBound(token, { sender_constrain: 'mtls' }).with).toEqual({ certificate_bound: true });
    expect(resolveBound({ id: 'userinfo', do: 'userinfo', with: { bound: true } }, { sender_constrain: 'mtls' }).with).toEqual({});
  });
  it('none, unset, or bound: false: bearer, as without it', () => {
    expect(resolveBound(token, { sender_constrain: 'none' }).with).toEqual({});
    expect(resolveBound(token, undefined).with).toEqual({});
    expect(resolveBound({ ...token, with: { bound: false, dpop: true } }, { sender_constrain: 'mtls' }).with).toEqual({ dpop: true });
  });
});

describe('step applies', () => {
  const plan = (openid: string) => ({ variants: { openid } }) as unknown as Plan;
  const flow: StepDef[] = [
    { id: 'token', do: 'token' },
    { id: 'userinfo', do: 'userinfo', applies: { openid: ['openid_connect'] } },
    { id: 'resource', do: 'resource', applies: { openid: ['plain_oauth'] } },
  ];
  it('leaves out the steps whose variants the plan falls outside', () => {
    expect(stepsInPlan(flow, plan('openid_connect')).steps.map((s) => s.id)).toEqual(['token', 'userinfo']);
    expect(stepsInPlan(flow, plan('plain_oauth')).steps.map((s) => s.id)).toEqual(['token', 'resource']);
    expect(stepsInPlan(flow, plan('plain_oauth')).notApplicable).toBeUndefined();
  });
  it('a module whose only expectation is on a step left out is not applicable, naming the step and the variant', () => {
    const negative = flow.map((s) => (s.id === 'userinfo' ? { ...s, expect: { status: [401] } } : s));
    expect(stepsInPlan(negative, plan('plain_oauth')).notApplicable).toBe('step "userinfo" applies only when variants.openid is openid_connect (plan has plain_oauth)');
    expect(stepsInPlan(negative, plan('openid_connect')).notApplicable).toBeUndefined();
  });
  it('an expectation on alternative steps (one per variant) runs in each', () => {
    const both = flow.map((s) => (s.id === 'token' ? s : { ...s, expect: { cite: 'RFC9110-11.1-scheme-case' } }));
    expect(stepsInPlan(both, plan('plain_oauth')).notApplicable).toBeUndefined();
    expect(stepsInPlan(both, plan('openid_connect')).notApplicable).toBeUndefined();
  });
});
