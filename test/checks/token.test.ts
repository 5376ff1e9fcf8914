import { describe, expect, it } from 'vitest';
import {
  cacheControlDirectives,
  codeRedeemedOnceConcurrently,
  refreshRedeemedOnceConcurrently,
  errorResponseMatchesSchema,
  tokenResponseHasIdToken,
  tokenResponseMatchesSchema,
  tokenResponseNoStore,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

/** RFC 6749 §5.1 example response. */
const RFC6749_51 = { access_token: '2YotnFZFEjr1zCsicMWpAA', token_type: 'example', expires_in: 3600, refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIA', example_parameter: 'example_value' };
/** RFC 9449 §5 example response (DPoP-bound token). */
const RFC9449_5 = { access_token: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU', token_type: 'DPoP', expires_in: 2677, refresh_token: 'Q..Zkm29lexi8VnWg2zPW1x-tgGad0Ibc3s3EwM_Ni4-g' };
/** OIDC Core §3.1.3.3 example ID Token (truncated signature is fine: only the shape is checked). */
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.ewogImlzcyI6ICJodHRwczovL3NlcnZlci5leGFtcGxlLmNvbSIsCiAic3ViIjogIjI0ODI4OTc2MTAwMSJ9.ggW8hZ1EuVLuxNuuIJKX_V8a_OMXzR0EHR9R6jgdqrOOF4daGU96Sr_P6q';

const ok = (json: unknown, extra: Partial<{ status: number; contentType: string }> = {}) => ({ status: 200, contentType: 'application/json;charset=UTF-8', json, ...extra });

describe('tokenResponseMatchesSchema', () => {
  it('passes for a Bearer response', () => {
    const f = tokenResponseMatchesSchema(ok({ ...RFC6749_51, token_type: 'Bearer', id_token: ID_TOKEN }));
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-5.1-response');
  });
  it('passes for token_type in any case, and for the RFC 9449 DPoP example', () => {
    expectPass(tokenResponseMatchesSchema(ok({ ...RFC6749_51, token_type: 'bearer' })));
    expectPass(tokenResponseMatchesSchema(ok(RFC9449_5)));
  });
  it('notes a missing expires_in (RECOMMENDED) without failing', () => {
    const f = tokenResponseMatchesSchema(ok({ access_token: 'a', token_type: 'Bearer' }));
    expectPass(f);
    expect(f.message).toContain('expires_in');
  });
  it('fails for the RFC 6749 example token_type "example"', () => {
    const f = tokenResponseMatchesSchema(ok(RFC6749_51));
    expectFail(f, /token_type Bearer or DPoP .* found "example"/);
    expect(f.actual).toEqual({ token_type: 'example' });
  });
  it('fails for a non-200 status, naming the error', () => {
    const f = tokenResponseMatchesSchema({ status: 400, contentType: 'application/json', json: { error: 'invalid_grant' } });
    expectFail(f, /found status 400 with error="invalid_grant"/);
  });
  it('fails for a wrong or missing content type', () => {
    expectFail(tokenResponseMatchesSchema(ok(RFC9449_5, { contentType: 'text/html' })), /Content-Type "text\/html"/);
    expectFail(tokenResponseMatchesSchema({ status: 200, json: RFC9449_5 }), /no Content-Type header/);
    expectFail(tokenResponseMatchesSchema(ok(RFC9449_5, { contentType: 'application/jsonp' })), /application\/jsonp/);
  });
  it('fails for schema violations', () => {
    const f = tokenResponseMatchesSchema(ok({ token_type: 'Bearer', expires_in: '3600', id_token: 'not-a-jwt' }));
    expectFail(f);
    expect(f.actual).toEqual(
      expect.arrayContaining(["(root) must have required property 'access_token'", '/expires_in must be integer', expect.stringMatching(/^\/id_token must match pattern/)]),
    );
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(tokenResponseMatchesSchema(ok(v))));
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => expectFail(tokenResponseMatchesSchema(v as never)));
});

describe('tokenResponseNoStore', () => {
  it.each(['no-store', 'no-cache, no-store', 'No-Store', 'private,NO-STORE, max-age=0', 'max-age=0 , no-store'])('passes for %j', (v) => {
    const f = tokenResponseNoStore({ 'cache-control': v, pragma: 'no-cache' });
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-5.1-no-store');
  });
  it('reads the header name case-insensitively', () => expectPass(tokenResponseNoStore({ 'Cache-Control': 'no-store' })));
  it('fails without Cache-Control', () => {
    const f = tokenResponseNoStore({ 'content-type': 'application/json', pragma: 'no-cache' });
    expectFail(f, /found no Cache-Control header/);
  });
  it.each(['no-cache', 'max-age=0, must-revalidate', 'no-storex', 'private, no-cache="set-cookie, no-store"'])('fails for %j', (v) => {
    const f = tokenResponseNoStore({ 'cache-control': v });
    expectFail(f, /expected Cache-Control to contain no-store/);
    expect(f.actual).toBe(v);
  });
  it('parses directives respecting quoted strings', () => {
    expect(cacheControlDirectives('private, no-cache="set-cookie, no-store", max-age=0')).toEqual(['private', 'no-cache', 'max-age']);
  });
  it.each(HOSTILE)('fails without throwing on hostile headers %#', (v) => expectFail(tokenResponseNoStore(v as never)));
  it('ignores non-string header values', () => expectFail(tokenResponseNoStore({ 'cache-control': 42 } as never)));
});

describe('tokenResponseHasIdToken', () => {
  it('passes for a JWS id_token', () => {
    const f = tokenResponseHasIdToken({ ...RFC9449_5, id_token: ID_TOKEN });
    expectPass(f);
    expect(f.citation.id).toBe('OIDCC-3.1.3.3-token-response');
  });
  it('passes for a JWE id_token', () => expectPass(tokenResponseHasIdToken({ id_token: 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d' })));
  it('fails without id_token', () => expectFail(tokenResponseHasIdToken(RFC9449_5), /expected an id_token .* found none/));
  it.each([42, '', 'abc', 'a.b', 'a.b.c.d', '.b.c', 'a b.c.d', 'x'.repeat(100_000)])('fails for id_token %#', (t) => {
    expectFail(tokenResponseHasIdToken({ id_token: t }));
  });
  it.each(HOSTILE)('fails without throwing on hostile input %#', (v) => expectFail(tokenResponseHasIdToken(v)));
});

describe('errorResponseMatchesSchema', () => {
  const err = (status: number, json: unknown, contentType = 'application/json') => ({ status, json, contentType });
  it('passes for the RFC 6749 §5.2 example', () => {
    const f = errorResponseMatchesSchema(err(400, { error: 'invalid_request' }));
    expectPass(f);
    expect(f.citation.id).toBe('RFC6749-5.2-error');
    expect(f.actual).toEqual({ status: 400, error: 'invalid_request', registered: true });
  });
  it('passes for 401 invalid_client with description and uri', () => {
    expectPass(errorResponseMatchesSchema(err(401, { error: 'invalid_client', error_description: 'Client authentication failed', error_uri: 'https://op.example.com/errors/1' })));
  });
  it('passes for an unregistered but well-formed code, saying so', () => {
    const f = errorResponseMatchesSchema(err(400, { error: 'vendor_specific' }));
    expectPass(f);
    expect(f.message).toContain('not a registered');
  });
  it('fails for 401 with an error other than invalid_client', () => {
    expectFail(errorResponseMatchesSchema(err(401, { error: 'invalid_grant' })), /status 400 for error="invalid_grant"/);
  });
  it('fails for a 200 or 500 status', () => {
    expectFail(errorResponseMatchesSchema(err(200, { error: 'invalid_grant' })), /400 or 401, found 200/);
    expectFail(errorResponseMatchesSchema(err(500, { error: 'server_error' })), /found 500/);
  });
  it('fails for HTML errors', () => expectFail(errorResponseMatchesSchema(err(400, undefined, 'text/html; charset=utf-8')), /text\/html/));
  it('fails for schema violations', () => {
    expectFail(errorResponseMatchesSchema(err(400, { error_description: 'no code' })), /must have required property 'error'/);
    expectFail(errorResponseMatchesSchema(err(400, { error: 'bad"quote' })), /\/error must match pattern/);
    expectFail(errorResponseMatchesSchema(err(400, { error: 'invalid_grant', error_description: 'caf\u00e9' })), /\/error_description must match pattern/);
    expectFail(errorResponseMatchesSchema(err(400, { error: 'invalid_grant', error_uri: 'not a uri' })), /\/error_uri must match format "uri"/);
    expectFail(errorResponseMatchesSchema(err(400, { error: ['invalid_grant'] })), /\/error must be string/);
  });
  it.each(HOSTILE)('fails without throwing on hostile json %#', (v) => expectFail(errorResponseMatchesSchema(err(400, v))));
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => expectFail(errorResponseMatchesSchema(v as never)));
});

describe('codeRedeemedOnceConcurrently / refreshRedeemedOnceConcurrently', () => {
  it('pass when exactly one of the concurrent requests is served and the rest refused', () => {
    expectPass(codeRedeemedOnceConcurrently({ statuses: [400, 200, 400, 400] }));
    expectPass(refreshRedeemedOnceConcurrently({ statuses: [200, 400] }));
  });
  it('fail when the credential is redeemed more than once', () => {
    expectFail(codeRedeemedOnceConcurrently({ statuses: [200, 200, 400] }), /found 2: .*more than once/);
    expectFail(refreshRedeemedOnceConcurrently({ statuses: [200, 200] }), /more than once/);
  });
  it('fail when none is served, or another answer than a 4xx comes back', () => {
    expectFail(codeRedeemedOnceConcurrently({ statuses: [400, 400] }), /found none/);
    expectFail(codeRedeemedOnceConcurrently({ statuses: [200, 500, 400] }), /other requests refused with a 4xx, found statuses 200, 500, 400/);
  });
  it.each(HOSTILE)('fails cleanly for hostile input %#', (v) => {
    expectFail(codeRedeemedOnceConcurrently({ statuses: v as number[] }));
    expectFail(refreshRedeemedOnceConcurrently(v as { statuses: number[] }));
  });
});
