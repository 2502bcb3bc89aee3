import type { File } from '@babel/types';
import { collectActionSites, findJsDoc, type ActionSite, type LocalisableExport } from './analyze/collect-action-sites.js';
import { collectModuleBindings } from './analyze/module-scope.js';
import { parseModule } from './analyze/parse-module.js';
import { parsePolicyTags, type JsDocTag } from './analyze/parse-policy-tags.js';
import { recoverActions } from './analyze/recover-actions.js';
import { emitGuards } from './codegen/emit-guards.js';
import { GUARDED_MARKER, parameterShape, planGuards, type PlannedGuard } from './codegen/plan-guards.js';
import { LineIndex, toDiagnostic, type Finding } from './diagnostics/format-diagnostic.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { ActionRecord, Diagnostic, TransformOptions, TransformResult } from './types.js';
import { resolvePolicy } from './validate/resolve-policy.js';

/** A `"use server"` string literal anywhere (prologue or function body); files without one are passed through. */
const USE_SERVER = /(["'])use server\1/g;

/** The import the transform injects; a bare mention of the marker elsewhere does not count. */
const GUARDED_IMPORT = new RegExp(`import \\$\\$ag\\d*_runtime from "[^"\\n]*" /\\* ${GUARDED_MARKER} \\*/;`);

function unchanged(code: string, actions: ActionRecord[] = [], diagnostics: Diagnostic[] = []): TransformResult {
  return { code, map: null, changed: false, actions, diagnostics };
}

/** The shortest `$$ag…_` prefix that occurs nowhere in the text, so injected names cannot collide. */
function choosePrefix(code: string): string {
  if (!code.includes('$$ag')) return '$$ag_';
  for (let index = 1; ; index++) if (!code.includes(`$$ag${index}_`)) return `$$ag${index}_`;
}

/**
 * Finds every Server Action in a module, reads its policy, and wraps it so each call goes through the runtime
 * guard first. Pure: no Next, no bundler, no file system. Files without a `"use server"` literal come back
 * untouched without being parsed; running it on its own output changes nothing.
 */
export function transform(code: string, options: TransformOptions): TransformResult {
  const resolved = resolveOptions(options);
  const mentions = code.match(USE_SERVER)?.length ?? 0;
  if (mentions === 0) return unchanged(code);
  // Our own output (the injected import with its marker) is returned as it is: the transform is idempotent.
  if (code.includes(GUARDED_MARKER) && GUARDED_IMPORT.test(code)) return unchanged(code, recoverActions(code, resolved.filename));

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
    return unchanged(code, [], applySeverity([finding], resolved, context));
  }

  const prologueMentions = ast.program.directives.filter((directive) => directive.value.value === 'use server').length;
  const analysis = collectActionSites(ast, { findInline: mentions > prologueMentions });
  const bindings = collectModuleBindings(ast.program);
  const findings: Finding[] = [];

  if (analysis.isServerModule && !analysis.isClientModule && !resolved.insideActionPaths) {
    const directive = ast.program.directives.find((d) => d.value.value === 'use server')!;
    findings.push({
      name: 'server-module-outside-paths',
      offset: directive.start!,
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
      for (const candidate of analysis.valueExports.values()) {
        if (candidate.localName === tag.args) consumed.set(candidate.name, candidate);
      }
    }
  }
  const sites = analysis.sites.filter((site) => !(site.kind === 'export' && consumed.has(site.exportName!)));

  const actions: ActionRecord[] = [];
  const guards: PlannedGuard[] = [];
  for (const site of sites) {
    const label = site.kind === 'export' ? `action "${site.exportName}"` : `inline action "${site.refName}"`;
    const { policy, findings: policyFindings } = resolvePolicy({
      tags: tagsOf.get(site)!,
      offset: site.offset,
      label,
      declaredParams: declaredParameterCount(site),
      conventionSchema: conventionOf(site),
      moduleBindings: bindings,
      rules: resolved.rules,
    });
    findings.push(...policyFindings);
    if (site.unguardable !== null) {
      findings.push({
        name: 'unguardable-action',
        offset: site.offset,
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
    };
    actions.push(record);
    if (record.guarded) guards.push({ site, record });
  }

  const diagnostics = applySeverity(findings, resolved, context);
  if (guards.length === 0 && consumed.size === 0) return unchanged(code, actions, diagnostics);

  const edits = planGuards({
    code,
    program: ast.program,
    guards,
    localise: [...consumed.values()],
    runtimeImport: resolved.runtimeImport,
    prefix: choosePrefix(code),
  });
  const output = emitGuards(code, edits, { filename: resolved.filename, sourceMaps: resolved.sourceMaps });
  return { code: output.code, map: output.map, changed: true, actions, diagnostics };
}

/** Parameters an action declares (rest counts as one); `null` when its shape is unknown (`wrap(fn)`). */
function declaredParameterCount(site: ActionSite): number | null {
  if (site.fn === null) return null;
  const shape = parameterShape(site.fn);
  return shape.count + (shape.rest ? 1 : 0);
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
