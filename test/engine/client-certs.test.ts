// Plan client certificates (harness/engine/client-certs.ts) and the reference provider's subject
// matching (provider/mtls.ts, RFC 8705 §2.1.2): real certificates from openssl, no mocks.
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateJwk, certificateOrder, fillCertificatePlaceholders, makeClientCertificates } from '../../harness/engine/client-certs.ts';
import { makeTestCa } from '../../harness/engine/test-ca.ts';
import type { Plan } from '../../harness/core/types.ts';
import { rfc4514Rdns, subjectMatches } from '../../provider/mtls.ts';
import type { ClientConfig } from '../../provider/config.ts';

const ca = await makeTestCa();
afterAll(() => ca.remove());
const client = (certificate: unknown, client_id = 'c') => ({ client_id, auth: 'tls_client_auth', redirect_uri: 'https://client.example/cb', certificate });
const plan = (clients: Record<string, unknown>) => ({ clients } as unknown as Plan);

describe('client certificates made for a run', () => {
  it('RFC 4514 DNs are reversed into certificate order', () => {
    expect(certificateOrder('O=Touchstone,CN=mtls-client')).toBe('CN=mtls-client,O=Touchstone');
    expect(rfc4514Rdns('O=Touchstone, cn=mtls-client')).toEqual(['CN=mtls-client', 'O=Touchstone']);
  });
  it('issues from the test CA with the subject and SANs, self-signs, and shares one certificate between roles of one client', async () => {
    const gen = { generate: { subject: 'O=Touchstone,CN=mtls-client', sans: ['DNS:client.example', 'URI:https://client.example/id'] } };
    const certs = await makeClientCertificates(plan({ main: client(gen), service: client(gen), self: client({ generate: { subject: 'CN=self', self_signed: true } }) }), ca);
    const x = new X509Certificate(certs.main.certPem);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(certs.main.subject).toBe('O=Touchstone,CN=mtls-client');
    expect(certs.service).toBe(certs.main);
    expect(certs.main.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const self = new X509Certificate(certs.self.certPem);
    expect([self.issuer, self.verify(self.publicKey)]).toEqual([self.subject, true]);
    // RFC 8705 §2.1.2: the registered subject DN (RFC 4514) or one SAN value matches; another does not.
    const cfg = (m: Partial<ClientConfig>) => ({ client_id: 'c', token_endpoint_auth_method: 'tls_client_auth', ...m }) as ClientConfig;
    expect(subjectMatches(cfg({ tls_client_auth_subject_dn: 'O=Touchstone,CN=mtls-client' }), x)).toBe(true);
    expect(subjectMatches(cfg({ tls_client_auth_subject_dn: 'CN=mtls-client,O=Touchstone' }), x)).toBe(false);
    expect(subjectMatches(cfg({ tls_client_auth_san_dns: 'client.example' }), x)).toBe(true);
    expect(subjectMatches(cfg({ tls_client_auth_san_uri: 'https://client.example/id' }), x)).toBe(true);
    expect(subjectMatches(cfg({ tls_client_auth_san_dns: 'other.example' }), x)).toBe(false);
    // ${client_cert_jwk:<role>} becomes the certificate's public JWK with x5c; unknown roles stay.
    const filled = fillCertificatePlaceholders({ keys: ['${client_cert_jwk:self}', '${client_cert_jwk:nobody}'], x: 'a ${client_cert_x5c:self} b' }, certs);
    expect(filled.keys[0]).toEqual(certificateJwk(certs.self.certPem));
    expect((filled.keys[0] as unknown as { x5c: string[] }).x5c[0]).toBe(self.raw.toString('base64'));
    expect(filled.keys[1]).toBe('${client_cert_jwk:nobody}');
    expect(filled.x).toBe(`a ${self.raw.toString('base64')} b`);
  });
  it('refuses a CA-issued certificate without the run\'s test CA, and a cert without its key', async () => {
    await expect(makeClientCertificates(plan({ main: client({ generate: { subject: 'CN=x' } }) }))).rejects.toThrow(/provider.tls/);
    await expect(makeClientCertificates(plan({ main: client({ cert: '-----BEGIN CERTIFICATE-----' }) }))).rejects.toThrow(/cert and key go together/);
  });
});
