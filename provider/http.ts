// Shared request/response helpers: parameter parsing, HTML pages, JSON errors.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequest, OAuthError } from './errors.ts';
import { annotate } from './log.ts';
import { errorPage } from './views.ts';

export type Params = Record<string, string | undefined>;

/**
 * Flatten query or form parameters. RFC 6749 §3.1: parameters sent without a value are treated as
 * omitted, and request/response parameters MUST NOT be included more than once.
 */
export function readParams(source: unknown): Params {
  const out: Params = {};
  if (source === null || source === undefined) return out;
  if (typeof source !== 'object') throw new InvalidRequest('request parameters must be form-encoded');
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(v)) throw new InvalidRequest(`${k} must not be included more than once`);
    if (typeof v !== 'string') throw new InvalidRequest(`${k} must be a string`);
    if (v !== '') out[k] = v;
  }
  return out;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time string comparison (hash first so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** An OP page: never cached, never framed; `csp` replaces the default policy (it keeps frame-ancestors 'none'). */
export function sendHtml(reply: FastifyReply, status: number, html: string, csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', csp)
    .send(html);
}

/** The error page: HTTP 400 (or the error's own 4xx) with data-error="CODE". Never a redirect. */
export function sendErrorPage(req: FastifyRequest, reply: FastifyReply, err: unknown, status?: number): FastifyReply {
  const e = asOAuthError(err);
  annotate(req, { error: e.error });
  const code = status ?? (e.status >= 500 ? 500 : 400);
  return sendHtml(reply, code, errorPage(e.error, e.message));
}

export function sendJsonError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = asOAuthError(err);
  annotate(req, { error: e.error });
  for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
  return reply.code(e.status).header('content-type', 'application/json; charset=utf-8').send({ error: e.error, error_description: e.message });
}

/** Unknown exceptions become server_error without leaking a stack trace. */
export function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new OAuthError('server_error', 'the server could not process the request', 500);
}

export function pathOf(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  return i === -1 ? req.url : req.url.slice(0, i);
}
