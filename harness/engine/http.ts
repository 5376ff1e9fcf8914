// Back-channel HTTP on undici. Every request is recorded as an HttpExchange whatever happens:
// a per-request timeout, a cap on the response size, no redirect following, and no traffic to any
// host outside the plan's loopback origins.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { HeaderMap, HttpExchange, RecordedResponse } from '../core/exchange.ts';

export interface HttpLimits {
  timeoutMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = { timeoutMs: 10_000, maxBodyBytes: 1_000_000 };

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** Why a URL may not be requested, or undefined when it may. */
export function offPlanReason(url: string, allowedOrigins: ReadonlySet<string>): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `not a valid URL: ${JSON.stringify(url.slice(0, 200))}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} is not http(s)`;
  if (!isLoopbackHost(u.hostname)) return `host ${u.host} is not on loopback; Touchstone only talks to the plan's loopback hosts`;
  if (!allowedOrigins.has(u.origin)) return `origin ${u.origin} is not one of the plan's hosts (${[...allowedOrigins].join(', ')})`;
  return undefined;
}

export interface SendOptions {
  step: string;
  label: string;
  method?: string;
  headers?: HeaderMap;
  /** A string body is sent as is; an object is form-encoded. */
  body?: string | Record<string, string | undefined>;
}

function normaliseHeaders(raw: Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    out[name] = Array.isArray(v) ? v.join(name === 'set-cookie' ? '\n' : ', ') : String(v);
  }
  return out;
}

export function formEncode(body: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) if (v !== undefined) p.append(k, v);
  return p.toString();
}

function parseJson(contentType: string | undefined, body: string): unknown {
  if (!contentType || !/\bjson\b/i.test(contentType)) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export class HttpClient {
  readonly exchanges: HttpExchange[] = [];
  private readonly agent: Agent;
  private readonly limits: HttpLimits;
  private readonly allowed: ReadonlySet<string>;

  constructor(allowedOrigins: Iterable<string>, limits: Partial<HttpLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.allowed = new Set(allowedOrigins);
    this.agent = new Agent({
      connectTimeout: this.limits.timeoutMs,
      headersTimeout: this.limits.timeoutMs,
      bodyTimeout: this.limits.timeoutMs,
    });
  }

  /** Send one request and record it. Never throws: transport failures land in exchange.error. */
  async send(url: string, opts: SendOptions): Promise<HttpExchange> {
    const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
    const headers: HeaderMap = { ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (typeof opts.body === 'string') body = opts.body;
    else if (opts.body) {
      body = formEncode(opts.body);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const ex: HttpExchange = {
      kind: 'http',
      id: `http-${this.exchanges.length + 1}-${randomUUID().slice(0, 8)}`,
      step: opts.step,
      label: opts.label,
      request: { method, url, headers, body },
      startedAt: new Date().toISOString(),
      ms: 0,
    };
    this.exchanges.push(ex);
    const started = performance.now();
    const refused = offPlanReason(url, this.allowed);
    if (refused) {
      ex.error = `request not sent: ${refused}`;
      return ex;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no complete response within ${this.limits.timeoutMs} ms`)), this.limits.timeoutMs);
    try {
      const res = await request(url, { method: method as 'GET', headers, body, dispatcher: this.agent, signal: abort.signal });
      ex.response = await this.readResponse(res.statusCode, normaliseHeaders(res.headers), res.body);
    } catch (err) {
      ex.error = describeTransportError(err, url);
    } finally {
      clearTimeout(timer);
      ex.ms = Math.round(performance.now() - started);
    }
    return ex;
  }

  private async readResponse(status: number, headers: HeaderMap, stream: AsyncIterable<Buffer> & { destroy(): void }): Promise<RecordedResponse> {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > this.limits.maxBodyBytes) {
        chunks.push(chunk.subarray(0, chunk.length - (size - this.limits.maxBodyBytes)));
        truncated = true;
        stream.destroy();
        break;
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    return { status, headers, body, json: truncated ? undefined : parseJson(headers['content-type'], body), truncated: truncated || undefined };
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }
}

function describeTransportError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  const reason = e.cause?.message ?? e.message ?? String(err);
  if (e.code === 'ECONNREFUSED') return `connection refused by ${new URL(url).host}`;
  return `${e.code ? e.code + ': ' : ''}${reason}`;
}

/** A recorded exchange's response, or a one-line description of why there is none. */
export function describeExchangeFailure(ex: HttpExchange): string | undefined {
  if (ex.error) return `${ex.request.method} ${ex.request.url}: ${ex.error}`;
  if (ex.response?.truncated) return `${ex.request.method} ${ex.request.url}: response body exceeded the size cap and was cut`;
  return undefined;
}
