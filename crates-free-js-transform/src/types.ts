/**
 * The transform's own shapes: its options and its result. The shapes it shares with the other packages (the policy,
 * the action record, directory rules, severities) live in @action-guard/contracts and are re-exported here.
 */
import type { ActionRecord, CheckName, RulePolicy, Severity } from '@action-guard/contracts';

export type { ActionRecord, CheckName, NormalizedPolicy, RevalidateTarget, RulePolicy, Severity } from '@action-guard/contracts';

/** One baselined finding of `action-guard.baseline.json` (src/baseline.ts reads and writes the file): the action (or, for a finding about a whole file, the file) and the check. */
export interface BaselineEntry {
  /** The action's ref (`app/actions.ts#save`, `app/page.tsx#Page/save`), or a file for a file-level finding. */
  ref: string;
  /** The check's name (`missing-auth-decision`), as in config `checks`. */
  check: CheckName;
  /** The check's code (`AG101`), for people reading the file; matching ignores it. */
  code: string;
}

/** What callers pass to {@link transform} besides the source text. */
export interface TransformOptions {
  /** Path of the file: absolute, or relative to `root`. Its extension picks the parser (`.ts` parses without JSX). */
  filename: string;
  /**
   * Project root (the directory of next.config); refs, `file` and directory-rule globs are posix paths relative to it.
   * @default process.cwd()
   */
  root?: string;
  /**
   * Specifier the emitted code imports the runtime from (its default export is the `defineRuntime(...)` result).
   * @default '@action-guard/runtime/default'
   */
  runtimeImport?: string;
  /**
   * Directory rules: globs relative to `root` mapped to policy floors (docs/reference.md §2).
   * @default {}
   */
  rules?: Record<string, RulePolicy>;
  /**
   * Severity per check name; unset checks keep their default from {@link DIAGNOSTICS}.
   * @default {}
   */
  checks?: Partial<Record<CheckName, Severity>>;
  /**
   * Globs (relative to `root`) where `"use server"` modules may live; `null` allows them anywhere.
   * @default null
   */
  actionPaths?: string[] | null;
  /**
   * What else carries secrets, for the `captured-secret` check (besides `process.env` and secret-looking names): a
   * function called to get one (`getSecret`, `vault.read`), a module whose imports are secrets (`@/lib/secrets`), or
   * an imported name (`stripeKey`).
   * @default []
   */
  secretSources?: string[];
  /**
   * Entries of `action-guard.baseline.json` (src/baseline.ts); entries of other files are ignored. A finding listed
   * there is reported as a warning marked `baselined`, and its action records the checks in `baselined`.
   * @default []
   */
  baseline?: BaselineEntry[];
  /**
   * Whether to return a source map of the edits.
   * @default true
   */
  sourceMaps?: boolean;
}

/** A source map in its JSON form (version 3), pointing back into the input. */
export interface EncodedSourceMap {
  /** Always 3. */
  version: number;
  /** The output file name. */
  file: string;
  /** The input file, as one entry. */
  sources: string[];
  /** The input text. */
  sourcesContent: (string | null)[];
  /** Identifier names the mappings refer to. */
  names: string[];
  /** VLQ-encoded mappings. */
  mappings: string;
}

/** What {@link transform} returns. */
export interface TransformResult {
  /** The output text; the input itself when nothing changed. */
  code: string;
  /** Source map from `code` back to the input; `null` when nothing changed or maps are off. */
  map: EncodedSourceMap | null;
  /** Whether `code` differs from the input. */
  changed: boolean;
  /** Every action site found, guarded or not. */
  actions: ActionRecord[];
  /** Every problem found, all at once; sorted by position. */
  diagnostics: Diagnostic[];
}

/** One problem found in a file, ready to print. */
export interface Diagnostic {
  /** Stable code, e.g. `AG101`. */
  code: string;
  /** Kebab-case name, the key users put in config `checks`, e.g. `missing-auth-decision`. */
  name: CheckName;
  /** `error` fails the build; `warning` is printed. */
  severity: 'error' | 'warning';
  /** What is wrong, in one sentence. */
  message: string;
  /** How to fix it. */
  fix: string;
  /** Link to the documentation of this diagnostic. */
  docs: string;
  /** The file, posix, relative to root. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column (for `file:line:col`). */
  column: number;
  /** Code frame around the location, without ANSI colours. */
  frame: string;
  /** Present when `action-guard.baseline.json` lists this finding: it was an error and is reported as a warning. */
  baselined?: true;
}
