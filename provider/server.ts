// startProvider: build and start one provider instance (its own config, keys, store and faults).
// node:http only as a type: an ESM import of it evaluates its lazy exports and loads Node's
// bundled undici (about 50 ms and some MiB at start).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import { loadConfig, readConfigFile, type Jwk, type ResolvedConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { InvalidRequest, OAuthError } from './errors.ts';
import { Faults, parseFaults, type FaultId } from './faults.ts';
import { pathOf, safeEqual, sendErrorPage, sendJsonError } from './http.ts';
import { KeyStore } from './keys.ts';
import { annotate, noteOf, requestLine, type LogFn, type RequestLine, type RequestNote } from './log.ts';
import { Metrics } from './metrics.ts';
import { createStore, sharedValue, type Store, type StoreConfig } from './store.ts';
import { withStoreFaults } from './store-faults.ts';
import { answerPlainHttp, httpsOptions } from './tls.ts';
import { authorizationEndpoint } from './endpoints/authorization.ts';
import { interactionPage, interactionSubmit } from './endpoints/interaction.ts';
import { tokenEndpoint, noStore } from './endpoints/token.ts';
import { parEndpoint } from './endpoints/par.ts';
import { userinfoEndpoint } from './endpoints/userinfo.ts';
import { confirmLogout, endSessionEndpoint } from './endpoints/logout.ts';
import { discoveryEndpoint, oauthMetadataEndpoint } from './endpoints/discovery.ts';
import { jwksEndpoint } from './endpoints/jwks.ts';
import { rotateKeys, rotateKeysEndpoint } from './endpoints/admin.ts';
import { revocationEndpoint } from './endpoints/revocation.ts';
import { introspectionEndpoint } from './endpoints/introspection.ts';
import { clientConfigurationEndpoint, registerEndpoint } from './endpoints/registration.ts';
import { resourceEndpoint } from './endpoints/resource.ts';
import { PRM_PREFIX, protectedResourceMetadataEndpoint } from './endpoints/protected-resource-metadata.ts';
import { RESOURCE_PATHS } from './dpop.ts';
import { deviceAuthorizationEndpoint, devicePage, deviceStart, deviceSubmit } from './endpoints/device.ts';
import { backchannelAuthenticationEndpoint, cibaDecisionEndpoint } from './endpoints/ciba.ts';

export interface RunningProvider {
  issuer: string;
  port: number;
  faults: readonly string[];
  config: ResolvedConfig;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Raw configuration object (validated). */
  config?: unknown;
  /** YAML or JSON configuration file (used when `config` is absent). */
  configFile?: string;
  /** Fault ids, added to the config's `faults`. */
  faults?: string[];
  /** Port override (0 = random). */
  port?: number;
  /** Port when neither `port` nor the config sets one (default 0 = random). */
  defaultPort?: number;
  /** One JSON line per request; default: no request log. */
  log?: LogFn;
  /** Storage adapter (the caller closes it); default: the config's `store`, else `defaultStore`. */
  store?: Store;
  /** The store when the config names none (default: memory, fresh per instance). */
  defaultStore?: StoreConfig;
}

/**
 * Headers of every OP page: RFC 9700 §4.2.4, a Referrer-Policy keeps the page URL (authorization
 * request parameters) from other origins (fault: omitted). The framing headers come with the page
 * (sendHtml); RFC 9700 §4.16 clickjacking: fault pages-allow-framing strips them here.
 */
function pageHeaders(ctx: ProviderContext, reply: FastifyReply): void {
  if (!ctx.faults.on('pages-omit-referrer-policy')) reply.header('referrer-policy', 'no-referrer');
  if (!ctx.faults.on('pages-allow-framing')) return;
  reply.removeHeader('x-frame-options');
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp === 'string') reply.header('content-security-policy', csp.split(';').filter((d) => !/^\s*frame-ancestors\b/i.test(d)).join(';'));
}

/** Pages (HTML) vs APIs (JSON): decides how framework-level errors are rendered. */
const HTML_PREFIXES = ['/authorize', '/interaction', '/logout', '/device/'];

export async function startProvider(opts: StartOptions = {}): Promise<RunningProvider> {
  const raw = opts.config !== undefined ? opts.config : opts.configFile ? readConfigFile(opts.configFile) : {};
  const config = loadConfig(raw);
  const faultIds: FaultId[] = [...new Set([...config.faults, ...parseFaults(opts.faults ?? [])])];
  config.faults = faultIds;
  const log: LogFn = opts.log ?? (() => {});
  const store = opts.store ?? (await createStore(config.store ?? opts.defaultStore));
  const ownStore = opts.store === undefined;
  // Generated signing keys are kept in the store, so a code or token signed before a restart (or by
  // another instance on the same store) verifies after it. Configured keys stay in the config.
  // The KeyStore generated here serves as is when its keys are the ones stored (no second import).
  let generated: KeyStore | undefined;
  const stored = config.keys
    ? undefined
    : await sharedValue(store, 'signing_keys', 'initial', async () => (generated = await KeyStore.create()).keys.map((k) => k.privateJwk as Jwk), 10 * 365 * 86400);
  const keys = config.keys
    ? await KeyStore.create(config.keys)
    : generated && generated.keys.every((k, i) => k.privateJwk === stored?.[i])
      ? generated
      : await KeyStore.create(stored);
  const faults = new Faults(faultIds);
  const ctx: ProviderContext = {
    issuer: config.issuer ?? '',
    config,
    faults,
    keys,
    // The store-layer fault switches wrap it (provider/store-faults.ts); the provider closes `store`.
    store: withStoreFaults(store, faults),
    log,
    clients: new Map(config.clients.map((c) => [c.client_id, c])),
    users: config.users,
  };

  const metrics = config.metrics.enabled ? new Metrics() : undefined;

  // One log line (and one metrics observation) per request: answered, aborted, or rejected before routing.
  // Sockets with a request between onRequest and its line: a parse error on such a socket (the
  // client closed it mid-body) belongs to that request, whose line (499) says so.
  const inFlight = new WeakSet<object>();
  const finish = (raw: IncomingMessage, line: RequestLine, note: RequestNote): void => {
    if (raw.socket) inFlight.delete(raw.socket);
    if (!requestLine(log, raw, line)) return;
    metrics?.observe({ route: line.route ?? 'unmatched', method: line.method, status: line.status, seconds: line.ms / 1000, error: line.error ?? undefined, grantType: note.grant_type, issued: note.issued });
  };
  const lineOf = (req: FastifyRequest, reply: FastifyReply, status: number): RequestLine => {
    const note = noteOf(req);
    // A 404 passes through the not-found route, whose routeOptions.url is undefined.
    return { method: req.method, path: pathOf(req), route: req.routeOptions.url ?? null, status, ms: Math.round(reply.elapsedTime * 100) / 100, client_id: note.client_id ?? null, error: note.error ?? null };
  };

  // config `tls`: HTTPS on the port (provider/tls.ts), issuer https://127.0.0.1:<port>.
  const app = Fastify({
    ...(config.tls ? { https: await httpsOptions(config.tls, ctx.faults) } : {}),
    logger: false, bodyLimit: 64 * 1024, return503OnClosing: false, forceCloseConnections: true,
    // Rejected before routing (a path that is not valid percent-encoding, a parameter too long):
    // Fastify answers these without running hooks, so they are logged here.
    frameworkErrors: (error, req, reply) => {
      const client = (error as { statusCode?: number }).statusCode ?? 500;
      const err = client < 500 ? new InvalidRequest(`malformed request: ${error.message}`) : new OAuthError('server_error', 'the server could not process the request', 500);
      // Pages answer with the error page, APIs with JSON, as the error handler below does.
      if (HTML_PREFIXES.some((p) => pathOf(req).startsWith(p))) sendErrorPage(req, reply, err, client < 500 ? 400 : 500);
      else sendJsonError(req, reply, err);
      finish(req.raw, { ...lineOf(req, reply, reply.statusCode), route: null, ms: 0 }, noteOf(req));
    },
    // Malformed HTTP (bad request line or headers, headers too large, request timeout): Node's
    // parser rejects it before any request object exists; answered as Fastify would, and logged.
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const mine = !inFlight.has(socket);
      const [status, reason] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
      const body = JSON.stringify({ error: 'invalid_request', error_description: 'malformed HTTP request' });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy(err);
      // The request line may not have been read: method and path are unknown.
      const line: RequestLine = { method: '-', path: '-', route: null, status, ms: 0, client_id: null, error: 'invalid_request' };
      if (mine) finish(socket as unknown as IncomingMessage, line, {});
    },
  });
  await app.register(formbody);
  await app.register(cookie);

  // A client that goes away before the answer: the response never finishes, so onResponse does not
  // run; the line says so (status 499, as nginx logs it).
  app.addHook('onRequest', (req, reply, done) => {
    inFlight.add(req.raw.socket);
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) finish(req.raw, { ...lineOf(req, reply, 499), aborted: true }, noteOf(req));
    });
    done();
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (pathOf(req) === '/token') noStore(ctx, reply);
    if (/^text\/html\b/.test(String(reply.getHeader('content-type') ?? ''))) pageHeaders(ctx, reply);
    return payload;
  });
  app.addHook('onResponse', (req, reply, done) => {
    finish(req.raw, lineOf(req, reply, reply.statusCode), noteOf(req));
    done();
  });

  // Framework-level failures (bad content type, body too large, malformed input): a clear OAuth
  // error, never a stack trace.
  app.setErrorHandler((error: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? 400 : 500;
    const err = status === 400 ? new InvalidRequest(`malformed request: ${error.message}`) : new OAuthError('server_error', 'the server could not process the request', 500);
    if (status === 500) log(JSON.stringify({ msg: 'internal error', path: pathOf(req), error: error.message }));
    if (HTML_PREFIXES.some((p) => pathOf(req).startsWith(p))) return sendErrorPage(req, reply, err, status);
    return sendJsonError(req, reply, err);
  });
  app.setNotFoundHandler((req, reply) => {
    annotate(req, { error: 'not_found' });
    return reply.code(404).send({ error: 'not_found', error_description: `no endpoint ${req.method} ${pathOf(req)}` });
  });

  type Handler = (ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  const route = (h: Handler) => (req: FastifyRequest, reply: FastifyReply) => h(ctx, req, reply);

  app.get('/health', async () => ({ status: 'ok' }));
  // Prometheus metrics: off by default (404); when on, a bearer token from the config is required
  // (RFC 6750 §2.1 header, §3 challenge). A token rather than "loopback only": the container image
  // binds 0.0.0.0, so the network alone does not say who may read the metrics.
  if (metrics) {
    const token = config.metrics.token ?? '';
    app.get('/metrics', async (req, reply) => {
      const auth = req.headers.authorization ?? '';
      // RFC 6750 §3.1: no bearer credentials (none, or another scheme): a bare challenge, no error
      // code (SHOULD NOT); a wrong token: error="invalid_token" (§3: SHOULD include it).
      if (!/^Bearer /i.test(auth)) return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send();
      if (!token || !safeEqual(auth.slice(7).trim(), token)) {
        annotate(req, { error: 'invalid_token' });
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics", error="invalid_token"').send({ error: 'invalid_token', error_description: 'not the metrics token' });
      }
      return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(await metrics.render(ctx.store));
    });
  }
  app.get('/.well-known/openid-configuration', route(discoveryEndpoint));
  app.get('/.well-known/oauth-authorization-server', route(oauthMetadataEndpoint));
  app.get('/jwks', route(jwksEndpoint));
  app.route({ method: ['GET', 'POST'], url: '/authorize', handler: route(authorizationEndpoint) });
  app.get('/interaction/:uid', route(interactionPage));
  app.post('/interaction/:uid', route(interactionSubmit));
  app.post('/token', route(tokenEndpoint));
  // RFC 9126: pushed authorization requests (GET is answered 405 by the endpoint itself).
  app.route({ method: ['GET', 'POST'], url: '/par', handler: route(parEndpoint) });
  // RFC 6749 §3.2: the token endpoint takes POST only.
  app.get('/token', async (req, reply) => {
    if (ctx.faults.on('token-accept-get')) return route(tokenEndpoint)(req, reply);
    annotate(req, { error: 'invalid_request' });
    return reply.code(405).header('allow', 'POST').send({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  });
  app.route({ method: ['GET', 'POST'], url: '/userinfo', handler: route(userinfoEndpoint) });
  app.route({ method: ['GET', 'POST'], url: '/logout', handler: route(endSessionEndpoint) });
  app.post('/logout/confirm', route(confirmLogout));
  app.post('/admin/rotate-keys', route(rotateKeysEndpoint));
  // RFC 7009 token revocation and RFC 7662 introspection (with the RFC 9701 JWT response).
  app.post('/revoke', route(revocationEndpoint));
  app.post('/introspect', route(introspectionEndpoint));
  // RFC 7591 dynamic client registration and RFC 7592 client configuration.
  app.post('/register', route(registerEndpoint));
  app.route({ method: ['GET', 'PUT', 'DELETE'], url: '/register/:client_id', handler: route(clientConfigurationEndpoint) });
  // The protected resources (RFC 9068 JWT access tokens, DPoP RFC 9449 §7) and their RFC 9728 metadata.
  for (const p of RESOURCE_PATHS) {
    app.route({ method: ['GET', 'POST'], url: p, handler: route(resourceEndpoint) });
    app.get(`${PRM_PREFIX}${p}`, route(protectedResourceMetadataEndpoint));
  }
  // RFC 8628: device authorization and the verification pages; CIBA poll mode and its approval path.
  app.post('/device_authorization', route(deviceAuthorizationEndpoint));
  app.get('/device', route(deviceStart));
  app.get('/device/:uid', route(devicePage));
  app.post('/device/:uid', route(deviceSubmit));
  app.post('/bc-authorize', route(backchannelAuthenticationEndpoint));
  app.post('/admin/ciba/:decision', route(cibaDecisionEndpoint));

  // TOUCHSTONE_HOST: the bind address (the container image sets 0.0.0.0; its port is published on 127.0.0.1 only).
  await app.listen({ host: process.env.TOUCHSTONE_HOST || '127.0.0.1', port: opts.port ?? config.port ?? opts.defaultPort ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  ctx.issuer = config.issuer ?? `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  if (config.tls && ctx.faults.on('tls-answer-plain-http')) answerPlainHttp(app.server);

  // key_rotation.every: rotate on a timer (errors are logged, the old keys keep working).
  const every = config.key_rotation.every;
  const timer = every === undefined ? undefined : setInterval(() => {
    rotateKeys(ctx).catch((e: unknown) => log(JSON.stringify({ msg: 'key rotation failed', error: (e as Error).message })));
  }, every * 1000);
  timer?.unref();

  let closing: Promise<void> | undefined;
  return {
    issuer: ctx.issuer,
    port,
    faults: faultIds,
    config,
    close: () => (closing ??= (clearInterval(timer), app.close().then(() => (ownStore ? store.close() : undefined)))),
  };
}
