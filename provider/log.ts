// Structured request logging: one JSON line per request. Endpoints annotate the request with the
// client and the OAuth error code; secrets, passwords, codes and tokens are never logged whole.
import type { FastifyRequest } from 'fastify';

export type LogFn = (line: string) => void;

export interface RequestNote { client_id?: string; error?: string }

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
