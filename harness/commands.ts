// The commands of the `touchstone` command line (harness/cli.ts is its entry): `run` a plan against
// a provider, `merge` sharded runs' reports, `list` what a plan would run, `validate` a plan,
// `variants`, `replay`. Exit codes: 0 passed / ok, 1 the gate failed, 2 bad usage or bad plan.
// No arguments (npm start) runs plans/default.yaml; flags alone apply to that default run.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPlan, loadSelection, engine, UsageError, ROOT } from './run.ts';
import { combinationsOf } from './plan/matrix.ts';
import { parseShard } from './shard.ts';
import { threatCatalogue } from './threats/catalogue.ts';
import { citationLabel, displayPath, makeStyle, paintStatus, table, useColor, firstLine } from './reporters/format.ts';

export const DEFAULT_PLAN = 'plans/default.yaml';

export const USAGE = `Usage: touchstone <command> [options]

Commands:
  run <plan>...      Run the plan's modules against its provider and write reports; several
                     plans run side by side, each with its own reports, under one gate
  merge <dir>...     Combine the report dirs of all shards of a run (--shard i/n) into one report
  list <plan>        Show the modules a plan selects: applies?, counterpart, what each proves, its
                     threats; then each OAuch test's counterpart modules (or why it has none)
  replay <module.json>  Run one module of an earlier report again (<report>/modules/<id>.json):
                     against the plan it ran under, or --plan <plan.yaml> (another provider)
  validate <plan>    Check a plan file (schema, selectors, module ids) without running it
  variants           The plan variants and their values (Markdown table)

Options for run:
  -m, --module <id|glob>   Run only these modules (repeatable; intersected with the plan's modules)
  -w, --workers <n>        Modules busy at once; waits do not count (default: settings.workers in the plan, else one per core, 2 to 6)
  -o, --report-dir <dir>   Write the reports here (default: reports/<YYYYMMDD-HHMMSS>-<plan>/)
  --strict                 Release gate: skipped modules, warnings and unmet expected failures fail
                           the run too (not-applicable modules never do: the plan says they do not apply)
  --json                   Print the run summary (summary.json) as the only stdout output; progress
                           goes to stderr (touchstone run p.yaml --json | jq .counts)
  --shard <i/n>            Run shard i of n (1-based): the selected modules at positions k with
                           k % n == i-1; its gate is its own, \`touchstone merge\` decides the whole
  --plans-at-once <n>      With several plans: how many run side by side (default: half the cores,
                           at least 2); reports in <report-dir>/<plan>/, plans.json over all of them

Options for replay:
  --plan <plan.yaml>       Run it against this plan instead of the recorded one
  -o, --report-dir, -w, --workers, --strict, --json   As for run

Options for merge (the shards' report dirs, all n of them, in any order):
  -o, --report-dir <dir>   Write the merged report here (default: reports/<YYYYMMDD-HHMMSS>-<plan>-merged/)
  --strict, --json         As for run, applied to the merged summary

General:
  -h, --help               Show this help
  -v, --version            Show the version

With no command, touchstone runs ${DEFAULT_PLAN} (options apply to that run):
  npm start                         touchstone run ${DEFAULT_PLAN}
  npm start -- -m 'pkce-*'          touchstone run ${DEFAULT_PLAN} --module 'pkce-*'

Exit codes: 0 the gate passed, 1 it failed, 2 bad usage or invalid plan, 130 interrupted.
  default gate: fails on a failed module, a run error, or a run where nothing passed (every
                module skipped or not applicable); warnings and skips alone pass it
  --strict:     also fails on a skipped module, a warning or an unmet expected failure
Reports: summary.json (with the threat table), junit.xml, html/index.html (Allure), html/threats.html,
modules/*.json (each with its replay record), provider.log.
`;

/** A usage error: one line on stderr, usage on stdout, exit 2. */
class BadUsage extends Error {
  override name = 'BadUsage';
}

const runOptions = {
  module: { type: 'string', short: 'm', multiple: true },
  workers: { type: 'string', short: 'w' },
  'report-dir': { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
  json: { type: 'boolean' },
  shard: { type: 'string' },
  'plans-at-once': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];
const mergeOptions = {
  'report-dir': { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];
const replayOptions = {
  plan: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  'report-dir': { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];
const planOnlyOptions = { help: { type: 'boolean', short: 'h' } } as const satisfies ParseArgsConfig['options'];

const COMMANDS = ['run', 'list', 'validate', 'variants', 'merge', 'replay'] as const;
type Command = (typeof COMMANDS)[number];

function parseErrorLine(err: unknown, command: Command): string {
  const e = err as { code?: string; message?: string };
  const msg = firstLine(err);
  const quoted = /'(-[^']*)'/.exec(msg)?.[1] ?? '';
  const opt = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? msg} for \`${command}\`${command === 'run' || command === 'merge' || command === 'replay' ? '' : ' (it takes only <plan>)'}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(msg) && opt ? `${opt} needs a value` : msg;
    default:
      return msg;
  }
}

function parseCount(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new BadUsage(`${flag} ${v}: must be an integer from 1 to 64`);
  return Number(v);
}
const parseWorkers = (v: string | undefined) => parseCount('--workers', v);

function shardOption(v: string | undefined) {
  if (v === undefined) return undefined;
  const shard = parseShard(v);
  if (typeof shard === 'string') throw new UsageError(shard);
  return shard;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}


async function list(planFile: string): Promise<number> {
  const { plan, modules } = await loadSelection(planFile);
  const api = await engine();
  const style = makeStyle(useColor(process.stdout));
  const rows: string[][] = [];
  let applying = 0;
  // A matrix plan: one APPLIES column per combination (harness/plan/matrix.ts), headed by its values.
  const combos = combinationsOf(plan);
  const matrix = combos.length > 1;
  const catalogs = combos.map((c) => api.loadCatalog(c.plan));
  for (const mod of modules) {
    const verdicts = combos.map((c, i) => api.applicability(mod, c.plan, catalogs[i]));
    if (verdicts.some((a) => a.applies)) applying++;
    const applies = verdicts.map((a) => a.applies ? paintStatus('passed', 'yes', style)
      : style.gray(matrix ? (a.status === 'not_applicable' ? 'no' : 'skipped') : `${a.status === 'not_applicable' ? 'not applicable' : 'skipped'}: ${a.reason}`));
    const counterparts = Array.isArray(mod.counterpart) ? mod.counterpart : [mod.counterpart ?? '-'];
    const proves = mod.proves.length ? mod.proves : ['-'];
    const threats = mod.threats ?? [];
    for (let i = 0; i < Math.max(counterparts.length, proves.length, threats.length); i++) {
      const id = proves[i] ?? '';
      const spec = id && id !== '-' ? style.gray(citationLabel(id)) : '';
      rows.push([i === 0 ? mod.id : '', ...(i === 0 ? applies : applies.map(() => '')), counterparts[i] ?? '', id, spec, threats[i] ?? '']);
    }
  }
  // Up to 4 combinations are headed by their values; more (the FAPI 2.0 matrix has 32) by number, with a legend below.
  const numbered = combos.length > 4;
  const heads = matrix ? combos.map((c, i) => (numbered ? `#${i + 1}` : Object.values(c.variants).join(' ').toUpperCase())) : ['APPLIES'];
  process.stdout.write(`${table(['MODULE', ...heads, 'COUNTERPART', 'PROVES', 'SPEC', 'THREATS'], rows, style)}\n\n`);
  const skipped = modules.length - applying;
  if (matrix && numbered) process.stdout.write(`variant matrix: ${combos.length} combinations; a module runs in each:\n${combos.map((c, i) => `  ${`#${i + 1}`.padEnd(4)} ${c.key}`).join('\n')}\n`);
  else if (matrix) process.stdout.write(`variant matrix: ${combos.length} combinations (${combos.map((c) => c.key).join('; ')}); a module runs in each\n`);
  process.stdout.write(`${modules.length} module${modules.length === 1 ? '' : 's'} (${applying} appl${applying === 1 ? 'ies' : 'y'}${matrix ? ' in some combination' : ''}, ${skipped} not applicable or skipped) · plan ${plan.name} (${displayPath(plan.file ?? planFile)})\n\n`);
  process.stdout.write(oauchMap(new Set(modules.map((m) => m.id)), style));
  return 0;
}

/** Each OAuch test of the guide and its Touchstone counterpart (harness/threats/catalogue.yaml). */
function oauchMap(inPlan: Set<string>, style: ReturnType<typeof makeStyle>): string {
  const { oauch } = threatCatalogue();
  const rows: string[][] = [];
  const n = { modules: 0, inPlan: 0, inapplicable: 0, uncovered: 0 };
  for (const t of oauch) {
    const name = `${t.folder}/${t.test}`;
    const m = t.mapping;
    if (m.kind === 'modules') {
      n.modules++;
      if (m.modules.some((id) => inPlan.has(id))) n.inPlan++;
      m.modules.forEach((id, i) => rows.push([i === 0 ? name : '', inPlan.has(id) ? id : `${id} ${style.gray('(not in this plan)')}`]));
    } else if (m.kind === 'inapplicable') {
      n.inapplicable++;
      rows.push([name, style.gray(`inapplicable: ${m.reason}`)]);
    } else {
      n.uncovered++;
      rows.push([name, style.yellow('not yet covered')]);
    }
  }
  return `${table(['OAUCH TEST', 'TOUCHSTONE'], rows, style)}\n\n${oauch.length} OAuch tests: ${n.modules} with a counterpart (${n.inPlan} in this plan), ${n.inapplicable} inapplicable, ${n.uncovered} not yet covered (harness/threats/catalogue.yaml)\n`;
}

async function validate(planFile: string): Promise<number> {
  const { plan, modules, units } = await loadSelection(planFile);
  const combos = combinationsOf(plan).length;
  process.stdout.write(`ok: ${planFile} (${modules.length} module${modules.length === 1 ? '' : 's'}${combos > 1 ? ` × ${combos} variant combinations = ${units.length} runs` : ''})\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  // `touchstone` alone, or flags alone (npm start -- --module x): the default plan's run.
  if (argv.length === 0 || (argv[0]!.startsWith('-') && !['-h', '--help', '-v', '--version'].includes(argv[0]!))) {
    argv = ['run', DEFAULT_PLAN, ...argv];
  }
  // The pre-args start script (`node harness/cli.ts run plans/default.yaml`) followed by a command
  // of its own (npm start -- list x.yaml): the user's command wins.
  if (argv[0] === 'run' && argv[1] === DEFAULT_PLAN && (COMMANDS as readonly string[]).includes(argv[2] ?? '')) {
    argv = argv.slice(2);
  }
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`touchstone ${version()}\n`);
    return 0;
  }

  let command: Command | undefined;
  try {
    if (!(COMMANDS as readonly string[]).includes(first!)) {
      throw new BadUsage(`unknown command "${first}" (expected one of: ${COMMANDS.join(', ')})`);
    }
    command = first as Command;
    const parsed = (() => {
      try {
        const options = command === 'run' ? runOptions : command === 'merge' ? mergeOptions : command === 'replay' ? replayOptions : planOnlyOptions;
        return parseArgs({ args: rest, options, allowPositionals: true, strict: true });
      } catch (e) {
        throw new BadUsage(parseErrorLine(e, command!));
      }
    })();
    const values = parsed.values as { help?: boolean; module?: string[]; workers?: string; 'report-dir'?: string; strict?: boolean; json?: boolean; shard?: string; plan?: string; 'plans-at-once'?: string };
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command === 'variants') {
      if (parsed.positionals.length) throw new BadUsage('`variants` takes no arguments');
      const { variantsTable } = await import('./plan/variants.ts');
      process.stdout.write(`${variantsTable()}\n`);
      return 0;
    }
    if (values['report-dir'] === '') throw new BadUsage('--report-dir needs a directory');
    if (command === 'merge') {
      if (!parsed.positionals.length) throw new BadUsage('`merge` needs the report directories of the shards, e.g. touchstone merge shard-1 shard-2 shard-3');
      const { mergeShards } = await import('./merge.ts');
      return await mergeShards(parsed.positionals, { reportDir: values['report-dir'], strict: values.strict, json: values.json });
    }
    if (command === 'replay') {
      const [file, ...more] = parsed.positionals;
      if (!file || more.length) throw new BadUsage('`replay` takes one module result, e.g. touchstone replay reports/latest/modules/pkce-missing-verifier.json [--plan plans/other.yaml]');
      if (values.plan === '') throw new BadUsage('--plan needs a plan file');
      const { replay } = await import('./replay.ts');
      return await replay(file, { plan: values.plan, workers: parseWorkers(values.workers), reportDir: values['report-dir'], strict: values.strict, json: values.json });
    }
    const [planFile, ...extra] = parsed.positionals;
    if (!planFile) throw new BadUsage(`\`${command}\` needs a plan file, e.g. touchstone ${command} ${DEFAULT_PLAN}`);
    if (command === 'run' && extra.length) {
      for (const [flag, v] of [['--module', values.module], ['--shard', values.shard]] as const) {
        if (v !== undefined) throw new BadUsage(`${flag} runs with one plan; ${parsed.positionals.length} were given`);
      }
      const { runPlans } = await import('./plans-run.ts');
      return await runPlans(parsed.positionals, { workers: parseWorkers(values.workers), reportDir: values['report-dir'], strict: values.strict, json: values.json, atOnce: parseCount('--plans-at-once', values['plans-at-once']) });
    }
    if (values['plans-at-once'] !== undefined) throw new BadUsage('--plans-at-once needs several plans');
    if (extra.length) throw new BadUsage(`\`${command}\` takes one plan file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
    for (const m of values.module ?? []) if (!m.trim()) throw new BadUsage('--module needs a module id or glob');

    switch (command) {
      case 'run':
        return await runPlan(planFile, { modules: values.module, workers: parseWorkers(values.workers), reportDir: values['report-dir'], strict: values.strict, json: values.json, shard: shardOption(values.shard) });
      case 'list':
        return await list(planFile);
      case 'validate':
        return await validate(planFile);
      default:
        return 2;
    }
  } catch (e) {
    if (e instanceof BadUsage) {
      process.stderr.write(`touchstone: ${e.message}\n`);
      process.stdout.write(`\n${USAGE}`);
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`touchstone: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
