// The polling clock of the device and CIBA steps (RFC 8628 §3.5, CIBA §7.3, §11): never earlier
// than `interval` after the last response, +5 s per slow_down, 5 s when the provider gives none.
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTERVAL_S, Poller } from '../../harness/engine/steps/device.ts';
import { EXPIRY_MARGIN_MS } from '../../harness/engine/steps/wait.ts';

describe('Poller', () => {
  it('waits at least the interval after the last response, never less', () => {
    const p = new Poller(2, 30, 1_000_000);
    expect(p.untilNext(1_000_000)).toBeGreaterThanOrEqual(2000);
    expect(p.untilNext(1_000_000)).toBeLessThan(2100);
    expect(p.untilNext(1_001_500)).toBeGreaterThanOrEqual(500);
    expect(p.untilNext(1_003_000)).toBe(0);
  });
  it('adds 5 seconds per slow_down, for this and every later request', () => {
    const p = new Poller(1, 30, 0);
    p.slowDown();
    expect(p.interval).toBe(6);
    p.last = 10_000;
    expect(p.untilNext(10_000)).toBeGreaterThanOrEqual(6000);
    p.slowDown();
    expect(p.interval).toBe(11);
  });
  it('uses 5 seconds when the response has no (or a nonsensical) interval', () => {
    expect(new Poller(undefined, 30, 0).interval).toBe(DEFAULT_INTERVAL_S);
    expect(new Poller(-3, 30, 0).interval).toBe(DEFAULT_INTERVAL_S);
    expect(new Poller('2', 30, 0).interval).toBe(DEFAULT_INTERVAL_S);
  });
  it('counts expiry from when the response arrived, plus the TTL margin', () => {
    const p = new Poller(1, 3, 50_000);
    expect(p.expiresAt).toBe(53_000);
    expect(p.untilExpired(50_000)).toBe(3000 + EXPIRY_MARGIN_MS);
    expect(p.untilExpired(60_000)).toBe(0);
  });
});
