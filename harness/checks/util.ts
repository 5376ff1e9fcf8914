// Small helpers shared by the checks: safe type tests, short previews of hostile values for
// messages, header lookup, media-type and URL tests. Nothing here throws for any input.
import { fail, type Verdict } from '../core/finding.ts';
import { validateAgainst, type SchemaName } from '../schemas/validate.ts';

export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON-ish type name for messages: "null", "array", "string", "object", ... */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const MAX_PREVIEW = 120;

/** Cut a string to a readable length, saying how long it really was. */
export function clip(s: string, max = MAX_PREVIEW): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

/** A short, printable rendering of any value for a failure message. */
export function preview(v: unknown, max = MAX_PREVIEW): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(clip(v, max));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function' || typeof v === 'symbol') return typeof v;
  let s: string;
  try {
    s = JSON.stringify(v) ?? typeName(v);
  } catch {
    s = `[${typeName(v)}]`;
  }
  return clip(s, max);
}

/** The value to record as a finding's `actual`: long strings and big structures are cut down. */
export function evidence(v: unknown): unknown {
  if (typeof v === 'string') return clip(v, 500);
  if (typeof v === 'object' && v !== null) {
    let s: string | undefined;
    try {
      s = JSON.stringify(v);
    } catch {
      return `[${typeName(v)}]`;
    }
    if (s !== undefined && s.length > 2000) return clip(s, 2000);
    return v;
  }
  if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(typeof v);
  return v;
}

/** Own-property read that tolerates any input. */
export function field(obj: unknown, name: string): unknown {
  return isRecord(obj) && Object.hasOwn(obj, name) ? obj[name] : undefined;
}

export function has(obj: unknown, name: string): boolean {
  return isRecord(obj) && Object.hasOwn(obj, name);
}

/** Case-insensitive header lookup over a recorded header map; only string values count. */
export function header(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const want = name.toLowerCase();
  const values: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== want) continue;
    if (typeof v === 'string') values.push(v);
    else if (Array.isArray(v)) values.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return values.length > 0 ? values.join(', ') : undefined;
}

/** The lower-cased media type of a Content-Type value, without parameters. */
export function mediaType(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  const t = contentType.split(';', 1)[0].trim().toLowerCase();
  return t === '' ? undefined : t;
}

/** A Content-Type check for application/json; returns a failure reason or undefined. */
export function jsonContentTypeProblem(contentType: unknown): string | undefined {
  const t = mediaType(contentType);
  if (t === 'application/json') return undefined;
  if (t === undefined) return typeof contentType === 'string' ? `an empty Content-Type` : 'no Content-Type header';
  return `Content-Type ${preview(contentType)}`;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function parseUrl(s: unknown): URL | undefined {
  if (typeof s !== 'string' || s.length > 8192) return undefined;
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A URL string that is https, or http on a loopback host. Returns a problem description or undefined. */
export function secureUrlProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return `a ${typeName(v)} (${preview(v)})`;
  const u = parseUrl(v);
  if (!u) return `${preview(v)}, which is not an absolute URL`;
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  if (u.protocol === 'http:') return `${preview(v)}, an http URL on a non-loopback host`;
  return `${preview(v)}, a ${u.protocol.replace(/:$/, '')} URL`;
}

/** Join the first few validation errors for a message. */
export function summarizeErrors(errors: string[], max = 5): string {
  const shown = errors.slice(0, max).join('; ');
  return errors.length > max ? `${shown}; and ${errors.length - max} more` : shown;
}

/**
 * The front shared by the "response matches its schema" checks: the expected status (one, or a
 * list for error responses), a JSON content type, then the named schema. The failing verdict, or
 * undefined when all three hold.
 */
export function successResponseProblem(
  input: { status: unknown; contentType?: unknown; json: unknown },
  want: { status: number | number[]; what: string; schema: SchemaName },
  expected: string,
): Verdict | undefined {
  const status = field(input, 'status');
  const contentType = field(input, 'contentType');
  const json = field(input, 'json');
  if (Array.isArray(want.status) ? !want.status.includes(status as number) : status !== want.status) {
    if (Array.isArray(want.status)) return fail(`expected ${want.what} with status ${want.status.join(' or ')}, found ${preview(status)}`, expected, { status: evidence(status) });
    const error = isRecord(json) && typeof json.error === 'string' ? ` with error=${preview(json.error)}` : '';
    return fail(`expected a ${want.status} ${want.what}, found status ${preview(status)}${error}`, expected, { status: evidence(status) });
  }
  const ct = jsonContentTypeProblem(contentType);
  if (ct) return fail(`expected Content-Type application/json, found ${ct}`, expected, { status, contentType: evidence(contentType) });
  const r = validateAgainst(want.schema, json);
  if (!r.ok) return fail(`${want.what} does not match ${want.schema}.schema.json: ${summarizeErrors(r.errors)}`, expected, r.errors);
  return undefined;
}
