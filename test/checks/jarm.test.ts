import { describe, expect, it } from 'vitest';
import {
  jarmChannel,
  jarmChecks,
  jarmFapiAlg,
  jarmParamsOnlyInJwt,
  jarmResponseAud,
  jarmResponseExp,
  jarmResponseInMode,
  jarmResponseIss,
  jarmResponseLifetime,
  jarmResponseParams,
  jarmResponseSigned,
  type JarmEvidence,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const NOW = 1700000000;
/** The JARM §2.1 example for response type code, as a client received it in the query. */
const good: JarmEvidence = {
  mode: 'jwt', advertised: true, method: 'GET', query: ['response'], fragment: [], form: [],
  header: { alg: 'PS256', kid: 'k1' },
  claims: { iss: 'https://accounts.example.com', aud: 's6BhdRkqt3', exp: NOW + 300, code: 'PyyFaux2o7Q0YfXBU32jhw.5FXSQpvr8akv9CeRDSd0QA', state: 'S8NJ7uqk5fY4EjNvP_G_FtyJu6pUsvH9jsYni9dMAJw' },
  verified: true, issuer: 'https://accounts.example.com', clientId: 's6BhdRkqt3', sentState: 'S8NJ7uqk5fY4EjNvP_G_FtyJu6pUsvH9jsYni9dMAJw', now: NOW,
};
const withClaims = (c: Record<string, unknown>, drop: string[] = []) => {
  const claims = { ...good.claims, ...c };
  for (const k of drop) delete claims[k];
  return { ...good, claims };
};

describe('JARM response mode channel (JARM §2.3)', () => {
  it('jwt is query.jwt for code, fragment.jwt otherwise', () => {
    expect(jarmChannel('jwt')).toBe('query');
    expect(jarmChannel('jwt', 'code id_token')).toBe('fragment');
    expect(jarmChannel('form_post.jwt')).toBe('form');
  });
  it('passes with response in the mode\'s channel', () => {
    expectPass(jarmResponseInMode(good));
    expectPass(jarmResponseInMode({ ...good, mode: 'fragment.jwt', query: [], fragment: ['response'] }));
    expectPass(jarmResponseInMode({ ...good, mode: 'form_post.jwt', method: 'POST', query: [], form: ['response'] }));
  });
  it('fails with the JWT in the wrong channel, or a plain response to an advertised mode', () => {
    expectFail(jarmResponseInMode({ ...good, mode: 'form_post.jwt' }), /form POSTed/);
    expectFail(jarmResponseInMode({ ...good, mode: 'fragment.jwt' }));
    expectFail(jarmResponseInMode({ ...good, query: ['error', 'state', 'iss'] }), /advertised/);
    for (const h of HOSTILE) expectFail(jarmResponseInMode(h as JarmEvidence));
  });
  it('notes a plain answer to a mode the OP does not advertise as not supported', () => {
    const f = jarmResponseInMode({ ...good, advertised: false, query: ['code', 'state'] });
    expect(f.ok).toBe(true);
    expect(f.info).toBe(true);
  });
});

describe('JARM signature (JARM §2.2, §2.4)', () => {
  it('passes for a verified JWS', () => expectPass(jarmResponseSigned(good)));
  it('fails for alg none, an unverified signature, or no JWT', () => {
    expectFail(jarmResponseSigned({ ...good, header: { alg: 'none' }, verified: false }), /alg/);
    expectFail(jarmResponseSigned({ ...good, verified: false, error: 'ERR_JWKS_NO_MATCHING_KEY' }), /JWKS/);
    expectFail(jarmResponseSigned({ ...good, header: null, claims: null }));
    for (const h of HOSTILE) expectFail(jarmResponseSigned(h as JarmEvidence));
  });
});

describe('JARM claims (JARM §2.1)', () => {
  it('passes iss, aud (string or array), exp, lifetime and params for the §2.1 example', () => {
    for (const c of [jarmResponseIss, jarmResponseAud, jarmResponseExp, jarmResponseLifetime, jarmResponseParams]) expectPass(c(good));
    expectPass(jarmResponseAud(withClaims({ aud: ['other', 's6BhdRkqt3'] })));
    expectPass(jarmResponseParams(withClaims({ error: 'access_denied' }, ['code'])));
    expectPass(jarmResponseParams({ ...withClaims({}, ['state']), sentState: undefined }));
  });
  it('fails a missing or wrong iss, aud, exp', () => {
    expectFail(jarmResponseIss(withClaims({}, ['iss'])), /no iss/);
    expectFail(jarmResponseIss(withClaims({ iss: 'https://attacker.example' })));
    expectFail(jarmResponseAud(withClaims({}, ['aud'])), /no aud/);
    expectFail(jarmResponseAud(withClaims({ aud: 'other-client' })));
    expectFail(jarmResponseExp(withClaims({}, ['exp'])));
    expectFail(jarmResponseExp(withClaims({ exp: NOW - 120 })), /expired/);
    expectFail(jarmResponseLifetime(withClaims({ exp: NOW + 3600 })), /10 minutes/);
  });
  it('fails without code or error, or without the state sent', () => {
    expectFail(jarmResponseParams(withClaims({}, ['code'])), /code or an error/);
    expectFail(jarmResponseParams(withClaims({}, ['state'])), /state/);
    expectFail(jarmResponseParams(withClaims({ state: 'other' })), /state/);
  });
  it('never throws on hostile evidence', () => {
    for (const c of [jarmResponseIss, jarmResponseAud, jarmResponseExp, jarmResponseLifetime, jarmResponseParams]) for (const h of HOSTILE) expectFail(c(h as JarmEvidence));
  });
});

describe('FAPI 2.0 JARM rules', () => {
  it('passes PS256 and only the response parameter at the redirect_uri', () => {
    expectPass(jarmFapiAlg(good));
    expectPass(jarmParamsOnlyInJwt(good));
  });
  it('fails RS256 and plain parameters beside the JWT', () => {
    expectFail(jarmFapiAlg({ ...good, header: { alg: 'RS256' } }), /PS256/);
    expectFail(jarmParamsOnlyInJwt({ ...good, query: ['response', 'iss'] }), /iss/);
  });
  it('jarmChecks adds the FAPI checks only when asked', () => {
    expect(jarmChecks(false).map((c) => c.id)).not.toContain('jarm-fapi-alg');
    expect(jarmChecks(true).map((c) => c.id)).toContain('jarm-params-only-in-jwt');
  });
});
