// Is an HTML document one of the plan's OP pages (browser.pages: error, logged_out, ...)? For a
// back-channel response the browser never showed: the document is loaded, offline and without
// scripts, into a blank page of the run's browser, and judged the way the browser session judges a
// page: the matcher's selector must match a visible element and its text regex the visible text.
import type { PageMatcher } from '../core/types.ts';
import { firstMatch, type BrowserPool } from './browser.ts';

export async function htmlMatchesPage(pool: BrowserPool, html: string, m: PageMatcher): Promise<boolean> {
  if (!m.selector && !m.text) return false;
  const browser = await pool.acquire();
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    // Nothing the document references is fetched: no request leaves this page.
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'domcontentloaded' });
    return (await page.evaluate(firstMatch, [{ selector: m.selector ?? '', text: m.text ?? '' }])) === 0;
  } finally {
    await context.close().catch(() => {});
  }
}
