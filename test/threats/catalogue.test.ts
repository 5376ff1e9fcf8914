// The threat catalogue and the OAuch map (harness/threats/catalogue.yaml) against the guide
// (../shared/guide/oauch.md) and the suites: every OAuch test of the guide appears exactly once,
// every module it names exists, every threat of the guide is in the catalogue with its title, and
// every module's `threats:` names catalogue threats (an unknown one is a load error naming both).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseCatalogue, threatCatalogue, threatProblems } from '../../harness/threats/catalogue.ts';
import { loadCatalog } from '../../harness/engine/catalog.ts';
import { planEdits, planError } from '../plan/helpers.ts';

const GUIDE = new URL('../../../shared/guide/oauch.md', import.meta.url).pathname;

function guide(): { tests: string[]; threats: Map<string, string> } | undefined {
  let text: string;
  try {
    text = readFileSync(GUIDE, 'utf8');
  } catch {
    return undefined;
  }
  const tests: string[] = [];
  for (const m of text.matchAll(/^- \*\*(\w+):\*\* (.+)$/gm)) for (const t of m[2]!.split(',')) tests.push(`${m[1]}/${t.trim()}`);
  const threatsPart = text.split('## Threats it evaluates')[1] ?? '';
  const threats = new Map([...threatsPart.matchAll(/^- (\S+): (.+?)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
  return { tests, threats };
}

const g = guide();
const cat = threatCatalogue();

describe.skipIf(!g)('the OAuch map against the guide', () => {
  test('every OAuch test of the guide appears exactly once, and no other', () => {
    const mapped = cat.oauch.map((t) => `${t.folder}/${t.test}`);
    const dupes = mapped.filter((t, i) => mapped.indexOf(t) !== i);
    expect(dupes).toEqual([]);
    expect([...mapped].sort()).toEqual([...g!.tests].sort());
    expect(mapped.length).toBeGreaterThan(150);
  });

  test('every threat of the guide is in the catalogue with its title, citing a section', () => {
    for (const [id, title] of g!.threats) {
      expect(cat.threats.get(id)?.title, id).toBe(title);
      expect(cat.threats.get(id)!.cites, id).toMatch(/§\s?\d/);
    }
  });

  test("each threat's oauch_tests are tests of the guide", () => {
    const names = new Set(g!.tests.map((t) => t.split('/')[1]));
    for (const t of cat.threats.values()) for (const x of t.oauch_tests ?? []) expect(names.has(x), `${t.id}: ${x}`).toBe(true);
  });
});

describe('the OAuch map against the suites', () => {
  const suites = loadCatalog();

  test('every module it names exists in suites/*.yaml', () => {
    const named = cat.oauch.flatMap((t) => (t.mapping.kind === 'modules' ? t.mapping.modules.map((m) => [`${t.folder}/${t.test}`, m] as const) : []));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(([, m]) => !suites.modules.has(m))).toEqual([]);
  });

  test('an inapplicable test says why, a reason key is expanded', () => {
    const implicit = cat.oauch.find((t) => t.folder === 'Features' && t.test === 'ImplicitFlowsSupported')!;
    expect(implicit.mapping).toEqual({ kind: 'inapplicable', reason: expect.stringMatching(/^implicit and hybrid/) });
    // The TLS tests map to the modules of suites/security-tls.yaml (an https issuer).
    const tls = cat.oauch.find((t) => t.folder === 'AuthEndpoint' && t.test === 'HasValidCertificate')!;
    expect(tls.mapping).toEqual({ kind: 'modules', modules: ['tls-certificate-valid'] });
    for (const t of cat.oauch) if (t.mapping.kind === 'inapplicable') expect(t.mapping.reason.length, t.test).toBeGreaterThan(10);
  });

  test("every module's threats are catalogue threats, and the suites declare some", () => {
    const declared = [...suites.modules.values()].filter((m) => m.threats?.length);
    expect(declared.length).toBeGreaterThan(50);
    for (const m of declared) expect(threatProblems(m.threats), m.id).toEqual([]);
  });
});

describe('module threats at load', () => {
  const edits = planEdits(new URL('../../plans/default.yaml', import.meta.url).pathname);
  test('an unknown threat id in a plan-defined module names the module and the id', async () => {
    const err = await planError(edits.planFile((p) => {
      p.define = [{ id: 'my-edge-case', title: 'x', proves: ['RFC7636-4.6-verify'], threats: ['BCP_4_8', 'RFC9700-4.8'], base: 'pkce-missing-verifier' }];
      p.modules = ['my-edge-case'];
    }));
    expect(err).toMatch(/my-edge-case/);
    expect(err).toMatch(/unknown threat id "RFC9700-4\.8"/);
  });

  test('a known one loads', () => {
    expect(threatProblems(['BCP_4_8', '6819_4_4_1_1', '7523'])).toEqual([]);
    expect(threatProblems(['BCP_4_8', 'BCP_4_8'])).toEqual(['threats: "BCP_4_8" is listed twice']);
  });
});

describe('parseCatalogue', () => {
  test('a malformed catalogue is an error naming the entry', () => {
    expect(() => parseCatalogue({ threats: { X_1: { title: 'x' } } })).toThrow(/\/threats\/X_1: needs cites/);
    expect(() => parseCatalogue({ threats: {}, oauch: { F: { T: 'maybe' } } })).toThrow(/\/oauch\/F\/T: expected/);
    expect(() => parseCatalogue({ threats: { 'RFC-1.2': { title: 'x', cites: 'RFC 1 §1' } } })).toThrow(/not a threat id/);
  });

  test('the three mappings', () => {
    const c = parseCatalogue({ reasons: { tls: 'TLS only' }, threats: {}, oauch: { F: { A: ['m1', 'm2'], B: { inapplicable: 'tls' }, C: { inapplicable: 'another reason' }, D: 'uncovered' } } });
    expect(c.oauch.map((t) => t.mapping)).toEqual([
      { kind: 'modules', modules: ['m1', 'm2'] },
      { kind: 'inapplicable', reason: 'TLS only' },
      { kind: 'inapplicable', reason: 'another reason' },
      { kind: 'uncovered' },
    ]);
  });
});
