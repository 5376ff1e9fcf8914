import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files start first, so the two workers finish together instead of one running the
 * fault self-test alone at the end (vitest's own order uses a duration cache a fresh clone lacks).
 */
const LONG_FIRST = [
  'test/faults/self-test.test.ts',
  'test/cli/cli.test.ts',
  'test/engine/browser-capture.test.ts',
  'test/provider/faults.test.ts',
  'test/cli/gate.test.ts',
  'test/engine/resource-external.test.ts',
  'test/engine/hostile.test.ts',
  'test/provider/device-ciba.test.ts',
];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((n) => f.moduleId.endsWith(n));
      return i < 0 ? LONG_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

// The project's own tests (npm test). Plan runs use their own inline config in harness/run.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at once: measured, a third (or the peer plans alongside) saturates the two cores and
    // the self-test's setup and a peer device flow ran out of time.
    maxWorkers: 2,
    reporters: ['default'],
    sequence: { sequencer: LongFirst },
  },
});
