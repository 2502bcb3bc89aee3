import path from 'node:path';
import { toTransformerOptions, type ResolvedConfig } from '@action-guard/config';
import { countServerDirectiveCandidates, createChecker, type Diagnostic, type ModuleCheck } from '@action-guard/transform';
import type { Rule, SourceCode } from 'eslint';
import { findProjectRoot, loadProjectState } from './project-config.js';
import { lineStarts } from './suggestions.js';

/** What the rules of one linted file report, from one analysis shared by all of them. */
export interface FileFindings {
  /** The source text the analysis ran on. */
  text: string;
  /** Line start offsets of `text`, split as the transform splits lines. */
  lines: number[];
  /** The analysis: actions, diagnostics, where each action's policy is written. */
  check: ModuleCheck;
  /** Diagnostics that fail the build, grouped by check name: each goes to the rule of that name. */
  errors: Map<string, Diagnostic[]>;
  /**
   * Diagnostics the build reports as warnings (the check is `'warn'`, or the baseline lists the finding and the
   * diagnostic carries `baselined`): they go to `action-guard/policy-warning`.
   */
  warnings: Diagnostic[];
  /** The config or baseline could not be loaded: `action-guard/config-error` reports these. */
  problems: Error[];
}

/** One analysis per linted text: every rule of the plugin reads the same result (ESLint shares `sourceCode`). */
const analyses = new WeakMap<SourceCode, FileFindings | null>();

/**
 * Splits a file's diagnostics the way the build treats them: errors that fail it, per check, and warnings (the
 * check is `'warn'`, or the baseline lists the finding: `checkModule` applied it, as `transform()` does).
 */
export function classifyDiagnostics(diagnostics: readonly Diagnostic[]): Pick<FileFindings, 'errors' | 'warnings'> {
  const errors = new Map<string, Diagnostic[]>();
  const warnings: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'warning') warnings.push(diagnostic);
    else errors.set(diagnostic.name, [...(errors.get(diagnostic.name) ?? []), diagnostic]);
  }
  return { errors, warnings };
}

/**
 * The findings of the file a rule is linting, computed by the first rule that asks and shared with the others.
 * `null` for a file without a `"use server"` or `"use cache"` literal in any spelling (the transform's own pre-filter,
 * `countServerDirectiveCandidates`): no config lookup, no parse. The analysis is the build's
 * (`createChecker` with the options `toTransformerOptions` gives the build), on ESLint's text of the file.
 */
export function findingsOf(context: Rule.RuleContext): FileFindings | null {
  const sourceCode = context.sourceCode;
  const known = analyses.get(sourceCode);
  if (known !== undefined) return known;
  // The loader's skip test (packages/next/src/loader.ts): no string literal that cooks to "use server" or
  // "use cache" in any spelling Next accepts (`'use\x20server'`, line continuations). On other files it is one regular-expression test.
  const findings = countServerDirectiveCandidates(sourceCode.text) === 0 ? null : analyse(context);
  analyses.set(sourceCode, findings);
  return findings;
}

// One checker per loaded config: the options are validated and the rules and globs compiled once, not per file
// (a reloaded config is a new object, so it gets a new checker). The build's options (toTransformerOptions), as the
// loader and `audit` use them.
const checkers = new WeakMap<ResolvedConfig, (code: string, filename: string) => ModuleCheck>();
function checkerFor(config: ResolvedConfig): (code: string, filename: string) => ModuleCheck {
  let checker = checkers.get(config);
  if (checker === undefined) {
    checker = createChecker(toTransformerOptions(config));
    checkers.set(config, checker);
  }
  return checker;
}

function analyse(context: Rule.RuleContext): FileFindings {
  const text = context.sourceCode.text;
  const lines = lineStarts(text);
  // The physical file decides the project (a code block in Markdown belongs to the Markdown file's project); the
  // (possibly virtual) filename decides the parser, by its extension.
  const physical = path.resolve(context.cwd, context.physicalFilename);
  const root = findProjectRoot(physical, context.cwd);
  const project = loadProjectState(root);
  const none: ModuleCheck = { actions: [], diagnostics: [], sites: [], moduleBindings: [] };
  if (project.config === null) {
    return { text, lines, check: none, errors: new Map(), warnings: [], problems: project.errors };
  }
  const filename = path.resolve(context.cwd, context.filename);
  let check: ModuleCheck;
  try {
    check = checkerFor(project.config)(text, filename);
  } catch (error) {
    // Invalid options (a directory rule the transform rejects) fail the build before any diagnostic; so here.
    const problem = error instanceof Error ? error : new Error(String(error));
    return { text, lines, check: none, errors: new Map(), warnings: [], problems: [...project.errors, problem] };
  }
  return { text, lines, check, ...classifyDiagnostics(check.diagnostics), problems: project.errors };
}
