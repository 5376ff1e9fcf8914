// The threat catalogue and the OAuch map (harness/threats/catalogue.yaml, data): the threats a module
// may declare (`threats: [BCP_4_8, ...]`, ids as OAuch names them) and, for each OAuch test of
// ../shared/guide/oauch.md, its Touchstone counterpart modules, or why it is inapplicable, or that it
// is not yet covered. Read once, checked on first use: a malformed catalogue is an error at load.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const CATALOGUE_FILE = new URL('./catalogue.yaml', import.meta.url).pathname;

export interface Threat {
  id: string;
  title: string;
  /** The section it comes from (e.g. "RFC 9700 §4.8"). */
  cites: string;
  /** The OAuch tests OAuch counts as its mitigations (for the reader). */
  oauch_tests?: string[];
}

/** What an OAuch test maps to. */
export type OauchMapping =
  | { kind: 'modules'; modules: string[] }
  | { kind: 'inapplicable'; reason: string }
  | { kind: 'uncovered' };

export interface OauchTest {
  folder: string;
  test: string;
  mapping: OauchMapping;
}

export interface ThreatCatalogue {
  threats: Map<string, Threat>;
  /** In the file's order. */
  oauch: OauchTest[];
}

/** Threat ids: OAuch's own (6819_4_4_1_1, BCP_4_3_2_A, 7523, MultiACConc, OIDC_16). */
const ID = /^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/;

let cached: ThreatCatalogue | undefined;

export class ThreatCatalogueError extends Error {
  override name = 'ThreatCatalogueError';
}

/** Parses and checks a catalogue document (exported for tests). */
export function parseCatalogue(doc: unknown, file = 'harness/threats/catalogue.yaml'): ThreatCatalogue {
  const fail = (msg: string): never => { throw new ThreatCatalogueError(`${file}: ${msg}`); };
  const d = (doc ?? {}) as { threats?: Record<string, Partial<Threat>>; oauch?: Record<string, Record<string, unknown>>; reasons?: Record<string, string> };
  if (!d.threats || typeof d.threats !== 'object') fail('no threats: map');
  const threats = new Map<string, Threat>();
  for (const [id, t] of Object.entries(d.threats!)) {
    if (!ID.test(id)) fail(`/threats/${id}: not a threat id (letters, digits and underscores, as OAuch writes them)`);
    if (!t || typeof t.title !== 'string' || !t.title.trim()) fail(`/threats/${id}: needs a title`);
    if (typeof t.cites !== 'string' || !t.cites.trim()) fail(`/threats/${id}: needs cites, the section it comes from`);
    if (t.oauch_tests !== undefined && !(Array.isArray(t.oauch_tests) && t.oauch_tests.every((x) => typeof x === 'string'))) fail(`/threats/${id}/oauch_tests: must be a list of test names`);
    threats.set(id, { id, title: t.title!.trim(), cites: t.cites!.trim(), ...(t.oauch_tests ? { oauch_tests: t.oauch_tests } : {}) });
  }
  const reasons = d.reasons ?? {};
  const oauch: OauchTest[] = [];
  for (const [folder, tests] of Object.entries(d.oauch ?? {})) {
    for (const [test, v] of Object.entries(tests ?? {})) {
      const at = `/oauch/${folder}/${test}`;
      let mapping: OauchMapping;
      if (v === 'uncovered') mapping = { kind: 'uncovered' };
      else if (Array.isArray(v) && v.length && v.every((m) => typeof m === 'string')) mapping = { kind: 'modules', modules: v as string[] };
      else if (v && typeof v === 'object' && typeof (v as { inapplicable?: unknown }).inapplicable === 'string') {
        const why = (v as { inapplicable: string }).inapplicable;
        mapping = { kind: 'inapplicable', reason: reasons[why] ?? why };
      } else {
        return fail(`${at}: expected a list of module ids, { inapplicable: <reason> } or uncovered`);
      }
      oauch.push({ folder, test, mapping });
    }
  }
  return { threats, oauch };
}

export function threatCatalogue(): ThreatCatalogue {
  if (cached) return cached;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(CATALOGUE_FILE, 'utf8'));
  } catch (err) {
    throw new ThreatCatalogueError(`harness/threats/catalogue.yaml: ${(err as Error).message.split('\n')[0]}`);
  }
  cached = parseCatalogue(doc);
  return cached;
}

export function isThreatId(id: string): boolean {
  return threatCatalogue().threats.has(id);
}

/** Problems with a module's `threats:` (unknown ids, repeats), each naming the id. */
export function threatProblems(threats: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of threats ?? []) {
    if (!isThreatId(t)) problems.push(`threats: unknown threat id "${t}" (not in harness/threats/catalogue.yaml)`);
    else if (seen.has(t)) problems.push(`threats: "${t}" is listed twice`);
    seen.add(t);
  }
  return problems;
}
