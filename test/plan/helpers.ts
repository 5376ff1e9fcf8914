// Plans made by editing a shipped plan (one YAML edit per case), and the one-line error a bad plan
// gives: shared by the plan, step-schema and container tests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadPlan, PlanError } from '../../harness/engine/load-plan.ts';

export type PlanDoc = Record<string, any>;

/** A temp folder (removed after the file's tests) and planFile(): `from` edited by `mutate`, written there. */
export function planEdits(from: string, prefix = 'touchstone-plan-'): { dir: string; planFile: (mutate: (doc: PlanDoc) => void, base?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    planFile(mutate, base = from) {
      const doc = parse(readFileSync(base, 'utf8')) as PlanDoc;
      mutate(doc);
      const file = join(dir, `plan-${++n}.yaml`);
      writeFileSync(file, stringify(doc));
      return file;
    },
  };
}

/** loadPlan must refuse the file with a PlanError of one line naming the file: the rest of the line. */
export async function planError(file: string): Promise<string> {
  const err = await loadPlan(file).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PlanError);
  const shown = relative(process.cwd(), resolve(file));
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg.startsWith(`${shown}: `), msg).toBe(true);
  return msg.slice(shown.length + 2);
}
