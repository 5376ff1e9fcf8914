// Browser state: a long-lived random browser id (binds interactions and CSRF tokens to one
// browser) and the OP session (random id in an HttpOnly SameSite=Lax cookie, record in the store).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderContext } from './context.ts';
import { randomToken } from './http.ts';

export const BROWSER_COOKIE = 'ts_browser';
export const SESSION_COOKIE = 'ts_session';

export interface Session {
  id: string;
  sub: string;
  authTime: number;
  /** client_id -> scopes the End-User consented to in this session. */
  consents: Record<string, string[]>;
}

const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const };

/** The browser id from its cookie, set when absent. */
export function browserId(req: FastifyRequest, reply: FastifyReply): string {
  const existing = req.cookies[BROWSER_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
  const id = randomToken(24);
  reply.setCookie(BROWSER_COOKIE, id, { ...cookieOpts, maxAge: 60 * 60 * 24 * 30 });
  return id;
}

/** The browser id only if the cookie is already there (POSTs must not mint a new one). */
export function existingBrowserId(req: FastifyRequest): string | undefined {
  return req.cookies[BROWSER_COOKIE];
}

export async function loadSession(ctx: ProviderContext, req: FastifyRequest): Promise<Session | undefined> {
  const id = req.cookies[SESSION_COOKIE];
  if (!id) return undefined;
  return ctx.store.get<Session>('session', id);
}

/** A fresh session id at every login (prevents session fixation). */
export async function startSession(ctx: ProviderContext, reply: FastifyReply, previous: Session | undefined, sub: string): Promise<Session> {
  if (previous) await ctx.store.delete('session', previous.id);
  const session: Session = {
    id: randomToken(32),
    sub,
    authTime: Math.floor(Date.now() / 1000),
    consents: previous && previous.sub === sub ? previous.consents : {},
  };
  await saveSession(ctx, session);
  reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOpts, maxAge: ctx.config.ttl.session });
  return session;
}

export async function saveSession(ctx: ProviderContext, session: Session): Promise<void> {
  await ctx.store.set('session', session.id, session, ctx.config.ttl.session);
}

export async function endSession(ctx: ProviderContext, reply: FastifyReply, session: Session | undefined): Promise<void> {
  if (session) await ctx.store.delete('session', session.id);
  reply.clearCookie(SESSION_COOKIE, cookieOpts);
}
