// Clients for the DPoP and resource tests: the defaults plus a client_credentials client, a
// client that must use DPoP (RFC 9449 §5.2), and the default public client.
import { DEFAULT_CLIENTS } from '../../provider/config.ts';

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const DEFAULT_API_CLIENTS: Record<string, unknown>[] = [
  ...DEFAULT_CLIENTS.map((c) => ({ ...c })),
  { client_id: 'touchstone-api', client_secret: 'touchstone-api-secret', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read' },
  { client_id: 'touchstone-dpop', client_secret: 'touchstone-dpop-secret', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read', dpop_bound_access_tokens: true },
];
