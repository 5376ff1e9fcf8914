// Shared fixtures for the check tests.
import { expect } from 'vitest';
import type { Finding } from '../../harness/core/finding.ts';

/** Values no well-behaved provider sends, that checks must fail on without throwing. */
export const HOSTILE: unknown[] = [
  null,
  undefined,
  'a string',
  42,
  Number.NaN,
  true,
  [],
  [1, 'two', null],
  { nested: { deeper: [{ wrong: true }] } },
  'x'.repeat(1_000_000),
  Object.create(null),
  deep(20_000),
];

/** An array nested `n` levels deep: too deep for naive recursive code. */
function deep(n: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** The finding passed; its message is informative. */
export function expectPass(f: Finding): void {
  expect(f.ok, f.message).toBe(true);
  expect(typeof f.message).toBe('string');
  expect(f.message.length).toBeGreaterThan(5);
}

/**
 * The finding failed on purpose: the check itself produced the verdict (it did not throw into
 * defineCheck's last-resort catch), the message is short enough to read, and it mentions
 * `mention` when given. `expected` is set unless `noExpected`.
 */
export function expectFail(f: Finding, mention?: string | RegExp, opts: { noExpected?: boolean } = {}): void {
  expect(f.ok, `expected a failure, got: ${f.message}`).toBe(false);
  expect(f.message).not.toMatch(/^check could not evaluate/);
  expect(f.message.length).toBeGreaterThan(10);
  expect(f.message.length).toBeLessThan(2000);
  expect(f.message).toMatch(/expected|does not match|do not match/);
  if (mention !== undefined) expect(f.message).toMatch(mention);
  if (!opts.noExpected) expect(f.expected).toBeDefined();
  // Evidence stays small even for megabyte inputs.
  expect(JSON.stringify(f.actual ?? null).length).toBeLessThan(5000);
}
