// Back-channel HTTP on undici. Every request is recorded as an HttpExchange whatever happens:
// a per-request timeout, a cap on the response size and on JSON nesting depth, no redirect
// following, and no traffic to any host outside the plan's loopback origins.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { HeaderMap, HttpExchange, RecordedResponse } from '../core/exchange.ts';

export interface HttpLimits {
  timeoutMs: number;
  maxBodyBytes: number;
  /** JSON bodies nested deeper than this are recorded but not parsed (RFC 8259 §9 lets a parser limit depth). */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: HttpLimits = { timeoutMs: 10_000, maxBodyBytes: 1_000_000, maxJsonDepth: 64 };

import { isLoopbackHost } from '../core/net.ts';

export { isLoopbackHost };

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
  /** Mutual TLS (RFC 8705): the TLS client certificate (and key) to present on the connection. */
  cert?: { certPem: string; keyPem: string; subject: string; thumbprint: string };
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

const isJson = (contentType: string | undefined): boolean => !!contentType && /\bjson\b/i.test(contentType);

/**
 * True when the JSON text opens more than `limit` nested arrays/objects. One pass over the text,
 * no recursion: JSON.parse itself is iterative in V8, but everything that later walks the parsed
 * value (masking, schema validation, JSON.stringify of reports) recurses, so depth is bounded
 * before parsing. Brackets inside strings do not count.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON.parse bounded in depth; undefined for non-JSON content types and unparsable text. */
export function parseJsonBounded(body: string, maxDepth: number): unknown {
  if (nestsDeeperThan(body, maxDepth)) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export class HttpClient {
  readonly exchanges: HttpExchange[] = [];
  private readonly agent: Agent;
  /** One agent per client certificate (a TLS connection carries one certificate). */
  private readonly certAgents = new Map<string, Agent>();
  private readonly agentOptions: ConstructorParameters<typeof Agent>[0];
  private readonly limits: HttpLimits;
  private readonly allowed: ReadonlySet<string>;

  /**
   * `tls.ca`: the PEM of the CA(s) this client trusts for https origins (a plan's test CA or
   * `provider.ca`) instead of Node's built-in roots; for this client only, never process-wide.
   */
  constructor(allowedOrigins: Iterable<string>, limits: Partial<HttpLimits> = {}, tls: { ca?: string } = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.allowed = new Set(allowedOrigins);
    // undici's own timers sit behind the per-request deadline below, so a stalled endpoint is
    // always reported by that deadline, with one wording ("no answer within N ms").
    const backstop = this.limits.timeoutMs + 1_000;
    this.agentOptions = { connectTimeout: backstop, headersTimeout: backstop, bodyTimeout: backstop, ...(tls.ca ? { connect: { ca: tls.ca } } : {}) };
    this.agent = new Agent(this.agentOptions);
  }

  /** The agent presenting `cert` (undici `connect: { cert, key, ca }`), or the plain one. */
  private agentFor(cert: SendOptions['cert']): Agent {
    if (!cert) return this.agent;
    let a = this.certAgents.get(cert.certPem);
    if (!a) {
      const connect = { ...(this.agentOptions?.connect as object | undefined), cert: cert.certPem, key: cert.keyPem };
      this.certAgents.set(cert.certPem, (a = new Agent({ ...this.agentOptions, connect })));
    }
    return a;
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
      request: { method, url, headers, body, ...(opts.cert ? { clientCertificate: { subject: opts.cert.subject, 'x5t#S256': opts.cert.thumbprint } } : {}) },
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
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.limits.timeoutMs} ms`)), this.limits.timeoutMs);
    let status: number | undefined;
    try {
      const res = await request(url, { method: method as 'GET', headers, body, dispatcher: this.agentFor(opts.cert), signal: abort.signal });
      status = res.statusCode;
      ex.response = await this.readResponse(res.statusCode, normaliseHeaders(res.headers), res.body);
    } catch (err) {
      if (abort.signal.aborted || isUndiciTimeout(err)) {
        ex.timedOut = true;
        ex.error = status === undefined
          ? `no answer within ${this.limits.timeoutMs} ms`
          : `no complete answer within ${this.limits.timeoutMs} ms (HTTP ${status} headers arrived, the body stalled)`;
      } else ex.error = describeTransportError(err, url);
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
    if (truncated) return { status, headers, body, truncated: true, unparsed: `body exceeded the size cap of ${this.limits.maxBodyBytes} bytes (settings.max_body_bytes) and was cut` };
    if (!isJson(headers['content-type'])) return { status, headers, body };
    if (nestsDeeperThan(body, this.limits.maxJsonDepth)) {
      return { status, headers, body, unparsed: `body nests deeper than ${this.limits.maxJsonDepth} levels (JSON left unparsed; RFC 8259 §9 lets a parser limit nesting)` };
    }
    return { status, headers, body, json: parseJsonBounded(body, this.limits.maxJsonDepth) };
  }

  async close(): Promise<void> {
    for (const a of this.certAgents.values()) await a.close().catch(() => {});
    await this.agent.close().catch(() => {});
  }
}

const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function isUndiciTimeout(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return UNDICI_TIMEOUTS.has(e?.code ?? '') || UNDICI_TIMEOUTS.has(e?.cause?.code ?? '');
}

function describeTransportError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  const reason = e.cause?.message ?? e.message ?? String(err);
  if (e.code === 'ECONNREFUSED') return `connection refused by ${new URL(url).host}`;
  return `${e.code ? e.code + ': ' : ''}${reason}`;
}

/** A recorded exchange's response, or a one-line description of why there is none. */
export function describeExchangeFailure(ex: HttpExchange): string | undefined {
  // A stalled endpoint reads as a timeout, whichever step asked: "no answer within 500 ms from POST <url>".
  if (ex.timedOut) return `${ex.error} from ${ex.request.method} ${ex.request.url}`;
  if (ex.error) return `${ex.request.method} ${ex.request.url}: ${ex.error}`;
  if (ex.response?.unparsed) return `${ex.request.method} ${ex.request.url}: response ${ex.response.unparsed}`;
  return undefined;
}
