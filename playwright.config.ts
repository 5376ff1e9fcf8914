// Browser settings for the harness. Touchstone drives Chromium through playwright-core (no
// @playwright/test runner): harness/engine/browser.ts imports `browserSettings`. The default
// export has @playwright/test's config shape so the same settings read familiarly (and work if
// someone points `npx playwright test` at ad-hoc specs), without importing @playwright/test.
import { existsSync } from 'node:fs';

export interface BrowserSettings {
  /** Chromium binary: TOUCHSTONE_CHROMIUM, else Debian's chromium-headless-shell for headless runs
   *  (the browser Playwright itself uses headless: no browser UI, a context costs less than half),
   *  else Debian's chromium. */
  executablePath: string;
  headless: boolean;
  args: string[];
  timeouts: {
    /** ms for a click / fill / wait_for / expect. */
    action: number;
    /** ms for a page navigation (goto, a redirect chain). */
    navigation: number;
  };
}

const ms = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

// TOUCHSTONE_HEADED=1 shows the browser when debugging a module locally.
const headless = process.env.TOUCHSTONE_HEADED !== '1';
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

export const browserSettings: BrowserSettings = {
  executablePath: process.env.TOUCHSTONE_CHROMIUM ?? (headless && existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium'),
  headless,
  args: [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Belt and braces behind the route handler (harness/engine/browser.ts), which refuses every
    // request outside the plan's hosts before any lookup: no host name but localhost resolves, and
    // anything not on loopback would go to a dead local proxy port (loopback bypasses proxies).
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost',
    '--proxy-server=http://127.0.0.1:9',
    '--dns-prefetch-disable',
    // Containers and CI commonly run as root, where Chromium refuses to start sandboxed.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ],
  timeouts: {
    action: ms('TOUCHSTONE_ACTION_TIMEOUT_MS', 5_000),
    navigation: ms('TOUCHSTONE_NAVIGATION_TIMEOUT_MS', 10_000),
  },
};

/** @playwright/test-shaped view of the same settings. */
export default {
  use: {
    headless: browserSettings.headless,
    actionTimeout: browserSettings.timeouts.action,
    navigationTimeout: browserSettings.timeouts.navigation,
    launchOptions: {
      executablePath: browserSettings.executablePath,
      args: browserSettings.args,
    },
  },
};
