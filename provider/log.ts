// Structured request logging: one JSON line per request. Endpoints annotate the request with the
// client and the OAuth error code; secrets, passwords, codes and tokens are never logged whole.
// A line names the method, the path without its query (the query of /authorize or /device can
// carry codes and hints), the matched route, the status and the time taken; it never holds a header
// or a body. Exactly one line per request, whatever the outcome: answered (onResponse), aborted by
// the client before the answer (status 499, aborted: true), or rejected before routing (bad URL,
// malformed HTTP): server.ts wires each path to requestLine, which logs a request once.
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

export type LogFn = (line: string) => void;

export interface RequestNote {
  client_id?: string;
  error?: string;
  /** Set by the token endpoint on success: the grant served and the kinds of tokens issued (metrics). */
  grant_type?: string;
  issued?: readonly string[];
}

const notes = new WeakMap<FastifyRequest, RequestNote>();

export function annotate(req: FastifyRequest, note: RequestNote): void {
  notes.set(req, { ...notes.get(req), ...note });
}

export function noteOf(req: FastifyRequest): RequestNote {
  return notes.get(req) ?? {};
}

/** A short, non-reusable prefix of a secret value for diagnostics. */
export function redact(value: string | undefined): string | undefined {
  return value === undefined ? undefined : `${value.slice(0, 6)}…`;
}

export function logLine(log: LogFn, fields: Record<string, unknown>): void {
  log(JSON.stringify(fields));
}

export interface RequestLine {
  method: string;
  path: string;
  /** The matched route pattern; null when no route matched (404, rejected before routing). */
  route: string | null;
  status: number;
  ms: number;
  client_id: string | null;
  error: string | null;
  aborted?: true;
}

const logged = new WeakSet<IncomingMessage | object>();

/** Log one request's line unless this request (keyed by its raw message or socket) was logged already. */
export function requestLine(log: LogFn, key: IncomingMessage | object, line: RequestLine): boolean {
  if (logged.has(key)) return false;
  logged.add(key);
  log(JSON.stringify(line));
  return true;
}
