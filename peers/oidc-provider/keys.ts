// Fixed test keys: the peer's signing keys (keys.json, generated once with jose) and the clients'
// public JWKs (client-keys.json) whose private halves the peer plans hold (plans/peer/*.yaml).
import { readFileSync } from 'node:fs';

type Jwk = Record<string, string>;

export const providerKeys: Jwk[] = JSON.parse(readFileSync(new URL('./keys.json', import.meta.url), 'utf8')).keys;

export const clientKeys: Record<string, Jwk> = JSON.parse(readFileSync(new URL('./client-keys.json', import.meta.url), 'utf8')).keys;
