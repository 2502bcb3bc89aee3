import { checkModule, type Diagnostic } from '@action-guard/transform';
import { describe, expect, test } from 'vitest';
import { classifyDiagnostics } from '../src/file-findings.js';
import { fittingSchemas, lineStarts, offsetOf, suggestionsFor, type TextEdit } from '../src/suggestions.js';

const options = { filename: 'app/actions.tsx', root: '/project' };
const apply = (text: string, edit: TextEdit): string => text.slice(0, edit.range[0]) + edit.text + text.slice(edit.range[1]);

/** Every suggestion for every diagnostic of `code`, applied one at a time: [diagnostic name, message id, result]. */
function applied(code: string): [string, string, string][] {
  const check = checkModule(code, options);
  const starts = lineStarts(code);
  return check.diagnostics.flatMap((diagnostic) =>
    suggestionsFor(diagnostic, code, check, offsetOf(diagnostic, starts)).map(
      (suggestion): [string, string, string] => [diagnostic.name, suggestion.messageId, apply(code, suggestion.edit)],
    ),
  );
}

const names = (code: string): string[] => checkModule(code, options).diagnostics.map((d) => d.name);

describe('suggestions, checked with the transform itself', () => {
  const forms = {
    'export function': '"use server";\nexport async function save(input: unknown) {}\n',
    'export const arrow': '"use server";\n  export const save = async (input: unknown) => {};\n',
    'one-line JSDoc': '"use server";\n/** Saves. */\nexport async function save(input: unknown) {}\n',
    'multi-line JSDoc with text before the end': '"use server";\n/**\n * Saves. */\nexport async function save(input: unknown) {}\n',
    'multi-line JSDoc': '"use server";\n\t/**\n\t * Saves.\n\t */\n\texport async function save(input: unknown) {}\n',
    'a line comment first': '"use server";\n// Saves.\nexport async function save(input: unknown) {}\n',
    'a specifier export': '"use server";\nasync function saveLocal(input: unknown) {}\nexport { saveLocal as save };\n',
    'second declarator': '"use server";\nexport const other = 1, save = async (input: unknown) => {};\n',
    'inline, in a JSX attribute': 'export default function Page() {\n  return <form action={async (input: unknown) => { "use server"; }} />;\n}\n',
  };

  for (const [form, code] of Object.entries(forms)) {
    test(`${form}: @requiresAuth decides; @public without a reason still fails the build (never public by accident)`, () => {
      const results = applied(code);
      const requiresAuth = results.find(([name, id]) => name === 'missing-auth-decision' && id === 'addRequiresAuth');
      const publicTag = results.find(([name, id]) => name === 'missing-auth-decision' && id === 'addPublic');
      expect(requiresAuth, 'a @requiresAuth suggestion').toBeDefined();
      expect(publicTag, 'a @public suggestion').toBeDefined();
      expect(names(requiresAuth![2])).not.toContain('missing-auth-decision');
      expect(checkModule(requiresAuth![2], options).actions.every((action) => action.policy.auth === 'required')).toBe(true);
      expect(names(publicTag![2])).toContain('malformed-tag');
      expect(names(publicTag![2])).not.toContain('missing-auth-decision');
      expect(checkModule(publicTag![2], options).actions.every((action) => action.policy.auth === 'required')).toBe(true);
    });
  }

  test('binding a schema that fits removes missing-schema and validates with it', () => {
    const code = '"use server";\nconst createInvoiceSchema = {};\n/** @requiresAuth */\nexport async function createInvoice(input: unknown) {}\n';
    const [[name, id, result]] = applied(code) as [[string, string, string]];
    expect([name, id]).toEqual(['missing-schema', 'bindSchema']);
    expect(names(result)).toEqual([]);
    expect(checkModule(result, options).actions[0]!.policy.schema).toBe('createInvoiceSchema');
  });

  test('renaming a misspelt tag restores the policy it meant', () => {
    const code = '"use server";\n/** @roles admin */\nexport async function purge() {}\n';
    const rename = applied(code).find(([, id]) => id === 'renameTag');
    expect(rename![2]).toBe('"use server";\n/** @role admin */\nexport async function purge() {}\n');
    expect(names(rename![2])).toEqual([]);
    expect(checkModule(rename![2], options).actions[0]!.policy.roles).toEqual(['admin']);
  });
});

describe('fittingSchemas', () => {
  test('prefers <action>Schema, then the longest stem the action name contains; never an unrelated schema', () => {
    expect(fittingSchemas('createInvoice', ['invoiceSchema', 'userSchema', 'createInvoiceSchema', 'CreateInvoice_schema', 'inSchema', 'z']))
      .toEqual(['CreateInvoice_schema', 'createInvoiceSchema', 'invoiceSchema']);
    expect(fittingSchemas('save', ['userSchema', 'schema'])).toEqual([]);
  });
});

describe('classifyDiagnostics', () => {
  const diagnostic = (name: Diagnostic['name'], severity: Diagnostic['severity']): Diagnostic => ({
    code: 'AG1xx', name, severity, message: name, fix: '', docs: '', file: 'app/actions.ts', line: 1, column: 1, frame: '',
  });

  test('errors go to their check rule; warnings, baselined ones included, to the warning rule', () => {
    const missing = diagnostic('missing-schema', 'error');
    const inline = diagnostic('inline-action', 'warning');
    const auth: Diagnostic = { ...diagnostic('missing-auth-decision', 'warning'), baselined: true };
    const { errors, warnings } = classifyDiagnostics([missing, inline, auth]);
    expect([...errors.entries()]).toEqual([['missing-schema', [missing]]]);
    expect(warnings).toEqual([inline, auth]);
  });

  test('without warnings every error fails, grouped by check', () => {
    const auth = diagnostic('missing-auth-decision', 'error');
    const other = diagnostic('missing-auth-decision', 'error');
    expect(classifyDiagnostics([auth, other])).toEqual({ errors: new Map([['missing-auth-decision', [auth, other]]]), warnings: [] });
  });
});
