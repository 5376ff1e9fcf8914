// Exchanges: the recorded evidence of a module run. Every HTTP request/response and every browser
// hop is recorded here before any check reads it; checks never make requests themselves.

export type HeaderMap = Record<string, string>;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: HeaderMap;
  body?: string;
  /** The TLS client certificate presented (mutual TLS, RFC 8705): its subject and SHA-256 thumbprint. */
  clientCertificate?: { subject: string; 'x5t#S256': string };
}

export interface RecordedResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " except set-cookie (joined with "\n"). */
  headers: HeaderMap;
  body: string;
  /** Parsed body when the content type is JSON and it parsed; undefined otherwise. */
  json?: unknown;
  /** Set when the body was cut at the size cap. */
  truncated?: boolean;
  /** Why a JSON body was not parsed: the size cap or the nesting bound it hit, naming the limit. */
  unparsed?: string;
}

export interface HttpExchange {
  kind: 'http';
  id: string;
  /** The flow step that made the request (e.g. `token`, `token-replay`). */
  step: string;
  label: string;
  request: RecordedRequest;
  response?: RecordedResponse;
  /** Transport failure: timeout, connection refused, size cap, host not in plan. */
  error?: string;
  /** No (complete) answer before the per-request deadline (settings.timeout_ms). */
  timedOut?: boolean;
  startedAt: string;
  ms: number;
}

export interface BrowserHop {
  kind: 'browser';
  id: string;
  step: string;
  /** What happened: `goto`, `navigate`, `fill`, `click`, `redirect-captured`, `page-matched`, ... */
  action: string;
  url: string;
  status?: number;
  detail?: string;
  /** Path (relative to the module's evidence dir) of a PNG screenshot, for pages asserted on. */
  screenshot?: string;
  /** Visible text of a page asserted on, cut to a few KB. */
  pageText?: string;
  /** A provider navigation's response headers that decide framing, caching and referrer leakage
   *  (PAGE_HEADERS in engine/browser.ts), lower-cased; read by the security-review checks. */
  headers?: HeaderMap;
  startedAt: string;
  ms: number;
}

export type Exchange = HttpExchange | BrowserHop;
