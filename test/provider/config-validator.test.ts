// The precompiled configuration validator (provider/config.validate.cjs, written by
// scripts/gen-config-validator.ts) is generated from the current schema, and answers exactly as
// ajv compiling the schema at start does: same verdicts, same errors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, CONFIG_SCHEMA_SHA256, configValidatorSource } from '../../provider/config.ts';

const require = createRequire(import.meta.url);
type Validator = ((d: unknown) => boolean) & { errors?: unknown[] | null };

describe('precompiled config validator', () => {
  it('is up to date with provider/config.schema.json (else: node scripts/gen-config-validator.ts)', () => {
    const file = readFileSync(new URL('../../provider/config.validate.cjs', import.meta.url), 'utf8');
    expect(file.includes(`schema-sha256: ${CONFIG_SCHEMA_SHA256}`)).toBe(true);
    expect(file).toBe(configValidatorSource());
  });

  it('gives the verdicts and errors of a validator compiled from the schema now', () => {
    const pre = require('../../provider/config.validate.cjs') as Validator;
    const Ajv = require('ajv/dist/2020.js').default;
    const ajv = new Ajv({ allErrors: true, strict: true });
    require('ajv-formats').default(ajv);
    const fresh = ajv.compile(CONFIG_SCHEMA) as Validator;
    const samples: unknown[] = [
      {}, { port: 9400 }, { port: 'x' }, { issuer: 'http://x/?q' }, { ttl: { code: 0 } }, { colour: 'red' },
      { clients: [{ client_id: 'a', client_secret: 'secret-123', redirect_uris: ['not a uri'] }] },
      { clients: [{ redirect_uris: ['https://a/cb'], token_endpoint_auth_method: 'magic' }] },
      { metrics: { enabled: true } }, { metrics: { enabled: true, token: 'metrics-token-0123456789' } }, { metrics: { enabled: false } },
      { registration: { enabled: true, initial_access_token: 'short' } }, { dpop: { algs: ['ES256'], nonce: { token: true } } },
    ];
    for (const s of samples) {
      expect(pre(s), JSON.stringify(s)).toBe(fresh(s));
      expect(pre.errors ?? null).toEqual(fresh.errors ?? null);
    }
  });
});
