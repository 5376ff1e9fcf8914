// Helpers for the back-channel grant and token management tests: a provider config with
// client-credentials clients, and one function per endpoint (token, revoke, introspect, register).
import { request } from 'undici';
import { DEFAULT_CLIENTS } from '../../provider/config.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { basic, tokenRequest, type JsonRes } from './helpers.ts';

export const SERVICE = { client_id: 'touchstone-service', client_secret: 'touchstone-service-secret' };
export const SERVICE_2 = { client_id: 'touchstone-service-2', client_secret: 'touchstone-service-secret-2' };

/** The default clients plus two confidential client-credentials clients with a registered scope. */
export const CC_CONFIG: Record<string, unknown> = {
  clients: [
    ...DEFAULT_CLIENTS.map((c) => ({ ...c })),
    { ...SERVICE, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://service.example/cb'], grant_types: ['client_credentials'], scope: 'api:read api:write' },
    { ...SERVICE_2, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://service2.example/cb'], grant_types: ['client_credentials'], scope: 'api:read' },
    // A public client registered for client_credentials: the provider must still refuse it (RFC 6749 §4.4).
    { client_id: 'touchstone-public-service', token_endpoint_auth_method: 'none', redirect_uris: ['https://service3.example/cb'], grant_types: ['client_credentials'], scope: 'api:read' },
  ],
  // Open registration is off by default; the registration tests use it.
  registration: { enabled: true },
};

export function authOf(c: { client_id: string; client_secret: string }): Record<string, string> {
  return { authorization: basic(c.client_id, c.client_secret) };
}

export async function ccToken(op: RunningProvider, c = SERVICE, form: Record<string, string | undefined> = {}): Promise<JsonRes> {
  return tokenRequest(op, { grant_type: 'client_credentials', ...form }, authOf(c));
}

/** Status, headers, the body as text, and as a JSON object ({} when it is not one). */
async function readJson(r: Awaited<ReturnType<typeof request>>): Promise<JsonRes & { text: string }> {
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  return { status: r.statusCode, headers: r.headers, json, text };
}

async function post(op: RunningProvider, path: string, form: Record<string, string | undefined>, headers: Record<string, string>): Promise<JsonRes & { text: string }> {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const r = await request(`${op.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return readJson(r);
}

export function revoke(op: RunningProvider, form: Record<string, string | undefined>, headers: Record<string, string> = authOf(SERVICE)) {
  return post(op, '/revoke', form, headers);
}

export function introspect(op: RunningProvider, form: Record<string, string | undefined>, headers: Record<string, string> = authOf(SERVICE)) {
  return post(op, '/introspect', form, headers);
}

/** A JSON request to the registration endpoint (POST) or a client configuration URI (GET, PUT, DELETE). */
export async function registration(url: string, method: 'POST' | 'GET' | 'PUT' | 'DELETE', body?: unknown, token?: string): Promise<JsonRes & { text: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return readJson(r);
}
