import type { transform as transformFunction, TransformResult } from '../../src/index.js';
import { nextTransform, PROJECT_ROOT, type Layer, type NextCompileConfig } from '../support/next-swc.js';
import type { GeneratedModule } from './module-arbitrary.js';
import { evaluateCompiled, loadStubs, RUNTIME_SPECIFIER, type RecordedEvent } from './run-compiled.js';

/**
 * One differential check of the transform against Next's own compiler, for one generated module:
 *
 * 1. Ground truth: for every Next configuration (webpack and Turbopack options, `cacheComponents` off and on) and
 *    every layer, the names and IDs Next's SWC registers for the ORIGINAL module. Each registered name must be
 *    guarded by the transform (an action record with `guarded: true`) or the module must be rejected (an error
 *    diagnostic fails the build). "use cache" functions are registered server references too (type bit set in the
 *    ID), callable by ID like actions, and are held to the same rule.
 * 2. Same IDs: Next must register the same IDs for our output as for the input (consumed schema exports aside).
 * 3. Execution: our output, compiled by Next (rsc), is run; every registered reference and every export Next
 *    dispatches to (the action entry re-exports the module's export of that name) is called, with the guard allowing
 *    and then refusing: the guard must run before any body code, and a refused call must run none.
 */

/** The transform under test (the sources in the test suite, dist in scripts/differential.mjs). */
export type TransformFunction = typeof transformFunction;

/** A Next configuration of the differential matrix. */
export interface NamedConfig {
  name: string;
  config: NextCompileConfig;
}

/** webpack and Turbopack, each with `cacheComponents` off (no "use cache") and on. */
export const CONFIGS: NamedConfig[] = [
  { name: 'webpack', config: { bundler: 'webpack', isCacheComponents: false, useCacheEnabled: false } },
  { name: 'webpack+cacheComponents', config: { bundler: 'webpack', isCacheComponents: true, useCacheEnabled: true } },
  { name: 'turbopack', config: { bundler: 'turbopack', isCacheComponents: false, useCacheEnabled: false } },
  { name: 'turbopack+cacheComponents', config: { bundler: 'turbopack', isCacheComponents: true, useCacheEnabled: true } },
];

/** Failure categories (stable names; the long run groups by them). */
export type FailureCategory =
  | 'transform-crashed'
  | 'registered-action-unguarded'
  | 'registered-action-without-record'
  | 'registered-cache-function-unguarded'
  | 'next-rejects-output'
  | 'next-accepts-output-of-rejected-input'
  | 'ids-differ'
  | 'output-evaluation-failed'
  | 'call-without-guard-first'
  | 'body-ran-when-guard-refused'
  | 'guard-for-another-action';

/** One failure, with where it was seen. */
export interface Failure {
  category: FailureCategory;
  config: string;
  layer: Layer;
  /** The registered name (export name, `$$RSC_SERVER_ACTION_<n>`, `$$RSC_SERVER_CACHE_<n>`), when there is one. */
  name: string | null;
  /** What produced the name (generator form), or the module's traits. */
  origin: string;
  detail: string;
}

/** What one module contributed. */
export interface ModuleReport {
  failures: Failure[];
  /** Registrations Next made for the original module, over every config and layer. */
  registered: number;
  /** Of those, guarded by the transform. */
  guarded: number;
  /** Of those, in a module the transform rejected (error diagnostic: the build fails). */
  rejected: number;
  /** Registered references and exports called (once allowing, once refusing). */
  called: number;
  /** The transform rejected a module Next compiles on every config: error codes (not failures). */
  falseRejection: string[] | null;
}

const SERVER_MODULE_LAYERS: Layer[] = ['rsc', 'ssr', 'app-pages-browser'];

/** Whether Next's ID marks a "use cache" function (the type bit of the info byte, docs/next-internals.md §2). */
function isCacheId(id: string): boolean {
  return (Number.parseInt(id.slice(0, 2), 16) & 0x80) !== 0;
}

/** The action record a registered name stands for. */
function recordFor(result: TransformResult, name: string) {
  const inline = /^\$\$RSC_SERVER_ACTION_(\d+)$/.exec(name);
  if (inline) return result.actions.find((action) => action.kind === 'inline' && action.inlineIndex === Number(inline[1]));
  const cache = /^\$\$RSC_SERVER_CACHE_(\d+)$/.exec(name);
  if (cache) return result.actions.find((action) => action.kind === 'cache' && action.inlineIndex === Number(cache[1]));
  // Client layers register an export of a "use cache" module under its export name (with the cache ID).
  return result.actions.find((action) => (action.kind === 'export' || action.kind === 'cache') && action.exportName === name);
}

/** Names the transform may remove from the export list on purpose: consumed schema exports (docs/reference.md §2). */
function consumedSchemas(result: TransformResult): Set<string> {
  const names = new Set<string>();
  for (const action of result.actions) {
    if (action.exportName !== null) names.add(`${action.exportName}Schema`);
    if (action.policy.schema !== null) names.add(action.policy.schema);
  }
  return names;
}

/** Runs every check on one module with one transform. */
export async function checkModule(module: GeneratedModule, transform: TransformFunction): Promise<ModuleReport> {
  const report: ModuleReport = { failures: [], registered: 0, guarded: 0, rejected: 0, called: 0, falseRejection: null };
  const absolute = `${PROJECT_ROOT}/${module.filename}`;
  const originOf = (name: string | null): string =>
    name === null ? module.traits.join(', ') : (module.origins.get(name) ?? (name.startsWith('$$RSC_SERVER_') ? `inline ${name.replace(/_\d+$/, '')}` : 'unknown'));
  const fail = (category: FailureCategory, named: NamedConfig, layer: Layer, name: string | null, detail: string) =>
    report.failures.push({ category, config: named.name, layer, name, origin: `${originOf(name)} | ${module.traits.join(', ')}`, detail });

  let result: TransformResult;
  try {
    result = transform(module.code, { filename: module.filename, root: PROJECT_ROOT, runtimeImport: RUNTIME_SPECIFIER });
  } catch (error) {
    report.failures.push({ category: 'transform-crashed', config: '-', layer: 'rsc', name: null, origin: module.traits.join(', '), detail: String(error) });
    return report;
  }
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  const rejected = errors.length > 0;
  const layers: Layer[] = module.filename.endsWith('page.tsx') ? ['rsc'] : SERVER_MODULE_LAYERS;
  const schemas = consumedSchemas(result);
  let acceptedEverywhere = true;

  for (const named of CONFIGS) {
    for (const layer of layers) {
      const before = await nextTransform(module.code, absolute, layer, undefined, named.config);
      if (!before.ok) acceptedEverywhere = false;
      const after = rejected ? null : await nextTransform(result.code, absolute, layer, undefined, named.config);
      if (!before.ok) {
        if (after?.ok) fail('next-accepts-output-of-rejected-input', named, layer, null, firstError(before.error));
        continue;
      }
      for (const [id, name] of before.actions) {
        report.registered++;
        if (rejected) {
          report.rejected++;
          continue;
        }
        const record = recordFor(result, name);
        if (record?.guarded) {
          report.guarded++;
        } else if (isCacheId(id)) {
          fail('registered-cache-function-unguarded', named, layer, name, `Next registers "use cache" function ${name} (${id}); no guarded record`);
        } else if (record) {
          fail('registered-action-unguarded', named, layer, name, `record ${record.ref} has guarded: false and no error diagnostic`);
        } else {
          fail('registered-action-without-record', named, layer, name, `Next registers ${name} (${id}); the transform reports no action for it`);
        }
      }
      if (after === null) continue;
      if (!after.ok) {
        fail('next-rejects-output', named, layer, null, firstError(after.error));
        continue;
      }
      const expected = [...before.actions].filter(([, name]) => !(schemas.has(name) && ![...after.actions.values()].includes(name)));
      const actual = [...after.actions];
      const key = (entries: [string, string][]) => entries.map(([id, name]) => `${name}=${id}`).sort();
      if (JSON.stringify(key(actual)) !== JSON.stringify(key(expected))) {
        const missing = key(expected).filter((entry) => !key(actual).includes(entry));
        const extra = key(actual).filter((entry) => !key(expected).includes(entry));
        const name = (missing[0] ?? extra[0] ?? '').split('=')[0] ?? null;
        fail('ids-differ', named, layer, name, `input only: ${missing.join(', ') || '-'}; output only: ${extra.join(', ') || '-'}`);
      }
      if (layer === 'rsc') await executeOutput(after.code, before.code, after.actions, result, named, fail, report);
    }
  }
  if (rejected && acceptedEverywhere) report.falseRejection = [...new Set(errors.map((diagnostic) => `${diagnostic.code} ${diagnostic.name}`))];
  return report;
}

/** The first error line of Next's SWC message. */
function firstError(error: string): string {
  return error.split('\n').find((line) => /^\s*x /.test(line))?.trim() ?? error.split('\n')[0] ?? error;
}

/** Runs our output as Next compiled it and calls every registered reference and dispatched export. */
async function executeOutput(
  code: string,
  inputCode: string,
  registered: Map<string, string>,
  result: TransformResult,
  named: NamedConfig,
  fail: (category: FailureCategory, named: NamedConfig, layer: Layer, name: string | null, detail: string) => void,
  report: ModuleReport,
): Promise<void> {
  const stubs = await loadStubs();
  stubs.resetState();
  let namespace: Record<string, unknown>;
  try {
    namespace = await evaluateCompiled(code);
  } catch (error) {
    // Next would fail the same way when the original module cannot be evaluated either (e.g. a wrapper that returns
    // a non-function): only a failure the input does not have is ours.
    stubs.resetState();
    const inputFails = await evaluateCompiled(inputCode).then(() => false, () => true);
    if (!inputFails) fail('output-evaluation-failed', named, 'rsc', null, String((error as Error).message ?? error));
    return;
  }
  const registrations = stubs.state().registrations;
  for (const [id, name] of registered) {
    const targets = new Map<unknown, string>();
    for (const registration of registrations.filter((candidate) => candidate.id === id)) targets.set(registration.reference, 'registered reference');
    if (name in namespace && !targets.has(namespace[name])) targets.set(namespace[name], `export ${JSON.stringify(name)} (what Next's action entry dispatches to)`);
    for (const [target, how] of targets) {
      if (typeof target !== 'function') continue;
      report.called++;
      const expectedRef = recordFor(result, name)?.ref ?? null;
      const allowed = await callRecorded(stubs, target as (...args: unknown[]) => unknown, true);
      const firstGuard = allowed.findIndex((event) => event.type === 'guard');
      const firstBody = allowed.findIndex((event) => event.type === 'body');
      if (firstGuard === -1 || (firstBody !== -1 && firstBody < firstGuard)) {
        const ran = allowed.filter((event) => event.type === 'body').map((event) => (event as { label: string }).label);
        fail('call-without-guard-first', named, 'rsc', name, `calling the ${how} of ${name} (${id}): ${firstGuard === -1 ? 'no guard ran' : 'body ran before the guard'}; bodies ran: ${ran.join(', ') || 'none'}`);
        continue;
      }
      const guardRef = (allowed[firstGuard] as { ref: string }).ref;
      if (expectedRef !== null && guardRef !== expectedRef) {
        fail('guard-for-another-action', named, 'rsc', name, `calling the ${how} of ${name} ran the guard of ${guardRef}, not ${expectedRef}`);
      }
      const refused = await callRecorded(stubs, target as (...args: unknown[]) => unknown, false);
      const bodies = refused.filter((event) => event.type === 'body');
      if (bodies.length > 0) {
        fail('body-ran-when-guard-refused', named, 'rsc', name, `calling the ${how} of ${name} with the guard refusing still ran ${bodies.map((event) => (event as { label: string }).label).join(', ')}`);
      }
    }
  }
}

/** Calls a function with arguments every generated parameter shape accepts; returns the events it caused. */
async function callRecorded(stubs: Awaited<ReturnType<typeof loadStubs>>, target: (...args: unknown[]) => unknown, allow: boolean): Promise<RecordedEvent[]> {
  const state = stubs.state();
  state.events = [];
  state.allow = allow;
  try {
    const value = target(stubs.placeholder(), stubs.placeholder(), stubs.placeholder());
    // An async generator runs its body on the first next().
    if (value !== null && typeof value === 'object' && Symbol.asyncIterator in value) await (value as AsyncGenerator).next();
    else await value;
  } catch {
    // Thrown errors (a refused or broken call) do not matter; the event log does.
  }
  const events = state.events;
  state.events = [];
  state.allow = true;
  return events;
}
