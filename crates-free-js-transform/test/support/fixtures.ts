import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { formatDiagnostic, transform, type TransformOptions, type TransformResult } from '../../src/index.js';

/** Where fixture files live. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The recording runtime the eval sections import instead of the real one. */
export const RECORDING_RUNTIME = fileURLToPath(new URL('./recording-runtime.mjs', import.meta.url));
/** The project root fixtures pretend to live in. */
export const FIXTURE_ROOT = '/project';

/** One fixture: `<name>.<ext>` plus optional `<name>.options.json` and `<name>.eval.json`. */
export interface Fixture {
  /** File name without extension, e.g. `export-async-function` or `error.unknown-tag`. */
  name: string;
  /** Absolute path of the source file. */
  sourcePath: string;
  /** The source text. */
  code: string;
  /** Whether the fixture is an expected failure (`error.` prefix). */
  expectsError: boolean;
  /** Transform options (filename defaults to `app/<file>` under the fixture root). */
  options: TransformOptions;
  /** Calls to make against the evaluated output, when the fixture has an eval file. */
  evalCalls: EvalCall[] | null;
}

/** One call of an eval section: an export, its arguments, and optionally a call of what it returns. */
export interface EvalCall {
  /** Export to call. */
  export: string;
  /** Arguments (JSON). */
  args: unknown[];
  /** When set, the export returns a function (an inline action) that is then called with these arguments. */
  thenCall?: unknown[];
}

const SOURCE = /\.(tsx?|jsx?|mts|mjs)$/;

/** Reads every fixture, in name order. */
export function loadFixtures(): Fixture[] {
  return fs
    .readdirSync(FIXTURES_DIR)
    .filter((file) => SOURCE.test(file) && !file.endsWith('.d.ts'))
    .sort()
    .map((file) => {
      const name = file.replace(SOURCE, '');
      const sourcePath = path.join(FIXTURES_DIR, file);
      const optionsPath = path.join(FIXTURES_DIR, `${name}.options.json`);
      const evalPath = path.join(FIXTURES_DIR, `${name}.eval.json`);
      // Per-fixture options are strict JSON (JSON.parse rejects comments and trailing commas).
      const extra = fs.existsSync(optionsPath)
        ? (JSON.parse(fs.readFileSync(optionsPath, 'utf8')) as Partial<TransformOptions>)
        : {};
      return {
        name,
        sourcePath,
        code: fs.readFileSync(sourcePath, 'utf8'),
        expectsError: name.startsWith('error.'),
        options: { root: FIXTURE_ROOT, filename: `app/${file}`, ...extra },
        evalCalls: fs.existsSync(evalPath) ? (JSON.parse(fs.readFileSync(evalPath, 'utf8')) as EvalCall[]) : null,
      };
    });
}

/** The fence language of a fixture's source. */
export function languageOf(fixture: Fixture): string {
  return path.extname(fixture.sourcePath).slice(1).replace(/^m/, '');
}

/** Runs the transform the way the fixture says. */
export function transformFixture(fixture: Fixture, overrides: Partial<TransformOptions> = {}): TransformResult {
  return transform(fixture.code, { ...fixture.options, ...overrides });
}

/** Strips TypeScript and JSX so Node can run a module (what SWC does in Next, minus the action transform). */
export function toRunnableJs(code: string, fileName: string): string {
  return ts.transpileModule(code, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX,
      verbatimModuleSyntax: false,
      experimentalDecorators: true,
    },
  }).outputText;
}

let moduleCounter = 0;

/** Writes a module under test/.tmp and imports it. */
export async function importModule(code: string, label: string): Promise<Record<string, unknown>> {
  const dir = fileURLToPath(new URL('../.tmp/', import.meta.url));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${label.replace(/[^\w.-]/g, '_')}-${process.pid}-${moduleCounter++}.mjs`);
  fs.writeFileSync(file, code);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function describeFunction(value: unknown): string {
  return typeof value === 'function' ? `name ${JSON.stringify(value.name)}, length ${value.length}` : `not a function (${typeof value})`;
}

/**
 * Runs the transformed module against the recording runtime and describes what happened: for each call, the guard
 * metadata it received and what the original body returned; and whether each export kept its name and length.
 */
export async function evaluateFixture(fixture: Fixture, calls: EvalCall[]): Promise<string> {
  const recorder = (await import(pathToFileURL(RECORDING_RUNTIME).href)) as {
    calls: { meta: Record<string, unknown>; args: unknown[]; self: unknown }[];
    resetCalls: () => void;
  };
  const result = transformFixture(fixture, { runtimeImport: pathToFileURL(RECORDING_RUNTIME).href });
  const output = await importModule(toRunnableJs(result.code, fixture.sourcePath), `${fixture.name}.out`);
  const input = await importModule(toRunnableJs(fixture.code, fixture.sourcePath), `${fixture.name}.in`);
  const lines: string[] = [];
  for (const name of [...new Set([...Object.keys(input), ...Object.keys(output)])].sort()) {
    if (!(name in output)) {
      lines.push(`export ${name}: not exported any more (input: ${describeFunction(input[name])})`);
      continue;
    }
    const before = name in input ? describeFunction(input[name]) : 'missing';
    const after = describeFunction(output[name]);
    lines.push(before === after ? `export ${name}: ${after} (as in the input)` : `export ${name}: ${after} (input: ${before})`);
  }
  for (const call of calls) {
    recorder.resetCalls();
    const target = output[call.export] as (...args: unknown[]) => unknown;
    let value: unknown;
    let label = `${call.export}(${call.args.map((arg) => JSON.stringify(arg)).join(', ')})`;
    try {
      value = await target(...call.args);
      if (call.thenCall !== undefined) {
        label += `(${call.thenCall.map((arg) => JSON.stringify(arg)).join(', ')})`;
        value = await (value as (...args: unknown[]) => unknown)(...call.thenCall);
      }
    } catch (error) {
      value = `threw ${(error as Error).message}`;
    }
    lines.push('', `call ${label}`);
    for (const recorded of recorder.calls) {
      const self = recorded.self === undefined ? 'none' : recorded.self === output[call.export] ? `the export ${call.export}` : 'another function';
      lines.push(`  guard ${recorded.meta.ref} (${recorded.meta.kind}, line ${recorded.meta.line}) args ${JSON.stringify(recorded.args)} self: ${self}`);
      const schema = typeof recorded.meta.schema === 'function' ? (recorded.meta.schema as () => unknown)() : null;
      if (schema !== null) lines.push(`    schema thunk -> ${JSON.stringify(schema)}`);
    }
    if (recorder.calls.length === 0) lines.push('  guard was not called');
    lines.push(`  body returned ${JSON.stringify(value)}`);
  }
  return lines.join('\n');
}

/** The readable record of a fixture: input, output or diagnostics, actions, and the eval section. */
export async function renderExpectation(fixture: Fixture): Promise<string> {
  const result = transformFixture(fixture);
  const language = languageOf(fixture);
  const sections: string[] = [`# ${fixture.name}`, '', '## Input', '', '```' + language, fixture.code.trimEnd(), '```'];
  if (fixture.options.rules || fixture.options.checks || fixture.options.actionPaths || fixture.options.filename !== `app/${path.basename(fixture.sourcePath)}`) {
    const { root: _root, ...shown } = fixture.options;
    sections.push('', '## Options', '', '```json', JSON.stringify(shown, null, 2), '```');
  }
  if (result.diagnostics.length > 0) {
    sections.push('', '## Diagnostics', '', '```text', result.diagnostics.map(formatDiagnostic).join('\n\n'), '```');
  }
  sections.push('', '## Output', '', result.changed ? '```' + language + '\n' + result.code.trimEnd() + '\n```' : '(unchanged)');
  if (result.actions.length > 0) {
    sections.push('', '## Actions', '', '```json');
    for (const action of result.actions) {
      const { file: _file, policy, ...rest } = action;
      sections.push(JSON.stringify({ ...rest, policy: compactPolicy(policy) }));
    }
    sections.push('```');
  }
  if (fixture.evalCalls !== null) {
    sections.push('', '## Eval', '', '```text', await evaluateFixture(fixture, fixture.evalCalls), '```');
  }
  return sections.join('\n') + '\n';
}

/** The policy without its empty fields, so expectations stay readable. */
function compactPolicy(policy: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(policy).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0)),
  );
}
