// The state of one provider instance, passed to every endpoint.
import type { ClientConfig, ResolvedConfig, UserConfig } from './config.ts';
import type { Faults } from './faults.ts';
import type { KeyStore } from './keys.ts';
import type { LogFn } from './log.ts';
import type { Store } from './store.ts';

export interface ProviderContext {
  /** Set once the server listens (derived from the port when the config has none). */
  issuer: string;
  config: ResolvedConfig;
  faults: Faults;
  keys: KeyStore;
  store: Store;
  log: LogFn;
  /** The clients of the config; registered clients live in the store (findClient). */
  clients: ReadonlyMap<string, ClientConfig>;
  users: readonly UserConfig[];
}

export const SCOPES_SUPPORTED = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] as const;

/** Which claims each scope releases (OIDC Core §5.4). */
export const SCOPE_CLAIMS: Record<string, readonly string[]> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** A dynamically registered client as stored (kind `client`): shared by every instance on the store. */
export interface RegisteredClient {
  client: ClientConfig;
  /** sha256 of the registration access token (compared in constant time). */
  tokenHash: string;
  /** RFC 7592 §3: every client information response carries the registration access token. */
  token: string;
  issuedAt: number;
  /** The metadata as registered (what GET answers). */
  metadata: Record<string, unknown>;
}

/** A client of the config, else a registered one from the store. */
export async function findClient(ctx: ProviderContext, clientId: string): Promise<ClientConfig | undefined> {
  return ctx.clients.get(clientId) ?? (await ctx.store.get<RegisteredClient>('client', clientId))?.client;
}

export function endpoint(ctx: ProviderContext, path: string): string {
  return `${ctx.issuer}${path}`;
}
