// Secrets (client secrets, private keys, passwords, and the Basic credentials built from them)
// never reach a report or a log unmasked: every report writer passes its data through maskSecrets.
import type { Plan } from './types.ts';

const MASK = '***';

/** Every secret string a plan holds, plus the encodings that carry them on the wire. */
export function secretsOf(plan: Plan): string[] {
  const out = new Set<string>();
  for (const c of Object.values(plan.clients ?? {})) {
    if (c.secret) {
      out.add(c.secret);
      out.add(encodeURIComponent(c.secret));
      out.add(formEncoded(c.secret));
      out.add(Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.secret)}`).toString('base64'));
      out.add(Buffer.from(`${c.client_id}:${c.secret}`).toString('base64'));
    }
    if (c.jwk) {
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const) {
        const v = c.jwk[m];
        if (typeof v === 'string' && v.length >= 8) out.add(v);
      }
    }
  }
  // Bearer tokens of the plan's out-of-band operations (key rotation, CIBA approval).
  for (const op of Object.values(plan.operations ?? {})) if (op?.bearer) out.add(op.bearer);
  // The private key the harness signs forged access tokens with (resource.signing_key).
  const sk = plan.resource?.signing_key;
  if (sk && typeof sk === 'object') {
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const) {
      const v = sk[m];
      if (typeof v === 'string' && v.length >= 8) out.add(v);
    }
  }
  for (const u of Object.values(plan.users ?? {})) {
    if (u.password) {
      out.add(u.password);
      out.add(encodeURIComponent(u.password));
      out.add(formEncoded(u.password));
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** How a value travels in an application/x-www-form-urlencoded body (space as +, ! as %21, ...). */
function formEncoded(s: string): string {
  return new URLSearchParams({ x: s }).toString().slice(2);
}

function maskString(s: string, secrets: readonly string[]): string {
  let r = s;
  for (const secret of secrets) if (r.includes(secret)) r = r.split(secret).join(MASK);
  return r;
}

/** Values nested deeper than this in a report are replaced by a marker (see maskSecrets). */
export const MAX_REPORT_DEPTH = 200;

/**
 * Deep copy of value with every occurrence of every secret replaced by "***". Iterative, and
 * bounded: anything nested deeper than MAX_REPORT_DEPTH (hostile JSON that got this far, a cycle)
 * becomes a marker string, so the copy is always safe to JSON.stringify and write as a report.
 */
export function maskSecrets<T>(value: T, secrets: readonly string[]): T {
  const root: { v?: unknown } = {};
  type Slot = [from: unknown, into: Record<string | number, unknown>, key: string | number, depth: number];
  const todo: Slot[] = [[value, root, 'v', 0]];
  while (todo.length > 0) {
    const [v, into, key, depth] = todo.pop()!;
    if (typeof v === 'string') into[key] = secrets.length ? maskString(v, secrets) : v;
    else if (Buffer.isBuffer(v) || v instanceof Uint8Array || !v || typeof v !== 'object') into[key] = v;
    else if (depth >= MAX_REPORT_DEPTH) into[key] = `[cut: nested deeper than ${MAX_REPORT_DEPTH} levels]`;
    else if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      into[key] = a;
      for (let i = 0; i < v.length; i++) todo.push([v[i], a as unknown as Record<number, unknown>, i, depth + 1]);
    } else {
      const o: Record<string, unknown> = {};
      into[key] = o;
      const entries = Object.entries(v);
      for (const [k] of entries) o[k] = undefined; // keep the key order of the original
      for (const [k, x] of entries) todo.push([x, o, k, depth + 1]);
    }
  }
  return root.v as T;
}
