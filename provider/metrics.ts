// Prometheus metrics (text exposition format 0.0.4), written by hand: four metric families with
// small, bounded label sets do not need a client library, and the provider keeps its start time
// and footprint (prom-client would load on every start for a feature that is off by default).
//
// Labels are bounded: `route` is the matched route pattern (e.g. /register/:client_id), never the
// raw path ("unmatched" for 404s and requests rejected before routing); `error` is one of the
// provider's own OAuth error codes; `grant_type` is counted only for tokens actually issued, so
// it is one of the grant types the provider serves.
import type { Store } from './store.ts';

/** Default Prometheus client buckets (seconds). */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Token kinds counted in token responses. */
export const TOKEN_KINDS = ['access_token', 'refresh_token', 'id_token'] as const;

interface Series { route: string; method: string; status: string; counts: number[]; sum: number; count: number }

export interface Observation {
  route: string;
  method: string;
  status: number;
  seconds: number;
  error?: string;
  grantType?: string;
  issued?: readonly string[];
}

export class Metrics {
  readonly #series = new Map<string, Series>();
  readonly #errors = new Map<string, number>();
  readonly #tokens = new Map<string, number>();
  readonly #startedAt = Date.now() / 1000;

  observe(o: Observation): void {
    const status = String(o.status);
    const key = `${o.route}\0${o.method}\0${status}`;
    let s = this.#series.get(key);
    if (!s) {
      s = { route: o.route, method: o.method, status, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    s.count++;
    s.sum += o.seconds;
    // Cumulative buckets are computed at render time; here each observation lands in one bucket.
    const i = BUCKETS.findIndex((b) => o.seconds <= b);
    if (i >= 0) s.counts[i]++;
    if (o.error) bump(this.#errors, `${o.route}\0${o.error}`);
    if (o.grantType) for (const kind of o.issued ?? []) bump(this.#tokens, `${o.grantType}\0${kind}`);
  }

  /** The exposition text, with `store.sizes()` as a gauge per kind. */
  async render(store: Pick<Store, 'sizes'>): Promise<string> {
    const out: string[] = [];
    out.push('# HELP touchstone_http_requests_total HTTP requests answered, by route, method and status.');
    out.push('# TYPE touchstone_http_requests_total counter');
    for (const s of this.#series.values()) out.push(`touchstone_http_requests_total${labels({ route: s.route, method: s.method, status: s.status })} ${s.count}`);

    out.push('# HELP touchstone_http_request_duration_seconds Time from request to response, by route, method and status.');
    out.push('# TYPE touchstone_http_request_duration_seconds histogram');
    for (const s of this.#series.values()) {
      const base = { route: s.route, method: s.method, status: s.status };
      let acc = 0;
      BUCKETS.forEach((b, i) => {
        acc += s.counts[i];
        out.push(`touchstone_http_request_duration_seconds_bucket${labels({ ...base, le: String(b) })} ${acc}`);
      });
      out.push(`touchstone_http_request_duration_seconds_bucket${labels({ ...base, le: '+Inf' })} ${s.count}`);
      out.push(`touchstone_http_request_duration_seconds_sum${labels(base)} ${num(s.sum)}`);
      out.push(`touchstone_http_request_duration_seconds_count${labels(base)} ${s.count}`);
    }

    out.push('# HELP touchstone_oauth_errors_total OAuth error responses, by route and error code.');
    out.push('# TYPE touchstone_oauth_errors_total counter');
    for (const [k, n] of this.#errors) {
      const [route, error] = k.split('\0');
      out.push(`touchstone_oauth_errors_total${labels({ route, error })} ${n}`);
    }

    out.push('# HELP touchstone_tokens_issued_total Tokens issued by the token endpoint, by grant type and kind.');
    out.push('# TYPE touchstone_tokens_issued_total counter');
    for (const [k, n] of this.#tokens) {
      const [grant_type, kind] = k.split('\0');
      out.push(`touchstone_tokens_issued_total${labels({ grant_type, kind })} ${n}`);
    }

    out.push('# HELP touchstone_store_entries Entries held by the store, by kind.');
    out.push('# TYPE touchstone_store_entries gauge');
    for (const [kind, n] of Object.entries(await store.sizes()).sort(([a], [b]) => a.localeCompare(b))) {
      if (typeof n === 'number') out.push(`touchstone_store_entries${labels({ kind })} ${n}`);
    }

    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.');
    out.push('# TYPE process_resident_memory_bytes gauge');
    out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    out.push('# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.');
    out.push('# TYPE process_start_time_seconds gauge');
    out.push(`process_start_time_seconds ${num(this.#startedAt)}`);
    return `${out.join('\n')}\n`;
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}

/** Exposition format: label values escape backslash, double quote and line feed. */
function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}
