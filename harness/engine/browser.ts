// Front-channel flows in real Chromium (Playwright). One browser per run, a blank context per
// module (a new one, or one an earlier module used, reset). Every request the page makes is
// routed: the provider's origin goes through; a navigation to a client URL (a redirect_uri) is
// captured and answered locally, so no callback server is needed; anything else is refused and
// recorded, so no traffic leaves the plan's hosts.
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page, Route } from 'playwright-core';
import { browserSettings } from '../../playwright.config.ts';
import type { BrowserHop } from '../core/exchange.ts';
import type { BrowserAction, Interaction, PageKind, PageMatcher } from '../core/types.ts';

/** A context and its page, its requests handed to whoever holds it (refused before that). */
export interface ContextLease {
  context: BrowserContext;
  page: Page;
  onRoute?: (route: Route) => Promise<void>;
  /** Modules that have used it. */
  uses: number;
  cdp?: CDPSession;
}

/**
 * Chromium features turned off. Playwright passes its own `--disable-features` list and Chromium
 * keeps only the last such switch, so this one repeats Playwright's list (playwright-core's
 * chromiumSwitches.ts; test/engine/browser-flags.test.ts checks it is complete) and adds:
 * - RenderDocument: a new RenderFrameHost for every cross-document navigation. Without it a
 *   loopback navigation costs about a third less, and a flow makes five or more of them.
 */
export const DISABLED_FEATURES = `--disable-features=${[
  'AimEnabled', 'AvoidCorsURLLoaderRestartOnRedirect', 'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose',
  'HttpsFirstBalancedModeAutoEnable', 'HttpsUpgrades', 'LensOverlay', 'MediaRouter', 'NetworkTimeServiceQuerying',
  'OptimizationHints', 'PaintHolding', 'PreconnectToSearch', 'TcpPortRandomizationWin', 'ThirdPartyStoragePartitioning',
  'msEdgeUpdateLaunchServicesPreferredVersion', 'msForceBrowserSignIn',
  'RenderDocument',
].join(',')}`;

/** A context serves this many modules (reset between them), then is replaced by a new one. */
const MAX_USES = 25;

/**
 * One Chromium for the whole run. A module gets a context of its own, blank: either a new one or
 * one that served an earlier module and was reset (cookies, storage of its origins, HTTP cache and
 * permissions cleared, the page at about:blank). A new context starts a renderer process, which costs
 * more CPU than a whole code flow on a small machine; a reset one costs ~40 ms. Keeps `spares` new
 * contexts ready while none is waiting to be reused.
 */
export class BrowserPool {
  private browser?: Promise<Browser>;
  private spares: Promise<ContextLease | undefined>[] = [];
  private idle: ContextLease[] = [];
  /** Leases served by a reset context (not a new one). */
  reused = 0;
  private closed = false;
  private readonly target: number;

  constructor(opts: { spares?: number } = {}) {
    this.target = opts.spares ?? 1;
  }

  /**
   * Load playwright-core now. It is imported on first use so that a process that never drives a
   * browser (the CLI, back-channel plans) never pays for it; but loading it blocks the event loop
   * for about half a second, so a run loads it before its modules start, not beside their requests.
   */
  static async preload(): Promise<void> {
    await import('playwright-core');
  }

  /**
   * Load playwright-core, then launch the browser and make a spare context in the background (not
   * awaited: a failure surfaces at the first lease, in the module that needs the browser).
   */
  async start(): Promise<void> {
    await BrowserPool.preload();
    this.warm();
  }

  /**
   * Resolves once a launch that start() began has ended (launched or failed) and its spare context
   * is made; at once when none is under way.
   */
  async starting(): Promise<void> {
    if (!this.browser) return;
    await this.browser.catch(() => undefined);
    await Promise.allSettled(this.spares);
  }

  /** The run's browser, launched on first use and again if it died. */
  async acquire(): Promise<Browser> {
    const current = this.browser && (await this.browser.catch(() => undefined));
    if (current?.isConnected()) return current;
    this.spares = [];
    this.browser = import('playwright-core').then(({ chromium }) => chromium.launch({
      executablePath: browserSettings.executablePath,
      headless: browserSettings.headless,
      args: [...browserSettings.args, DISABLED_FEATURES],
    }));
    return this.browser;
  }

  /** Start making spare contexts in the background, unless a reset one is waiting to be reused. */
  private warm(): void {
    if (this.closed || this.idle.length) return;
    while (this.spares.length < this.target) {
      this.spares.push(this.open().catch(() => undefined));
    }
  }

  /** A blank context and page: a reset one if any is idle, else a spare made earlier, else a new one. */
  async lease(): Promise<ContextLease> {
    for (;;) {
      const reused = this.idle.pop();
      if (reused) {
        if (usable(reused)) {
          this.reused++;
          return reused;
        }
        await reused.context.close().catch(() => {});
        continue;
      }
      const spare = this.spares.shift();
      this.warm();
      if (!spare) return this.open();
      const lease = await spare;
      if (lease && usable(lease)) return lease;
      if (lease) await lease.context.close().catch(() => {});
    }
  }

  /**
   * A module is done with its context: reset it for the next one, or close it (worn out, the pool
   * closed, or anything in the reset failed). `origins` are every origin its page may have stored
   * something for (the provider's and the clients').
   */
  async giveBack(lease: ContextLease, origins: string[]): Promise<void> {
    lease.onRoute = undefined;
    if (this.closed || ++lease.uses >= MAX_USES || !usable(lease)) {
      await lease.context.close().catch(() => {});
      return;
    }
    try {
      await lease.page.goto('about:blank', { timeout: 2000 });
      lease.cdp ??= await lease.context.newCDPSession(lease.page);
      await lease.context.clearCookies();
      // Local and session storage, IndexedDB, Cache Storage, service workers, ... of each origin;
      // then the HTTP cache, so that no module sees what an earlier one loaded.
      for (const origin of origins) await lease.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
      await lease.cdp.send('Network.clearBrowserCache');
      await lease.context.clearPermissions();
      if (this.closed) throw new Error('pool closed');
      this.idle.push(lease);
    } catch {
      await lease.context.close().catch(() => {});
    }
  }

  private async open(): Promise<ContextLease> {
    const browser = await this.acquire();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(browserSettings.timeouts.action);
    context.setDefaultNavigationTimeout(browserSettings.timeouts.navigation);
    const lease: ContextLease = { context, page: undefined as unknown as Page, uses: 0 };
    await context.route('**/*', (route) => (lease.onRoute ? lease.onRoute(route) : route.abort('blockedbyclient')));
    lease.page = await context.newPage();
    return lease;
  }

  async close(): Promise<void> {
    this.closed = true;
    const spares = this.spares;
    this.spares = [];
    const idle = this.idle;
    this.idle = [];
    await Promise.all([...spares.map((s) => s.then((l) => l?.context.close()).catch(() => {})), ...idle.map((l) => l.context.close().catch(() => {}))]);
    const b = this.browser && (await this.browser.catch(() => undefined));
    this.browser = undefined;
    await b?.close().catch(() => {});
  }
}

const usable = (l: ContextLease) => !!l.context.browser()?.isConnected() && !l.page.isClosed();

export type Landing =
  /** The browser was sent to one of the plan's client URLs (a 3xx at any hop, a script or meta
   *  redirect, or an auto-submitted form: `form` holds a form_post body). */
  | { kind: 'redirect'; url: string; form?: Record<string, string> }
  /** The OP sent the browser to a host outside the plan: refused unsent, never resolved. */
  | { kind: 'off-plan'; url: string; chain: string; hop: BrowserHop }
  | { kind: 'page'; page: PageKind; url: string; text: string; hop: BrowserHop }
  /** The harness lost track: what it saw (the last URL, the hop chain, the browser error). */
  | { kind: 'unknown'; url: string; text: string; hop: BrowserHop; detail: string; chain: string };

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

/** Pages (interactions and OP pages) one navigate() may pass through before it gives up. */
const MAX_PAGES = 12;
/** HTTP redirects one navigation may follow on the provider's hosts (browsers allow about 20). */
const MAX_REDIRECTS = 20;
/** A page served in place of a provider 3xx: the browser navigates on from it, so the next hop is routed too. */
const HOP_MARK = 'touchstone-hop';

interface Captured {
  url: string;
  form?: Record<string, string>;
  offPlan: boolean;
}

export class BrowserSession {
  readonly hops: BrowserHop[] = [];
  private page!: Page;
  private captured: Captured | undefined;
  /** A provider redirect was answered with a hop page and its next navigation has not arrived yet. */
  private hopPending = false;
  /** Main-frame navigations the route handler is still answering (fetching from the provider). */
  private navInFlight = 0;
  /** Main-frame navigations the route handler has taken up so far. */
  private navSeq = 0;
  private redirects = 0;
  private firstHop = 0;
  /** HTTP status of the document the page shows (the last provider navigation answered). */
  private docStatus = 0;
  private step = '';
  /** Names of the plan interactions (login, consent, ...) played during the last navigate(). */
  played: string[] = [];
  /** Wall time spent in navigate() (ModuleResult.timing.browserMs). */
  busyMs = 0;
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
  private pool!: BrowserPool;
  private lease!: ContextLease;

  private constructor(opts: SessionOptions) {
    this.opts = opts;
  }

  /** A session in a blank context of the pool's browser. */
  static async open(pool: BrowserPool, opts: SessionOptions): Promise<BrowserSession> {
    const s = new BrowserSession(opts);
    const lease = await pool.lease();
    s.pool = pool;
    s.lease = lease;
    s.page = lease.page;
    lease.onRoute = (route) => s.route(route);
    return s;
  }

  /**
   * Every request of the context comes here first, before any DNS lookup. Provider navigations are
   * fetched with redirects off and each 3xx is answered with a hop page that navigates on, so every
   * hop of a chain is routed again (Playwright routes only the first request of a native redirect
   * chain). A navigation to a client URL, by a 3xx, a script or a form, is captured and answered
   * here; anything outside the plan's hosts is refused unsent.
   */
  private async route(route: Route): Promise<void> {
    const req = route.request();
    const url = req.url();
    const origin = safeOrigin(url);
    const mainNav = req.isNavigationRequest() && (!this.page || req.frame() === this.page.mainFrame());
    const known = this.opts.providerOrigins.includes(origin);
    if (!known) {
      if (mainNav && this.opts.clientOrigins.includes(origin)) {
        // A script, meta-refresh or auto-submitting form (form_post) sent the browser to the client.
        const form = req.method() === 'POST' ? formFields(req.postData() ?? '') : undefined;
        this.capture({ url, form, offPlan: false }, `${req.method()} to a client URL captured (not sent)`);
        return route.fulfill({ status: 200, contentType: 'text/html', body: CAPTURED_PAGE });
      }
      if (mainNav) {
        this.capture({ url, offPlan: true }, 'navigation to a host outside the plan refused (not sent, not resolved)');
        return route.fulfill({ status: 200, contentType: 'text/html', body: CAPTURED_PAGE });
      }
      this.record('blocked', url, 'sub-resource outside the plan\'s hosts refused (not sent)');
      return route.abort('blockedbyclient');
    }
    if (!mainNav) return route.continue();
    // A hop page's script started this navigation (not a user action or a goto).
    const viaHop = this.hopPending;
    this.hopPending = false;
    this.navSeq++;
    this.navInFlight++;
    try {
      await this.answerNavigation(route, url, viaHop);
    } finally {
      this.navInFlight--;
    }
  }

  /** A main-frame navigation to the provider: fetched here, with each 3xx answered by a hop page. */
  private async answerNavigation(route: Route, url: string, viaHop: boolean): Promise<void> {
    const req = route.request();
    const started = performance.now();
    let res;
    try {
      res = await route.fetch({ maxRedirects: 0 });
    } catch (err) {
      this.record('navigate-failed', url, `${req.method()}: ${firstLine(err)}`);
      return route.abort('failed').catch(() => {});
    }
    const status = res.status();
    const location = res.headers()['location'];
    const hop = this.record('navigate', url, `${req.method()} ${status}`, status, { headers: pageHeaders(res.headers()) });
    hop.ms = Math.round(performance.now() - started);
    // Set-Cookie of every hop reaches the browser with the page that stands in for it.
    const cookies = res.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
    const keep: Record<string, string> = cookies.length ? { 'set-cookie': cookies.join('\n') } : {};
    if (status >= 300 && status < 400 && location) {
      let to: URL;
      try {
        to = new URL(location, url);
      } catch {
        return route.fulfill({ response: res });
      }
      hop.detail += ` → ${to.toString()}`;
      const toOrigin = to.origin;
      if (this.opts.providerOrigins.includes(toOrigin)) {
        if (++this.redirects > MAX_REDIRECTS) {
          this.record('redirect-loop', to.toString(), `more than ${MAX_REDIRECTS} redirects on the provider's hosts`);
          return route.fulfill({ status: 200, headers: { ...keep, 'content-type': 'text/html' }, body: CAPTURED_PAGE });
        }
        // 307/308 keep the method and body (RFC 9110 §15.4.8-9); 301/302/303 become GET.
        const keepPost = (status === 307 || status === 308) && req.method() === 'POST';
        this.hopPending = true;
        return route.fulfill({ status: 200, headers: { ...keep, 'content-type': 'text/html', 'cache-control': 'no-store' }, body: hopPage(to.toString(), keepPost ? formFields(req.postData() ?? '') : undefined) });
      }
      this.capture({ url: to.toString(), offPlan: !this.opts.clientOrigins.includes(toOrigin) }, this.opts.clientOrigins.includes(toOrigin) ? 'redirect to a client URL captured (not followed)' : 'redirect to a host outside the plan refused (not followed, not resolved)');
      // A navigation a user action started (a form submitted by a click) is answered 204 No
      // Content: the browser stays on its page (HTML's navigate algorithm aborts on a 204) and
      // commits no new document, often a renderer process of another site, in every such flow; the
      // 3xx's Set-Cookie still reaches it. One a hop page's script started gets a page: Playwright
      // then waits out its navigation timeout on the aborted load (10 s, twice).
      if (!viaHop && req.method() === 'POST') return route.fulfill({ status: 204, headers: keep, body: '' });
      return route.fulfill({ status: 200, headers: { ...keep, 'content-type': 'text/html' }, body: CAPTURED_PAGE });
    }
    this.docStatus = status;
    return route.fulfill({ response: res });
  }

  private capture(c: Captured, detail: string): void {
    this.captured ??= c;
    this.hopPending = false;
    this.record(c.offPlan ? 'redirect-off-plan' : 'redirect-captured', c.url, detail);
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

  /** The hops of the current navigate() as one line: `GET /auth 303 → … → captured https://client…`. */
  private chain(): string {
    const parts = this.hops.slice(this.firstHop).filter((h) => ['navigate', 'navigate-failed', 'redirect-captured', 'redirect-off-plan', 'redirect-loop', 'blocked', 'action'].includes(h.action));
    return parts.map((h) => (h.action === 'navigate' ? `${h.detail?.split(' ')[0] ?? ''} ${shortUrl(h.url)} ${h.status}` : h.action === 'action' ? `[${h.detail}]` : `${h.action} ${shortUrl(h.url)}`)).slice(-16).join(' → ');
  }

  /**
   * Navigate to url, then play the plan's interactions (login, consent, ...) until the browser is
   * sent to a client URL or stops on a page the plan's matchers know. `onPage` may act on a matched
   * page (e.g. confirm a logout) and return true to keep going.
   */
  async navigate(step: string, url: string, onPage?: (kind: PageKind) => Promise<string | undefined>, post?: Record<string, string>): Promise<Landing> {
    const started = performance.now();
    try {
      return await this.navigateFrom(step, url, onPage, post);
    } finally {
      this.busyMs += performance.now() - started;
    }
  }

  private async navigateFrom(step: string, url: string, onPage?: (kind: PageKind) => Promise<string | undefined>, post?: Record<string, string>): Promise<Landing> {
    this.step = step;
    this.captured = undefined;
    this.hopPending = false;
    this.redirects = 0;
    this.docStatus = 0;
    this.firstHop = this.hops.length;
    this.played = [];
    let browserError: string | undefined;
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
      browserError = firstLine(err);
    }
    const ran = new Map<string, number>();
    for (let i = 0; i < MAX_PAGES; i++) {
      await this.settle();
      const landed = this.landed();
      if (landed) return landed;
      const { kind, interaction, error } = await this.recognise();
      if (this.captured) continue;
      if (kind) {
        const confirm = onPage ? await onPage(kind) : undefined;
        // A page the flow stops on is kept as a screenshot; one it goes past (a logout confirmation)
        // by its text only: a screenshot costs more than the rest of the page's handling.
        const hop = await this.snapshot('page-matched', `matched the plan's "${kind}" page`, !confirm);
        if (!confirm) return { kind: 'page', page: kind, url: this.page.url(), text: hop.pageText ?? '', hop };
        const sel = this.fill(confirm);
        await this.act(async () => (await this.inPage({ click: sel })) || this.page.click(sel), `click ${confirm}`);
        continue;
      }
      if (!interaction && this.docStatus >= 400) {
        // No page of the plan matched, but the provider answered with an HTTP error: it stopped on an error.
        const hop = await this.snapshot('page-matched', `HTTP ${this.docStatus} from the provider: taken as its error page`);
        return { kind: 'page', page: 'error', url: this.page.url(), text: hop.pageText ?? '', hop };
      }
      if (!interaction) return this.unknown(`the page matches no interaction and no page of the plan (browser.interactions, browser.pages)${error ?? browserError ? `; browser error: ${error ?? browserError}` : ''}`);
      const count = (ran.get(interaction.name) ?? 0) + 1;
      ran.set(interaction.name, count);
      this.played.push(interaction.name);
      if (count > 3) return this.unknown(`interaction "${interaction.name}" ran ${count - 1} times without leaving its page`);
      try {
        await this.play(interaction);
      } catch (err) {
        await this.settle();
        return this.landed() ?? this.unknown(`interaction "${interaction.name}" failed: ${firstLine(err)}`);
      }
    }
    return this.landed() ?? this.unknown(`no outcome after ${MAX_PAGES} pages`);
  }

  private landed(): Landing | undefined {
    const c = this.captured;
    if (!c) return undefined;
    if (!c.offPlan) return { kind: 'redirect', url: c.url, ...(c.form ? { form: c.form } : {}) };
    const hop = this.hops.findLast((h) => h.action === 'redirect-off-plan')!;
    return { kind: 'off-plan', url: c.url, chain: this.chain(), hop };
  }

  /** Wait until a chain of provider redirects has reached a real page, a client URL or a refusal. */
  private async settle(): Promise<void> {
    const deadline = performance.now() + browserSettings.timeouts.navigation;
    while (!this.captured && performance.now() < deadline) {
      const onHopPage = this.hopPending || this.navInFlight > 0 || (await this.page.evaluate((m) => !!document.querySelector(`meta[name="${m}"]`), HOP_MARK).catch(() => true));
      if (!onHopPage) break;
      await this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame(), timeout: 250 }).catch(() => undefined);
    }
    await this.page.waitForLoadState('domcontentloaded').catch(() => {});
  }

  /**
   * Which of the plan's pages (first) or interactions the current page is. Each matcher's CSS
   * selector must match a visible element and its text regex the page's visible text. A page that
   * shows neither yet (a single-page app behind a spinner) is watched until one appears or the
   * action timeout passes.
   */
  private async recognise(): Promise<{ kind?: PageKind; interaction?: Interaction; error?: string }> {
    const pages = Object.entries(this.opts.pages) as [PageKind, PageMatcher][];
    const matchers = [...pages.map(([, m]) => m), ...this.opts.interactions.map((it) => whenOf(it))].map((m) => ({ selector: m.selector ? this.fill(m.selector) : '', text: m.text ? this.fill(m.text) : '' }));
    const deadline = performance.now() + browserSettings.timeouts.action;
    let error: string | undefined;
    for (;;) {
      let hit = -1;
      try {
        hit = await this.page.evaluate(firstMatch, matchers);
        error = undefined;
      } catch (err) {
        // The page navigated while being read: wait for the new document and read again.
        error = firstLine(err);
        await this.page.waitForLoadState('domcontentloaded').catch(() => {});
      }
      if (this.captured) return {};
      if (hit >= 0) return hit < pages.length ? { kind: pages[hit][0] } : { interaction: this.opts.interactions[hit - pages.length] };
      // An HTTP error document is not a page still loading: no need to watch it.
      if (performance.now() > deadline || this.docStatus >= 400) return { error };
      await this.page.waitForTimeout(50);
    }
  }

  private async play(it: Interaction): Promise<void> {
    for (const action of it.steps) {
      if (this.captured) return;
      const desc = describeAction(action, this.opts.secrets);
      try {
        await this.act(() => this.perform(action), `${it.name}: ${desc}`, 'click' in action || 'goto' in action);
      } catch (err) {
        if (!action.optional) throw err;
        this.record('action-skipped', this.page.url(), `${it.name}: optional ${desc} not done: ${firstLine(err)}`);
      }
    }
  }

  /** Run one action, then give any navigation it started the time to settle. */
  private async act(fn: () => Promise<unknown>, detail: string, navigates = true): Promise<void> {
    const started = performance.now();
    // Only actions that may navigate (click, goto) wait: for a navigation to start, then for it
    // (and any chain of redirects after it) to reach a document, however slowly the provider answers.
    const main = this.page.mainFrame();
    const navStarted = navigates
      ? this.page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === main, { timeout: 1000 }).then(() => true, () => false)
      : Promise.resolve(false);
    const seq = this.navSeq;
    await fn();
    const hop = this.record('action', this.page.url(), detail);
    // The request has started: wait (briefly) until the route handler has taken it up; settle()
    // then follows it and every hop after it.
    if (await navStarted) {
      for (let i = 0; i < 100 && this.navSeq === seq && !this.captured; i++) await new Promise((r) => setTimeout(r, 10));
    }
    // A fill or check that started no navigation has nothing to settle (the next page read settles
    // anyway if one starts later).
    if (navigates || this.navSeq !== seq || this.hopPending || this.navInFlight > 0) await this.settle();
    hop.ms = Math.round(performance.now() - started);
  }

  /** ${name} from the session's variables (user.username, client.client_id, ...); unknown names stay as written. */
  private fill(s: string): string {
    return s.replace(/\$\{([a-z0-9_.-]+)\}/gi, (all, k: string) => this.opts.vars[k] ?? all);
  }

  private async perform(a: BrowserAction): Promise<void> {
    const v = (s: string) => this.fill(s);
    const timeout = a.optional ? Math.min(1000, browserSettings.timeouts.action) : undefined;
    if ('goto' in a) await this.page.goto(v(a.goto), { waitUntil: 'domcontentloaded' });
    else if ('fill' in a) {
      if (!(await this.inPage({ fill: v(a.fill.selector), value: v(a.fill.value) }))) await this.page.fill(v(a.fill.selector), v(a.fill.value), { timeout });
    } else if ('click' in a) {
      if (!(await this.inPage({ click: v(a.click) }))) await this.page.click(v(a.click), { timeout });
    }
    else if ('check_all' in a) {
      const boxes = this.page.locator(v(a.check_all));
      const n = await boxes.count();
      if (n === 0 && !a.optional) throw new Error(`no element matches ${a.check_all}`);
      for (let i = 0; i < n; i++) await boxes.nth(i).check({ timeout });
    } else if ('wait_for' in a) await this.page.waitForSelector(v(a.wait_for), { timeout });
    else if ('expect' in a) {
      const loc = this.page.locator(v(a.expect.selector)).first();
      await loc.waitFor({ timeout });
      if (a.expect.text && !(await loc.innerText()).includes(v(a.expect.text))) {
        throw new Error(`expected ${a.expect.selector} to contain ${JSON.stringify(a.expect.text)}`);
      }
    }
  }

  /**
   * A fill or click done in the page by one evaluate, when its element is already there, shown,
   * enabled and (for a click) not covered: Playwright's own fill and click cost several round
   * trips each (its injected script, then actionability checks over animation frames). False when
   * the element is not ready (a page still rendering, a selector only Playwright understands): the
   * caller then uses Playwright's action, which waits for it.
   */
  private async inPage(a: { fill: string; value: string } | { click: string }): Promise<boolean> {
    return this.page.evaluate(actInPage, a).catch(() => false);
  }

  private async snapshot(action: string, detail: string, shoot = true): Promise<BrowserHop> {
    let screenshot: string | undefined;
    if (shoot) {
      mkdirSync(this.opts.evidenceDir, { recursive: true });
      const name = `${this.step}-${++this.shots}.png`;
      screenshot = (await this.screenshot(join(this.opts.evidenceDir, name)).then(() => true, () => false)) ? name : undefined;
    }
    // One evaluate: page.innerText would load Playwright's injected script first (~60 ms).
    const text = (await this.page.evaluate(() => document.body?.innerText ?? '').catch(() => '')).slice(0, 4000);
    return this.record(action, this.page.url(), detail, undefined, { screenshot, pageText: text });
  }

  /**
   * The whole page as a PNG, by the DevTools protocol on the context's session: Playwright's own
   * screenshot first loads its injected script (~340 KB) into every page it shoots, and waits for
   * fonts and hides the caret; evidence needs none of that. The page is captured at its full CSS
   * size (up to 8192 px tall), not only the viewport.
   */
  private async screenshot(path: string): Promise<void> {
    const cdp = (this.lease.cdp ??= await this.lease.context.newCDPSession(this.page));
    const { cssContentSize: size } = await cdp.send('Page.getLayoutMetrics');
    const clip = { x: 0, y: 0, width: Math.max(1, Math.ceil(size.width)), height: Math.max(1, Math.min(8192, Math.ceil(size.height))), scale: 1 };
    const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true, captureBeyondViewport: true, clip });
    await writeFile(path, Buffer.from(data, 'base64'));
  }

  private async unknown(detail: string): Promise<Landing> {
    const chain = this.chain();
    const hop = await this.snapshot('page-unknown', `${detail}; hops: ${chain || '(none)'}`);
    return { kind: 'unknown', url: this.page.url(), text: hop.pageText ?? '', hop, detail, chain };
  }

  /** Hand the context back to the pool, which resets it for another module or closes it. */
  async close(): Promise<void> {
    await this.pool.giveBack(this.lease, [...this.opts.providerOrigins, ...this.opts.clientOrigins]);
  }
}

/**
 * Runs inside the page: the index of the first matcher whose CSS selector matches a visible element
 * and whose regular expression matches the page's visible text (an empty part matches; a matcher
 * with neither never does), or -1. Self-contained, so page.evaluate can ship it.
 */
export function firstMatch(ms: { selector: string; text: string }[]): number {
  const body = document.body?.innerText ?? '';
  const shown = (sel: string) => {
    if (!sel) return true;
    try {
      return Array.from(document.querySelectorAll(sel)).some((el) => (el as HTMLElement).getClientRects().length > 0);
    } catch {
      return false;
    }
  };
  const said = (re: string) => {
    if (!re) return true;
    try {
      return new RegExp(re, 'i').test(body);
    } catch {
      return false;
    }
  };
  return ms.findIndex((m) => (m.selector || m.text) && shown(m.selector) && said(m.text));
}

/**
 * Runs inside the page: fill a text field or click an element the way a user would, if it is ready
 * now; false (nothing done) otherwise. Ready means: the first element the CSS selector matches is
 * rendered, enabled, editable for a fill, and for a click the topmost element at its centre (not
 * covered by another, inside the viewport). A fill sets the value through the element's own setter
 * (so frameworks that track it see the change) and fires input and change; a click is queued as a
 * task, so the evaluate returns before any navigation it starts replaces the document.
 * Self-contained, so page.evaluate can ship it.
 */
export function actInPage(a: { fill: string; value: string } | { click: string }): boolean {
  let el: Element | null;
  try {
    el = document.querySelector('fill' in a ? a.fill : a.click);
  } catch {
    return false;
  }
  if (!(el instanceof HTMLElement) || el.getClientRects().length === 0) return false;
  if ((el as HTMLButtonElement).disabled || el.closest('fieldset:disabled') || el.getAttribute('aria-disabled') === 'true') return false;
  if ('fill' in a) {
    const textual = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && ['text', 'password', 'email', 'search', 'tel', 'url', 'number', ''].includes(el.type));
    if (!textual || (el as HTMLInputElement).readOnly) return false;
    const input = el as HTMLInputElement | HTMLTextAreaElement;
    input.focus();
    const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, a.value);
    input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: a.value }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return input.value === a.value;
  }
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2;
  const y = r.top + r.height / 2;
  const top = document.elementFromPoint(x, y);
  if (!top || !(top === el || el.contains(top))) return false;
  const target = el;
  setTimeout(() => target.click(), 0);
  return true;
}

const CAPTURED_PAGE = '<!doctype html><title>captured by Touchstone</title>';

/** Stands in for a provider 3xx: navigates on to `to` (a GET, or the same POST body for 307/308). */
function hopPage(to: string, post?: Record<string, string>): string {
  const head = `<!doctype html><meta name="${HOP_MARK}" content="redirect">`;
  if (post) return `${head}${postForm(to, post)}<script>document.forms[0].submit()</script>`;
  return `${head}<script>location.replace(${JSON.stringify(to).replace(/</g, '\\u003c')})</script>`;
}

/** An application/x-www-form-urlencoded body as fields (a form_post response, a 307 re-post). */
function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

function whenOf(it: Interaction): { selector?: string; text?: string } {
  return typeof it.when === 'string' ? { selector: it.when } : it.when;
}

function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.slice(0, 80);
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
  if ('check_all' in a) return `check every ${a.check_all}`;
  if ('wait_for' in a) return `wait for ${a.wait_for}`;
  return `expect ${a.expect.selector}`;
}

/** Response headers a navigation hop keeps: those that decide framing, caching and referrer leakage. */
const PAGE_HEADERS = ['content-type', 'x-frame-options', 'content-security-policy', 'referrer-policy', 'cache-control', 'pragma'];

function pageHeaders(all: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PAGE_HEADERS) if (all[name] !== undefined) out[name] = all[name];
  return out;
}
