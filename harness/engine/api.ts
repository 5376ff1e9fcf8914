// The engine's public surface, used by the CLI, the vitest plan suite, the fault self-test and bench.
// (Implementation lives beside this file; this module only re-exports.)
export { loadPlan, PlanError } from './load-plan.ts';
export { loadCatalog, builtinCatalogData, useBuiltinCatalog, selectModules, applicability, moduleProblems, type Catalog } from './catalog.ts';
export { startTarget, type Target } from './target.ts';
export { createRunContext, closeRunContext, runModule, needsBrowser, startOrder, type RunContext } from './runner.ts';
export { maskSecrets, secretsOf } from '../core/mask.ts';
export { Slots } from './slots.ts';
export { BrowserPool } from './browser.ts';
