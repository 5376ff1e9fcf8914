// An https target (issue 13): plan provider.tls makes a test CA for the run, the provider serves
// https with a certificate it issued, the back channel trusts that CA only (not Node's roots, and
// never with verification off), and the CA's private directory is gone after the run.
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { HttpClient } from '../../harness/engine/http.ts';
import { makeTestCa } from '../../harness/engine/test-ca.ts';
import { startTarget } from '../../harness/engine/target.ts';
import { startInProcess } from '../in-process.ts';

const PLAN = new URL('../../plans/security-review-tls.yaml', import.meta.url).pathname;

it('the test CA issues server and client certificates in a 0700 directory, removed on remove()', async () => {
  const ca = await makeTestCa();
  try {
    expect(statSync(ca.dir).mode & 0o777).toBe(0o700);
    const server = await ca.issueServer(['127.0.0.1', 'localhost']);
    const x = new X509Certificate(server.certPem);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    // issue 14 (mTLS): a client certificate from the same CA.
    const client = await ca.issueClient('CN=client-1,O=Touchstone');
    const c = new X509Certificate(client.certPem);
    expect(c.subject).toContain('CN=client-1');
    expect(c.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
  } finally {
    await ca.remove();
  }
  expect(existsSync(ca.dir)).toBe(false);
});

it('provider.tls: an https issuer, its CA trusted by the back channel only, removed after stop', async () => {
  const plan = await loadPlan(PLAN);
  const target = await startTarget(plan, { inProcess: startInProcess });
  try {
    expect(target.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(target.ca).toMatch(/BEGIN CERTIFICATE/);
    const trusting = new HttpClient([new URL(target.issuer).origin], {}, { ca: target.ca });
    const ok = await trusting.send(`${target.issuer}/.well-known/openid-configuration`, { step: 's', label: 'discovery' });
    expect(ok.response?.status).toBe(200);
    expect((ok.response?.json as { issuer?: string }).issuer).toBe(target.issuer);
    // Node's roots do not know the run's CA: without it the same request fails verification.
    const plain = new HttpClient([new URL(target.issuer).origin]);
    const refused = await plain.send(`${target.issuer}/.well-known/openid-configuration`, { step: 's', label: 'discovery' });
    expect(refused.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|unable to verify/i);
    await Promise.all([trusting.close(), plain.close()]);
  } finally {
    await target.stop();
  }
});

it('provider.ca: an external https issuer with the CA file the plan names', async () => {
  const plan = await loadPlan(PLAN);
  const own = await startTarget(plan, { inProcess: startInProcess });
  const dir = mkdtempSync(join(tmpdir(), 'touchstone-ca-file-'));
  writeFileSync(join(dir, 'ca.pem'), own.ca!);
  try {
    const ext = await startTarget({ ...plan, file: join(dir, 'plan.yaml'), provider: { launch: 'external', issuer: own.issuer, ca: 'ca.pem' } });
    expect(ext.ca).toBe(own.ca);
    await expect(startTarget({ ...plan, file: join(dir, 'plan.yaml'), provider: { launch: 'external', issuer: own.issuer, ca: 'missing.pem' } })).rejects.toThrow(/provider\/ca/);
  } finally {
    await own.stop();
  }
});
