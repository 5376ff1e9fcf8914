// The threat table of a run (pure): for each threat of the catalogue, a verdict from the modules of
// the run that declare it.
//   not mitigated: a module behind it failed, or passed only because the plan lists an expected
//                  failure (an expected failure names a real deviation: the rule it proves is broken);
//   mitigated:     else, at least one module behind it ran and passed (a warning counts as passed:
//                  its MUSTs held; the row still names the module as `warning`);
//   not tested:    no module behind it ran (none selected, or all skipped or not applicable), or
//                  one failed without a failing finding (`not_judged`: the run was interrupted, the
//                  provider went away, the harness broke): a module that judged nothing is no evidence
//                  that the provider leaves the threat open.
// `touchstone run` and `touchstone merge` build it from the same summary entries, so a sharded run's
// merged table is the unsharded one.
import type { ModuleStatus, ThreatModuleOutcome, ThreatReport, ThreatRow, ThreatVerdict } from '../core/types.ts';
export type { ThreatModuleOutcome, ThreatReport, ThreatRow, ThreatVerdict };
import type { Threat } from './catalogue.ts';

export interface ThreatModuleInput {
  id: string;
  status: ModuleStatus;
  threats?: string[];
  expectedFailures?: unknown[];
  /** The module's findings (a summary entry has them): a failed module without a failing one judged nothing. */
  findings?: { ok: boolean }[];
}

export function moduleOutcome(m: ThreatModuleInput): ThreatModuleOutcome {
  if ((m.status === 'passed' || m.status === 'warning') && (m.expectedFailures?.length ?? 0) > 0) return 'expected_failure';
  if (m.status === 'failed' && m.findings && !m.findings.some((f) => !f.ok)) return 'not_judged';
  return m.status;
}

export function verdictOf(outcomes: ThreatModuleOutcome[]): ThreatVerdict {
  if (outcomes.some((o) => o === 'failed' || o === 'expected_failure')) return 'not_mitigated';
  if (outcomes.some((o) => o === 'passed' || o === 'warning')) return 'mitigated';
  return 'not_tested';
}

/** Every threat of the catalogue, in its order, with its verdict for these module results. */
export function threatTable(modules: readonly ThreatModuleInput[], threats: ReadonlyMap<string, Threat> | readonly Threat[]): ThreatReport {
  const behind = new Map<string, ThreatRow['modules']>();
  for (const m of modules) {
    for (const t of new Set(m.threats ?? [])) {
      const list = behind.get(t) ?? [];
      list.push({ id: m.id, outcome: moduleOutcome(m) });
      behind.set(t, list);
    }
  }
  const counts: ThreatReport['counts'] = { mitigated: 0, not_mitigated: 0, not_tested: 0 };
  const table: ThreatRow[] = [];
  for (const t of threats.values()) {
    const mods = behind.get(t.id) ?? [];
    const verdict = verdictOf(mods.map((m) => m.outcome));
    counts[verdict]++;
    table.push({ id: t.id, title: t.title, cites: t.cites, verdict, modules: mods });
  }
  return { counts, table };
}

export const VERDICT_LABEL: Record<ThreatVerdict, string> = { mitigated: 'mitigated', not_mitigated: 'not mitigated', not_tested: 'not tested' };

/** "threats: 12 mitigated, 1 not mitigated, 43 not tested" */
export function threatTotals(r: ThreatReport): string {
  return `threats: ${r.counts.mitigated} mitigated, ${r.counts.not_mitigated} not mitigated, ${r.counts.not_tested} not tested`;
}
