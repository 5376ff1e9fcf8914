// What a fault probe is, and how it names the assertion that is the rule itself.
// A probe passes against a provider with its fault on and must fail against one without it, and
// fail on the rule's own assertion: `rule(x)` instead of `expect(x)`. Setup assertions (a token
// was issued, the flow still works) keep `expect`: when one of those fails on the clean provider,
// or the probe throws anything else (a crash, a TypeError, a refused connection), the clean run
// proves nothing about the rule and the test says so.
import { expect } from 'vitest';
import type { RunningProvider } from '../../provider/server.ts';

export type Probe = { config?: Record<string, unknown>; run: (op: RunningProvider) => Promise<void> };

/** The prefix of every rule assertion's failure message. */
export const RULE_MARK = 'rule broken?';
/** How many rule assertions ran (a probe must reach at least one with the fault on). */
export const ruleAssertions = { count: 0 };

/** The assertion that holds only while the rule is broken: the one a clean provider must fail. */
export function rule<T>(actual: T, message?: string) {
  ruleAssertions.count++;
  return expect(actual, message === undefined ? RULE_MARK : `${RULE_MARK} ${message}`);
}
