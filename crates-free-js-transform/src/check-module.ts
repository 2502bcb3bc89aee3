import type { File, Node, Program } from '@babel/types';
import { collectActionSites, findJsDoc, type ActionSite, type LocalisableExport } from './analyze/collect-action-sites.js';
import { countServerDirectiveCandidates, effectivePrologue, isUseServer } from './analyze/directives.js';
import { applyBaseline } from './baseline.js';
import { collectModuleBindings } from './analyze/module-scope.js';
import { parseModule } from './analyze/parse-module.js';
import { parsePolicyTags, type JsDocTag } from './analyze/parse-policy-tags.js';
import { findCapturedSecrets } from './analyze/captured-secrets.js';
import { findSwallowedNavigation } from './analyze/swallowed-navigation.js';
import { collectModuleTypes, judgeResultType, type ModuleTypes } from './analyze/result-type.js';
import type { PlannedGuard } from './codegen/plan-guards.js';
import { LineIndex, toDiagnostic, type Finding } from './diagnostics/format-diagnostic.js';
import { resolveFileOptions, resolveOptions, resolveProjectOptions, type ResolvedOptions, type TransformerOptions } from './options.js';
import type { ActionRecord, Diagnostic, TransformOptions } from './types.js';
import { describeParameters } from './validate/describe-parameters.js';
import { parseSchemaList } from '@action-guard/contracts';
import { resolvePolicy } from './validate/resolve-policy.js';

/** Where an action's policy is written in the source, for tools that edit it (the ESLint plugin's suggestions). */
export interface CheckedSite {
  /** The action's ref, as in its {@link ActionRecord}. */
  ref: string;
  /** Character offset of the action (where `missing-auth-decision` and `missing-schema` are reported). */
  offset: number;
  /** The JSDoc block the policy is read from (`start` at `/**`, `end` after `*\/`), or `null` when there is none. */
  docComment: { start: number; end: number } | null;
  /** Offset before which a new JSDoc block would be read as this action's: its outermost enclosing doc carrier. */
  docAnchor: number;
}

/** What {@link checkModule} returns: the analysis and checks of one module, without generated code. */
export interface ModuleCheck {
  /** Every action site found, exactly as {@link transform} reports them. */
  actions: ActionRecord[];
  /** Every problem found, exactly as {@link transform} reports them; sorted by position. */
  diagnostics: Diagnostic[];
  /** One entry per action, in the order of `actions`: where its policy is written. */
  sites: CheckedSite[];
  /** Value bindings at module scope (declared or imported), which `@schema` and `@authorize` may name. */
  moduleBindings: string[];
}

/** The analysis plus what code generation needs; `wrap` is `null` when the module stays as it is. */
export interface AnalyzedModule extends ModuleCheck {
  /** The parsed program, the actions to wrap and the schema exports to make module-local. */
  wrap: { program: Program; guards: PlannedGuard[]; localise: LocalisableExport[] } | null;
}

const NOTHING: Omit<AnalyzedModule, 'actions' | 'diagnostics'> = { sites: [], moduleBindings: [], wrap: null };

/**
 * Parses, collects and validates one module: every action with its policy and every diagnostic, nothing planned
 * or emitted. Files without a `"use server"` or `"use cache"` literal are not parsed. {@link transform} and {@link checkModule}
 * both run this, so the build and the editor report the same findings.
 */
export function analyzeModule(code: string, resolved: ResolvedOptions): AnalyzedModule {
  // String literals that cook to "use server" or "use cache" in any spelling (escapes, line continuations); none: not parsed.
  const mentions = countServerDirectiveCandidates(code);
  if (mentions === 0) return { actions: [], diagnostics: [], ...NOTHING };
  // No shortcut for text that looks like our output: transform() recognises its own output by regenerating it
  // (analyze/recover-actions.ts); here such text is analysed like any source.

  const lines = new LineIndex(code);
  const context = { source: code, file: resolved.file, lines };
  let ast: File;
  try {
    ast = parseModule(code, resolved.filename);
  } catch (error) {
    const position = (error as { pos?: number }).pos ?? 0;
    const finding: Finding = {
      name: 'unparseable-module',
      offset: position,
      message: `cannot parse this file to find its Server Actions: ${(error as Error).message.replace(/ \(\d+:\d+\)$/, '')}`,
      fix: 'fix the syntax error; if the syntax is valid TypeScript, report it (the file stays unguarded until it parses)',
    };
    return { actions: [], diagnostics: applySeverity([finding], resolved, context), ...NOTHING };
  }

  const prologueMentions = effectivePrologue(ast.program.directives, ast.program.body).filter((d) => isUseServer(d.value)).length;
  const analysis = collectActionSites(ast, { findInline: mentions > prologueMentions });
  const bindings = collectModuleBindings(ast.program);
  const findings: Finding[] = [];

  if (analysis.isServerModule && !analysis.isClientModule && !resolved.insideActionPaths) {
    findings.push({
      name: 'server-module-outside-paths',
      offset: analysis.serverDirective!.start!,
      message: `"use server" module ${resolved.file} is outside the configured actionPaths`,
      fix: 'move the actions into a file that matches actionPaths, or add this path to actionPaths',
    });
  }

  const tagsOf = new Map<ActionSite, JsDocTag[]>();
  for (const site of analysis.sites) {
    const comment = findJsDoc(site.docCarriers);
    tagsOf.set(site, comment === null ? [] : parsePolicyTags({ value: comment.value, start: comment.start! }));
  }

  // Schema exports: `<action>Schema` (convention) and exported `@schema X` values are consumed and made local.
  const consumed = new Map<string, LocalisableExport>();
  const conventionOf = (site: ActionSite): string | null => {
    if (site.kind !== 'export') return null;
    const candidate = analysis.valueExports.get(`${site.exportName}Schema`);
    return candidate === undefined || candidate.name === site.exportName ? null : candidate.localName;
  };
  for (const site of analysis.sites) {
    const convention = site.kind === 'export' ? analysis.valueExports.get(`${site.exportName}Schema`) : undefined;
    if (convention !== undefined) consumed.set(convention.name, convention);
    for (const tag of tagsOf.get(site)!) {
      if (tag.name !== 'schema') continue;
      const parsed = parseSchemaList(tag.args);
      if (!parsed.ok) continue;
      for (const candidate of analysis.valueExports.values()) {
        if (parsed.value.includes(candidate.localName)) consumed.set(candidate.name, candidate);
      }
    }
  }
  const sites = analysis.sites.filter((site) => !(site.kind === 'export' && consumed.has(site.exportName!)));

  const actionBindings = new Set(sites.flatMap((site) => (site.kind === 'export' && site.selfName !== null ? [site.selfName] : [])));
  // Read only when the check is on and some action declares its result type.
  let moduleTypes: ModuleTypes | null = null;
  const actions: ActionRecord[] = [];
  const checkedSites: CheckedSite[] = [];
  const guards: PlannedGuard[] = [];
  for (const site of sites) {
    const label =
      site.kind === 'export' ? `action "${site.exportName}"` : site.kind === 'inline' ? `inline action "${site.refName}"` : `"use cache" function "${site.refName}"`;
    const { policy, findings: policyFindings, onFailure, onFailureTagged } = resolvePolicy({
      tags: tagsOf.get(site)!,
      offset: site.offset,
      label,
      parameters: site.fn === null ? null : describeParameters(site.fn),
      conventionSchema: conventionOf(site),
      moduleBindings: bindings,
      actionBindings,
      rules: resolved.rules,
      kind: site.kind === 'cache' ? 'cache' : 'action',
    });
    findings.push(...policyFindings);
    if (site.unguardable !== null) {
      findings.push({
        name: 'unguardable-action',
        offset: site.unguardable.offset ?? site.offset,
        message: `${label} cannot be guarded: ${site.unguardable.reason}`,
        fix: site.unguardable.fix,
      });
    }
    if (site.kind === 'inline') {
      findings.push({
        name: 'inline-action',
        offset: site.offset,
        message: `${label} is an inline Server Action`,
        fix: 'move it to a "use server" module, or set checks["inline-action"] to "off" to allow inline actions',
      });
    }
    if (site.kind !== 'cache' && site.fn !== null && !onFailureTagged && resolved.checks['result-type-without-failure'] !== 'off') {
      const judged = judgeResultType(site.fn, (moduleTypes ??= collectModuleTypes(ast.program)));
      if (judged?.verdict === 'no') {
        const declared = code.slice(judged.node.start!, judged.node.end!);
        findings.push({
          name: 'result-type-without-failure',
          offset: judged.node.start!,
          message:
            `${label} declares its result as \`${declared.length > 60 ? `${declared.slice(0, 57)}...` : declared}\`, which cannot hold the ActionFailure ` +
            'the guard answers with when a check fails (invalid input, no session, rate limit): TypeScript will not say so, ' +
            'and a form typed for this result shows nothing, or crashes rendering it',
          fix:
            `add \`@onFailure <fn>\` naming a function of type \`FailureMapper<typeof ${site.kind === 'export' && site.selfName !== null ? site.selfName : 'action'}>\` (from @action-guard/runtime) ` +
            'that returns this shape, or declare the result as `ActionResult<...>` and check `isActionFailure(result)` where it is read',
        });
      }
    }
    const location = lines.locate(site.offset);
    const record: ActionRecord = {
      ref: `${resolved.file}#${site.refName}`,
      file: resolved.file,
      exportName: site.exportName,
      kind: site.kind,
      inlineIndex: site.inlineIndex,
      loc: location,
      policy,
      guarded: site.unguardable === null,
      ...(onFailure !== null ? { onFailure } : {}),
    };
    actions.push(record);
    checkedSites.push(checkedSite(site, record.ref));
    if (record.guarded) guards.push({ site, record });
  }

  if (resolved.checks['swallowed-navigation'] !== 'off') {
    findings.push(...findSwallowedNavigation(ast.program, sites.flatMap((site) => (site.fn === null ? [] : [site.fn])), code));
  }
  if (resolved.checks['captured-secret'] !== 'off') {
    const inline = sites.flatMap((site) => (site.kind === 'inline' && site.fn !== null ? [site.fn] : []));
    findings.push(...findCapturedSecrets(ast.program, inline, resolved.secretSources));
  }

  return {
    actions,
    diagnostics: applySeverity(findings, resolved, context),
    sites: checkedSites,
    moduleBindings: [...bindings],
    wrap: guards.length === 0 && consumed.size === 0 ? null : { program: ast.program, guards, localise: [...consumed.values()] },
  };
}

/**
 * The analysis and checks of {@link transform} without code generation: every action with its policy and every
 * diagnostic the build would report for this file, plus where each action's policy is written. Files without a
 * `"use server"` or `"use cache"` literal cost one regular-expression scan. `options.baseline` applies as in
 * {@link transform}: a listed finding is a warning marked `baselined` (src/baseline.ts, docs/adopting.md §2), so the
 * ESLint plugin and the build agree in an app that is still adopting.
 */
export function checkModule(code: string, options: TransformOptions): ModuleCheck {
  return checkResolved(code, resolveOptions(options));
}

/**
 * {@link checkModule} for a whole project, as {@link createTransformer} is for {@link transform}: validates the options
 * and compiles the directory rules and globs once, and returns the function that checks one file (the ESLint plugin
 * makes one per loaded config). Same result as `checkModule` with the same options and that file name.
 */
export function createChecker(options: TransformerOptions = {}): (code: string, filename: string) => ModuleCheck {
  const project = resolveProjectOptions(options);
  return (code, filename) => checkResolved(code, resolveFileOptions(project, filename));
}

function checkResolved(code: string, resolved: ResolvedOptions): ModuleCheck {
  const { actions, diagnostics, sites, moduleBindings } = analyzeModule(code, resolved);
  const applied = applyBaseline(resolved.baseline, resolved.file, actions, diagnostics);
  return { actions: applied.actions, diagnostics: applied.diagnostics, sites, moduleBindings };
}

/** Where a site's JSDoc is, and where a new one would go (the outermost carrier that encloses the action). */
function checkedSite(site: ActionSite, ref: string): CheckedSite {
  const comment = findJsDoc(site.docCarriers);
  const encloses = (node: Node): boolean => node.start! <= site.offset && node.end! > site.offset;
  const anchor = site.docCarriers.filter(encloses).at(-1) ?? site.docCarriers[0];
  return {
    ref,
    offset: site.offset,
    docComment: comment === null ? null : { start: comment.start!, end: comment.end! },
    docAnchor: anchor?.start ?? site.offset,
  };
}

/** Drops findings whose check is off, attaches severity, location and frame, and sorts by position. */
function applySeverity(
  findings: readonly Finding[],
  resolved: ResolvedOptions,
  context: { source: string; file: string; lines: LineIndex },
): Diagnostic[] {
  return findings
    .filter((finding) => resolved.checks[finding.name] !== 'off')
    .sort((a, b) => a.offset - b.offset)
    .map((finding) => toDiagnostic(finding, resolved.checks[finding.name] === 'error' ? 'error' : 'warning', context));
}
