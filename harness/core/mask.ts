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

/** Deep copy of value with every occurrence of every secret replaced by "***". */
export function maskSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v, secrets);
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(value) as T;
}
