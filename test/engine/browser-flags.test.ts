// The browser is launched with one `--disable-features` switch (harness/engine/browser.ts). Chromium
// keeps only the last such switch, so ours must repeat every feature Playwright turns off itself
// (its list changes with playwright-core upgrades): otherwise those would silently come back on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISABLED_FEATURES } from '../../harness/engine/browser.ts';

function playwrightDisabledFeatures(): string[] {
  const dir = dirname(createRequire(import.meta.url).resolve('playwright-core/package.json'));
  const bundle = readFileSync(join(dir, 'lib', 'coreBundle.js'), 'utf8');
  const list = /disabledFeatures = \[([\s\S]*?)\]/.exec(bundle)?.[1];
  if (!list) throw new Error('playwright-core no longer has a disabledFeatures list: review DISABLED_FEATURES');
  return list.split('\n').map((l) => l.trim()).filter((l) => !l.startsWith('//')).flatMap((l) => [...l.matchAll(/"([A-Za-z0-9]+)"/g)].map((m) => m[1]));
}

describe('browser launch flags', () => {
  it('the one --disable-features switch keeps every feature Playwright disables', () => {
    const ours = DISABLED_FEATURES.replace(/^--disable-features=/, '').split(',');
    const theirs = playwrightDisabledFeatures();
    expect(theirs.length).toBeGreaterThan(5);
    expect(theirs.filter((f) => !ours.includes(f))).toEqual([]);
    expect(ours).toContain('RenderDocument');
  });
});
