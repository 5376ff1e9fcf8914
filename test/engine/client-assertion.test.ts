// The client assertion mutations of with.assertion (harness/engine/steps/token.ts), used by the
// FAPI negatives at the PAR and token endpoints: each mutation changes exactly what it names.
import { describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { assertionAudience, clientAuthentication, reissueAssertion } from '../../harness/engine/steps/token.ts';
import type { PlanClient } from '../../harness/core/types.ts';

const ISSUER = 'http://127.0.0.1:9400';
const META = { token_endpoint: `${ISSUER}/token`, pushed_authorization_request_endpoint: `${ISSUER}/par` };

async function rsaClient(): Promise<{ client: PlanClient; publicJwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
  const client: PlanClient = { client_id: 'fapi-client', auth: 'private_key_jwt', jwk: { ...(await exportJWK(privateKey)), alg: 'PS256', kid: 'k1' }, redirect_uri: 'https://client.example/cb' };
  return { client, publicJwk: { ...(await exportJWK(publicKey)), kid: 'k1' } };
}

describe('assertionAudience', () => {
  it('maps issuer, token_endpoint, par_endpoint, array and literal URLs', () => {
    expect(assertionAudience(undefined, ISSUER, META)).toBe(ISSUER);
    expect(assertionAudience('token_endpoint', ISSUER, META)).toBe(`${ISSUER}/token`);
    expect(assertionAudience('par_endpoint', ISSUER, META)).toBe(`${ISSUER}/par`);
    expect(assertionAudience('array', ISSUER, META)).toEqual([ISSUER, `${ISSUER}/token`]);
    expect(assertionAudience('https://other.example/', ISSUER, META)).toBe('https://other.example/');
  });
});

describe('clientAuthentication with.assertion', () => {
  it('by default signs iss = sub = client_id, aud, jti, exp with the key alg', async () => {
    const { client, publicJwk } = await rsaClient();
    const { form } = await clientAuthentication(client, ISSUER);
    expect(form.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(form.client_assertion, await importJWK(publicJwk, 'PS256'), { issuer: 'fapi-client', subject: 'fapi-client', audience: ISSUER });
    expect(protectedHeader.alg).toBe('PS256');
    expect(typeof payload.jti).toBe('string');
    expect(payload.nbf).toBeUndefined();
  });

  it('alg RS256 signs with the same RSA key under RS256', async () => {
    const { client, publicJwk } = await rsaClient();
    const { form } = await clientAuthentication(client, ISSUER, undefined, { alg: 'RS256' });
    expect(decodeProtectedHeader(form.client_assertion).alg).toBe('RS256');
    await expect(jwtVerify(form.client_assertion, await importJWK(publicJwk, 'RS256'))).resolves.toBeTruthy();
  });

  it('exp_offset, nbf_offset and omit change only those claims', async () => {
    const { client } = await rsaClient();
    const now = Math.floor(Date.now() / 1000);
    const expired = decodeJwt((await clientAuthentication(client, ISSUER, undefined, { exp_offset: -300 })).form.client_assertion);
    expect(expired.exp! - now).toBeLessThanOrEqual(-299);
    expect(expired.iat!).toBeLessThan(expired.exp!);
    const future = decodeJwt((await clientAuthentication(client, ISSUER, undefined, { nbf_offset: 70 })).form.client_assertion);
    expect(future.nbf! - now).toBeGreaterThanOrEqual(69);
    const noSub = decodeJwt((await clientAuthentication(client, ISSUER, undefined, { omit: ['sub'] })).form.client_assertion);
    expect(noSub.sub).toBeUndefined();
    expect(noSub.iss).toBe('fapi-client');
  });

  it('an array audience is signed as an array; none sends only client_id', async () => {
    const { client } = await rsaClient();
    const arr = decodeJwt((await clientAuthentication(client, assertionAudience('array', ISSUER, META))).form.client_assertion);
    expect(arr.aud).toEqual([ISSUER, `${ISSUER}/token`]);
    expect((await clientAuthentication(client, ISSUER, undefined, { none: true })).form).toEqual({ client_id: 'fapi-client' });
  });
});

describe('clientAuthentication: alg none, bad_signature, iat_offset (RFC 7523 §3 items 6, 9)', () => {
  it('alg none is an unsecured JWT with the usual claims and an empty signature; a reissue stays unsecured', async () => {
    const { client } = await rsaClient();
    const { form } = await clientAuthentication(client, ISSUER, undefined, { alg: 'none' });
    expect(decodeProtectedHeader(form.client_assertion).alg).toBe('none');
    expect(form.client_assertion.endsWith('.')).toBe(true);
    expect(decodeJwt(form.client_assertion).iss).toBe('fapi-client');
    const again = await reissueAssertion(form, client);
    expect(decodeProtectedHeader(again.client_assertion).alg).toBe('none');
    expect(decodeJwt(again.client_assertion).jti).not.toBe(decodeJwt(form.client_assertion).jti);
  });

  it('bad_signature does not verify with the client key, and a reissue (new jti) stays broken', async () => {
    const { client, publicJwk } = await rsaClient();
    const { form } = await clientAuthentication(client, ISSUER, undefined, { bad_signature: true });
    await expect(jwtVerify(form.client_assertion, await importJWK(publicJwk, 'PS256'))).rejects.toThrow(/signature/);
    const again = await reissueAssertion(form, client);
    await expect(jwtVerify(again.client_assertion, await importJWK(publicJwk, 'PS256'))).rejects.toThrow(/signature/);
    // A valid assertion reissued stays valid.
    const good = await reissueAssertion((await clientAuthentication(client, ISSUER)).form, client);
    await expect(jwtVerify(good.client_assertion, await importJWK(publicJwk, 'PS256'))).resolves.toBeTruthy();
  });

  it('iat_offset moves iat only (no nbf), keeping exp 60 s after a future iat', async () => {
    const { client } = await rsaClient();
    const now = Math.floor(Date.now() / 1000);
    const c = decodeJwt((await clientAuthentication(client, ISSUER, undefined, { iat_offset: 70 })).form.client_assertion);
    expect(c.iat! - now).toBeGreaterThanOrEqual(69);
    expect(c.nbf).toBeUndefined();
    expect(c.exp! - c.iat!).toBe(60);
    const past = decodeJwt((await clientAuthentication(client, ISSUER, undefined, { iat_offset: -86400 })).form.client_assertion);
    expect(now - past.iat!).toBeGreaterThanOrEqual(86399);
    expect(past.exp! - now).toBeGreaterThanOrEqual(59);
  });
});
