// Every check Touchstone has, by the names the engine imports.
export * from './discovery.ts';
export * from './jwks.ts';
export * from './token.ts';
export * from './id-token.ts';
export * from './authorization.ts';
export * from './userinfo.ts';
export * from './logout.ts';
export * from './expectation.ts';
export { parseWwwAuthenticate, type Challenge, type ParsedChallenges } from './www-authenticate.ts';
export * from './claims.ts';
export * from './device.ts';
export * from './ciba.ts';
export * from './grants.ts';
export * from './introspection.ts';
export * from './registration.ts';
export * from './par.ts';
export * from './dpop.ts';
export * from './resource.ts';
