// Front-channel flows in real Chromium (Playwright). One browser per worker, a fresh context per
// module. Every request the page makes is routed: the provider's origin goes through; a navigation
// to a client URL (a redirect_uri) is captured and answered locally, so no callback server is
// needed; anything else is refused and recorded, so no traffic leaves the plan's hosts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserSettings } from '../../playwright.config.ts';
import type { BrowserHop } from '../core/exchange.ts';
import type { BrowserAction, Interaction, PageKind, PageMatcher } from '../core/types.ts';

export class BrowserPool {
  private idle: Browser[] = [];
  private all: Browser[] = [];

  async acquire(): Promise<Browser> {
    const b = this.idle.pop();
    if (b?.isConnected()) return b;
    const launched = await chromium.launch({
      executablePath: browserSettings.executablePath,
      headless: browserSettings.headless,
      args: browserSettings.args,
    });
    this.all.push(launched);
    return launched;
  }

  release(b: Browser): void {
    if (b.isConnected()) this.idle.push(b);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((b) => b.close().catch(() => {})));
    this.all = [];
    this.idle = [];
  }
}

export type Landing =
  | { kind: 'redirect'; url: string }
  | { kind: 'page'; page: PageKind; url: string; text: string; hop: BrowserHop }
  | { kind: 'unknown'; url: string; text: string; hop: BrowserHop; detail: string };

export interface SessionOptions {
  providerOrigins: string[];
  /** Origins of the plan's client URLs (redirect_uri, post_logout_redirect_uri): navigations there are captured. */
  clientOrigins: string[];
  interactions: Interaction[];
  pages: Partial<Record<PageKind, PageMatcher>>;
  vars: Record<string, string>;
  evidenceDir: string;
  secrets: readonly string[];
}

const MAX_HOPS = 12;

export class BrowserSession {
  readonly hops: BrowserHop[] = [];
  private page!: Page;
  private context!: BrowserContext;
  private captured: string | undefined;
  private step = '';
  /** Names of the plan interactions (login, consent, ...) played during the last navigate(). */
  played: string[] = [];
  private shots = 0;
  private readonly opts: SessionOptions;

  /** Log in as another of the plan's users from now on (the login interaction's ${user.*}). */
  useUser(username: string, password: string): void {
    this.opts.vars['user.username'] = username;
    this.opts.vars['user.password'] = password;
  }

  /** Set a ${name} variable for the plan's interactions (e.g. device.user_code for the device flow). */
  setVar(name: string, value: string): void {
    this.opts.vars[name] = value;
  }
  private readonly browser: Browser;

  private constructor(browser: Browser, opts: SessionOptions) {
    this.browser = browser;
    this.opts = opts;
  }

  static async open(browser: Browser, opts: SessionOptions): Promise<BrowserSession> {
    const s = new BrowserSession(browser, opts);
    s.context = await browser.newContext({ ignoreHTTPSErrors: true });
    s.context.setDefaultTimeout(browserSettings.timeouts.action);
    s.context.setDefaultNavigationTimeout(browserSettings.timeouts.navigation);
    await s.context.route('**/*', async (route) => {
      const url = route.request().url();
      let origin = '';
      try {
        origin = new URL(url).origin;
      } catch {
        // data: and friends
      }
      const req = route.request();
      const mainNav = req.isNavigationRequest() && req.frame() === s.page?.mainFrame();
      if (!opts.providerOrigins.includes(origin)) {
        // Never reached: Chromium does not follow a routed redirect here, so this is a link or
        // script navigation off the plan. Refused without even a DNS lookup.
        s.record('blocked', url, mainNav ? 'navigation outside the plan\'s hosts refused' : 'sub-resource outside the plan\'s hosts refused');
        return route.abort('blockedbyclient');
      }
      if (!mainNav) return route.continue();
      // Playwright does not route the hops of a redirect chain, so provider navigations are
      // fetched here with redirects off: a redirect to a client URL is captured, not followed.
      let res;
      try {
        res = await route.fetch({ maxRedirects: 0 });
      } catch (err) {
        s.record('navigate-failed', url, firstLine(err));
        return route.abort('failed');
      }
      const location = res.headers()['location'];
      if (res.status() >= 300 && res.status() < 400 && location) {
        const to = new URL(location, url);
        if (!opts.providerOrigins.includes(to.origin)) {
          const known = opts.clientOrigins.includes(to.origin);
          s.captured = to.toString();
          s.record('navigate', url, `${req.method()} ${res.status()}`, res.status());
          s.record('redirect-captured', s.captured, known ? 'redirect to a client URL captured (not followed)' : 'redirect to a host outside the plan captured (not followed)');
          const headers: Record<string, string> = { 'content-type': 'text/html' };
          const cookie = res.headers()['set-cookie'];
          if (cookie) headers['set-cookie'] = cookie;
          return route.fulfill({ status: 200, headers, body: '<!doctype html><title>captured by Touchstone</title>' });
        }
      }
      return route.fulfill({ response: res });
    });
    s.page = await s.context.newPage();
    s.page.on('response', (res) => {
      if (res.request().isNavigationRequest() && opts.providerOrigins.includes(safeOrigin(res.url()))) {
        s.record('navigate', res.url(), `${res.request().method()} ${res.status()}`, res.status());
      }
    });
    return s;
  }

  private record(action: string, url: string, detail?: string, status?: number, extra: Partial<BrowserHop> = {}): BrowserHop {
    const hop: BrowserHop = {
      kind: 'browser',
      id: `hop-${this.hops.length + 1}`,
      step: this.step,
      action,
      url,
      status,
      detail,
      startedAt: new Date().toISOString(),
      ms: 0,
      ...extra,
    };
    this.hops.push(hop);
    return hop;
  }

  /**
   * Navigate to url, then play the plan's interactions (login, consent, ...) until the browser is
   * sent to a client URL or stops on a page the plan's matchers know. `onPage` may act on a matched
   * page (e.g. confirm a logout) and return true to keep going.
   */
  async navigate(step: string, url: string, onPage?: (kind: PageKind) => Promise<string | undefined>, post?: Record<string, string>): Promise<Landing> {
    this.step = step;
    this.captured = undefined;
    this.played = [];
    const started = performance.now();
    try {
      if (post) {
        // A POST request from the browser: an auto-built form on a blank page, submitted.
        this.record('post', url, `form POST with ${Object.keys(post).join(', ')}`);
        await this.page.setContent(postForm(url, post));
        await this.act(() => this.page.evaluate(() => (document.forms[0] as HTMLFormElement).submit()), 'submit the form');
      } else {
        this.record('goto', url);
        await this.page.goto(url, { waitUntil: 'domcontentloaded' });
      }
    } catch (err) {
      if (!this.captured) return this.unknown(`navigation failed: ${firstLine(err)}`);
    }
    const ran = new Map<string, number>();
    for (let i = 0; i < MAX_HOPS; i++) {
      if (this.captured) return { kind: 'redirect', url: this.captured };
      const { kind, interaction } = await this.recognise();
      if (kind) {
        const confirm = onPage ? await onPage(kind) : undefined;
        const hop = await this.snapshot('page-matched', `matched the plan's "${kind}" page`);
        if (!confirm) return { kind: 'page', page: kind, url: this.page.url(), text: hop.pageText ?? '', hop };
        await this.act(() => this.page.click(confirm), `click ${confirm}`);
        continue;
      }
      if (!interaction) return this.unknown('the page matches no interaction and no page matcher of the plan');
      const count = (ran.get(interaction.name) ?? 0) + 1;
      ran.set(interaction.name, count);
      this.played.push(interaction.name);
      if (count > 3) return this.unknown(`interaction "${interaction.name}" ran ${count - 1} times without leaving its page`);
      await this.play(interaction);
    }
    void started;
    return this.unknown(`no outcome after ${MAX_HOPS} pages`);
  }

  /**
   * Which of the plan's pages (first) or interactions the current page is, in one round trip:
   * every matcher's CSS selector is tested for a visible element, and text matchers read the body.
   */
  private async recognise(): Promise<{ kind?: PageKind; interaction?: Interaction }> {
    const pages = Object.entries(this.opts.pages) as [PageKind, PageMatcher][];
    const selectors = [...pages.map(([, m]) => m.selector ?? ''), ...this.opts.interactions.map((it) => it.when)];
    let seen: { visible: boolean[]; text: string } = { visible: [], text: '' };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        seen = await this.page.evaluate((sels) => {
          const shown = (sel: string) => {
            if (!sel) return true;
            let el: Element | null = null;
            try {
              el = document.querySelector(sel);
            } catch {
              return false;
            }
            return !!el && (el as HTMLElement).getClientRects().length > 0;
          };
          return { visible: sels.map(shown), text: document.body?.innerText ?? '' };
        }, selectors);
        break;
      } catch {
        // The page navigated while being read: wait for the new document and read again.
        await this.page.waitForLoadState('domcontentloaded').catch(() => {});
      }
    }
    for (let i = 0; i < pages.length; i++) {
      const [kind, m] = pages[i];
      if (!seen.visible[i]) continue;
      if (m.text && !new RegExp(m.text, 'i').test(seen.text)) continue;
      if (!m.selector && !m.text) continue;
      return { kind };
    }
    const j = this.opts.interactions.findIndex((_, k) => seen.visible[pages.length + k]);
    return { interaction: j >= 0 ? this.opts.interactions[j] : undefined };
  }

  private async play(it: Interaction): Promise<void> {
    for (const action of it.steps) {
      const desc = describeAction(action, this.opts.secrets);
      await this.act(() => this.perform(action), `${it.name}: ${desc}`, 'click' in action || 'goto' in action);
      if (this.captured) return;
    }
  }

  /** Run one action, then give any navigation it started the time to settle. */
  private async act(fn: () => Promise<unknown>, detail: string, navigates = true): Promise<void> {
    const started = performance.now();
    // Only actions that may navigate (click, goto) wait for the navigation to settle.
    const nav = navigates
      ? this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame(), timeout: 1500 }).catch(() => undefined)
      : undefined;
    await fn();
    const hop = this.record('action', this.page.url(), detail);
    await nav;
    await this.page.waitForLoadState('domcontentloaded').catch(() => {});
    hop.ms = Math.round(performance.now() - started);
  }

  private async perform(a: BrowserAction): Promise<void> {
    const v = (s: string) => s.replace(/\$\{([a-z_.]+)\}/gi, (_, k: string) => this.opts.vars[k] ?? '');
    if ('goto' in a) await this.page.goto(v(a.goto), { waitUntil: 'domcontentloaded' });
    else if ('fill' in a) await this.page.fill(a.fill.selector, v(a.fill.value));
    else if ('click' in a) await this.page.click(v(a.click));
    else if ('wait_for' in a) await this.page.waitForSelector(a.wait_for);
    else if ('expect' in a) {
      const loc = this.page.locator(a.expect.selector).first();
      await loc.waitFor();
      if (a.expect.text && !(await loc.innerText()).includes(v(a.expect.text))) {
        throw new Error(`expected ${a.expect.selector} to contain ${JSON.stringify(a.expect.text)}`);
      }
    }
  }

  private async snapshot(action: string, detail: string): Promise<BrowserHop> {
    mkdirSync(this.opts.evidenceDir, { recursive: true });
    const name = `${this.step}-${++this.shots}.png`;
    let screenshot: string | undefined = name;
    await this.page.screenshot({ path: join(this.opts.evidenceDir, name), fullPage: true }).catch(() => {
      screenshot = undefined;
    });
    const text = (await this.page.innerText('body').catch(() => '')).slice(0, 4000);
    return this.record(action, this.page.url(), detail, undefined, { screenshot, pageText: text });
  }

  private async unknown(detail: string): Promise<Landing> {
    const hop = await this.snapshot('page-unknown', detail);
    return { kind: 'unknown', url: this.page.url(), text: hop.pageText ?? '', hop, detail };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
  }

  get owner(): Browser {
    return this.browser;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function postForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  return `<!doctype html><form method="post" action="${escapeHtml(action)}">${inputs}</form>`;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

function describeAction(a: BrowserAction, secrets: readonly string[]): string {
  if ('goto' in a) return `goto ${a.goto}`;
  if ('fill' in a) return `fill ${a.fill.selector} = ${/password|secret/i.test(a.fill.value + a.fill.selector) || secrets.includes(a.fill.value) ? '***' : a.fill.value}`;
  if ('click' in a) return `click ${a.click}`;
  if ('wait_for' in a) return `wait for ${a.wait_for}`;
  return `expect ${a.expect.selector}`;
}
