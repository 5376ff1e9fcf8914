// TLS client certificates of the plan's clients (mutual TLS, RFC 8705; issue 14). A plan client's
// `certificate` is either made for the run (`generate`: issued by the run's test CA, which needs
// `provider.tls`, or self-signed) or the user's own (`cert` / `key`: PEM text or a PEM file path,
// relative to the plan file). Private keys stay in memory and are masked in every report.
// Two roles of one client_id with the same `generate` get the same certificate.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Plan, PlanCertificate } from '../core/types.ts';
import type { TestCa } from './test-ca.ts';

export interface ClientCert {
  certPem: string;
  keyPem: string;
  /** The subject DN as RFC 4514 writes it (last RDN first), for labels and evidence. */
  subject: string;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate (what cnf.x5t#S256 carries). */
  thumbprint: string;
}

export class ClientCertError extends Error {
  override name = 'ClientCertError';
}

/** An RFC 4514 DN (`O=Touchstone,CN=client`) in certificate order (`CN=client,O=Touchstone`, openssl -subj order). */
export function certificateOrder(dn: string): string {
  return dn.split(/(?<!\\),/).map((s) => s.trim()).filter(Boolean).reverse().join(',');
}

export function describeCertificate(certPem: string, keyPem: string): ClientCert {
  const x = new X509Certificate(certPem);
  const subject = x.subject.split('\n').filter(Boolean).reverse().join(',');
  return { certPem, keyPem, subject, thumbprint: createHash('sha256').update(x.raw).digest('base64url') };
}

/** Does the plan give any client a certificate? */
export function plansClientCertificates(plan: Plan, ...more: Plan[]): boolean {
  if (more.length) return [plan, ...more].some((p) => plansClientCertificates(p));
  return Object.values(plan.clients ?? {}).some((c) => c.certificate !== undefined);
}

/** Does any client need a certificate from the run's test CA (so the provider must trust that CA)? */
export function needsTestCa(plan: Plan, ...more: Plan[]): boolean {
  if (more.length) return [plan, ...more].some((p) => needsTestCa(p));
  return Object.values(plan.clients ?? {}).some((c) => c.certificate?.generate && !c.certificate.generate.self_signed);
}

/**
 * The certificates of the plan's clients, by role. `ca`: the run's test CA (provider.tls). `made`:
 * certificates already made for the run, by client and spec (a matrix's combinations share them).
 */
export async function makeClientCertificates(plan: Plan, ca?: TestCa, made = new Map<string, ClientCert>()): Promise<Record<string, ClientCert>> {
  const out: Record<string, ClientCert> = {};
  const base = plan.file ? dirname(plan.file) : process.cwd();
  const pem = (v: string, at: string): string => {
    if (v.includes('-----BEGIN')) return v;
    try {
      return readFileSync(resolve(base, v), 'utf8');
    } catch (err) {
      throw new ClientCertError(`${at}: ${(err as Error).message}`);
    }
  };
  for (const [role, c] of Object.entries(plan.clients ?? {})) {
    const spec: PlanCertificate | undefined = c.certificate;
    if (!spec) continue;
    const at = `/clients/${role}/certificate`;
    if (spec.cert !== undefined || spec.key !== undefined) {
      if (!spec.cert || !spec.key) throw new ClientCertError(`${at}: cert and key go together`);
      out[role] = describeCertificate(pem(spec.cert, `${at}/cert`), pem(spec.key, `${at}/key`));
      continue;
    }
    const g = spec.generate!;
    const id = JSON.stringify([c.client_id, g]);
    let cert = made.get(id);
    if (!cert) {
      const subject = certificateOrder(g.subject);
      if (g.self_signed) {
        const { selfSignedClient } = await import('./test-ca.ts');
        const s = await selfSignedClient(subject, { sans: g.sans });
        cert = describeCertificate(s.certPem, s.keyPem);
      } else {
        if (!ca) throw new ClientCertError(`${at}/generate: a certificate from the run's test CA needs provider.tls (or self_signed: true)`);
        const s = await ca.issueClient(subject, { sans: g.sans, name: `client-${role}` });
        cert = describeCertificate(s.certPem, s.keyPem);
      }
      made.set(id, cert);
    }
    out[role] = cert;
  }
  return out;
}

/** base64 DER of a certificate (a JWK x5c entry, RFC 7517 §4.7). */
export function x5cOf(certPem: string): string {
  return new X509Certificate(certPem).raw.toString('base64');
}

/** The public JWK of a certificate's key with the certificate as x5c (RFC 7517 §4.7): a self-signed client's jwks entry (RFC 8705 §2.2.2). */
export function certificateJwk(certPem: string): Record<string, unknown> {
  const x = new X509Certificate(certPem);
  const jwk = x.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { ...jwk, kid: `x5t-${createHash('sha256').update(x.raw).digest('base64url').slice(0, 16)}`, use: 'sig', x5c: [x.raw.toString('base64')] };
}

/**
 * Placeholders for the certificates made for this run, in the reference provider's config or a
 * plan command: `${client_cert_jwk:<role>}` (a whole string value) becomes that certificate's JWK
 * with x5c (a self-signed client's jwks key, RFC 8705 §2.2.2); `${client_cert_x5c:<role>}` its
 * base64 DER; `${client_cert:<role>}` its PEM file (`files`) or PEM text.
 */
export function fillCertificatePlaceholders<T>(value: T, certs: Record<string, ClientCert>, files?: Record<string, string>): T {
  const whole = (s: string): unknown => {
    const m = /^\$\{client_cert_jwk:([\w-]+)\}$/.exec(s);
    return m && certs[m[1]] ? certificateJwk(certs[m[1]].certPem) : undefined;
  };
  const fill = (s: string): string =>
    s.replace(/\$\{client_cert_x5c:([\w-]+)\}/g, (m, role: string) => (certs[role] ? x5cOf(certs[role].certPem) : m))
      .replace(/\$\{client_cert:([\w-]+)\}/g, (m, role: string) => files?.[role] ?? certs[role]?.certPem ?? m);
  const walk = (v: unknown): unknown => (typeof v === 'string' ? whole(v) ?? fill(v) : Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v);
  return walk(value) as T;
}
