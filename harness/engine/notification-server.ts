// The client's notification endpoint for CIBA ping mode (CIBA Core §10.2), served by the harness on
// loopback for one run: https (§4: the endpoint MUST be an https URL) with the run's test
// certificate, on a free port. A plan names it as `${callback}` (its base URL) in the provider config
// or command, and in a client's `notification_endpoint`. Every POST is recorded, answered 204 (§10.2)
// and handed to whoever waits for its auth_req_id: waiting is event-driven, no polling, no sleeps.
// The CLI starts the provider (and this server) in its own process and runs the modules in a vitest
// worker: there a NotificationWaiter asks the server over one long-polling request to a path under
// a per-run secret (`GET /.touchstone/<secret>/wait?auth_req_id=...&ms=...`).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request the OP sent to the notification endpoint, as received. */
export interface Notification {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The parsed JSON body, when it is JSON. */
  json?: unknown;
  receivedAt: number;
}

/** What a module needs of the run's notification endpoint: its URL and the notifications it got. */
export interface NotificationWaiter {
  /** https://127.0.0.1:<port> */
  base: string;
  /** Resolves with the first notification whose body names this auth_req_id (also one already received), or undefined after `ms`. */
  waitFor(authReqId: string, ms: number): Promise<Notification | undefined>;
}

/** Where a worker reaches the server (the CLI hands this over with the target). */
export interface NotificationAccess { base: string; secret: string }

export interface NotificationServer extends NotificationWaiter {
  /** The per-run secret of the control path. */
  secret: string;
  /** Every notification received so far, in order. */
  received(): Notification[];
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function authReqIdOf(n: Notification): string | undefined {
  const j = n.json as { auth_req_id?: unknown } | undefined;
  return j && typeof j === 'object' && typeof j.auth_req_id === 'string' ? j.auth_req_id : undefined;
}

export async function startNotificationServer(tls: { certPem: string; keyPem: string }): Promise<NotificationServer> {
  const all: Notification[] = [];
  const waiters = new Map<string, ((n: Notification) => void)[]>();
  const secret = randomBytes(16).toString('hex');
  const control = `/.touchstone/${secret}/wait?`;
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
    if (req.method === 'GET' && req.url?.startsWith(control)) {
      const q = new URLSearchParams(req.url.slice(control.length));
      void waitFor(q.get('auth_req_id') ?? '', Math.min(Number(q.get('ms')) || 0, 120_000)).then((n) => {
        if (n) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(n));
        else res.writeHead(204).end();
      });
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      if (body.length < MAX_BODY) body += d;
    });
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
      const n: Notification = { method: req.method ?? '', path: req.url ?? '', headers, body, ...(json === undefined ? {} : { json }), receivedAt: Date.now() };
      all.push(n);
      // §10.2: the client answers 204 No Content (or 200).
      res.writeHead(204).end();
      const id = authReqIdOf(n);
      if (id === undefined) return;
      for (const w of waiters.get(id) ?? []) w(n);
      waiters.delete(id);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  function waitFor(authReqId: string, ms: number): Promise<Notification | undefined> {
      const seen = all.find((n) => authReqIdOf(n) === authReqId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          const list = waiters.get(authReqId)?.filter((w) => w !== done) ?? [];
          if (list.length) waiters.set(authReqId, list);
          else waiters.delete(authReqId);
          resolve(undefined);
        }, ms);
        const done = (n: Notification) => {
          clearTimeout(timer);
          resolve(n);
        };
        waiters.set(authReqId, [...(waiters.get(authReqId) ?? []), done]);
      });
  }
  return {
    base: `https://127.0.0.1:${port}`,
    secret,
    received: () => [...all],
    waitFor,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A worker's view of the server: each waitFor is one long-polling GET of the control path. */
export function notificationWaiter(access: NotificationAccess, ca: string | undefined): NotificationWaiter {
  return {
    base: access.base,
    async waitFor(authReqId, ms) {
      const { Agent, request } = await import('undici');
      const dispatcher = new Agent({ connect: ca ? { ca } : {}, headersTimeout: ms + 10_000, bodyTimeout: ms + 10_000 });
      try {
        const url = `${access.base}/.touchstone/${access.secret}/wait?${new URLSearchParams({ auth_req_id: authReqId, ms: String(ms) })}`;
        const r = await request(url, { dispatcher });
        if (r.statusCode !== 200) {
          await r.body.dump();
          return undefined;
        }
        return (await r.body.json()) as Notification;
      } finally {
        await dispatcher.close();
      }
    },
  };
}

/** Replaces `${callback}` in every string of a JSON-like value (the provider config). */
export function fillCallback<T>(value: T, base: string): T {
  if (typeof value === 'string') return value.replaceAll('${callback}', base) as T;
  if (Array.isArray(value)) return value.map((v) => fillCallback(v, base)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillCallback(v, base)])) as T;
  return value;
}

/** Whether the plan's provider section (config, command, env) names `${callback}`. */
export function usesCallback(provider: unknown): boolean {
  return JSON.stringify(provider ?? {}).includes('${callback}');
}
