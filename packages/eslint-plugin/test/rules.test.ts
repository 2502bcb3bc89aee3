import path from 'node:path';
import { DIAGNOSTICS } from '@action-guard/transform';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it, test } from 'vitest';
import plugin from '../src/index.js';
import { project } from './helpers.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

/** A project with the strict defaults (no action-guard.config). */
const plain = project();
const file = (name = 'app/actions.ts', root = plain): string => path.join(root, name);
const lines = (...text: string[]): string => text.join('\n');

/** ESLint's message: the code, the build's message and its fix. */
const message = (code: string, text: string, fix: string): string => `${code} ${text} — fix: ${fix}`;
const AUTH_FIX = 'add `@requiresAuth`, `@role <name>`, `@authorize <fn>` or `@public <reason>` to the JSDoc block above it, or a directory rule';
const SCHEMA_FIX = 'add `@schema <Identifier>` to the JSDoc block above it (any Standard Schema validator), or export `<action>Schema` from this module';

test('the plugin has one rule per AG1xx check, plus the warning and config rules, each with its docs link', () => {
  expect(Object.keys(plugin.rules).sort()).toEqual([...DIAGNOSTICS.map((d) => d.name), 'config-error', 'policy-warning'].sort());
  for (const definition of DIAGNOSTICS) {
    expect(plugin.rules[definition.name]!.meta!.docs!.url).toBe(`https://github.com/action-guard/action-guard/blob/main/docs/diagnostics.md#${definition.name}`);
  }
  expect(plugin.configs.recommended.rules!['action-guard/missing-auth-decision']).toBe('error');
  expect(plugin.configs.recommended.rules!['action-guard/policy-warning']).toBe('warn');
  expect(plugin.configs.recommended.plugins!['action-guard']).toBe(plugin);
});

tester.run('cache-function-policy (AG115), and AG101 on a "use cache" function in a file without "use server"', plugin.rules['cache-function-policy']!, {
  valid: [
    { filename: file('app/page.tsx'), code: lines('export default async function Page() {', '  /** @public Same for all. */', '  async function load() { "use cache"; return 1; }', '  return load();', '}') },
  ],
  invalid: [
    {
      filename: file('app/page.tsx'),
      code: lines('export default async function Page() {', '  /** @requiresAuth */', '  async function load() { "use cache"; return 1; }', '  return load();', '}'),
      errors: [{ line: 2, column: 7, message: /^AG115 @requiresAuth on "use cache" function "Page\/load" cannot be enforced/ }],
    },
  ],
});

tester.run('missing-auth-decision (AG101) on a "use cache" function: only @public is offered', plugin.rules['missing-auth-decision']!, {
  valid: [],
  invalid: [
    {
      filename: file('app/page.tsx'),
      code: lines('export default async function Page() {', '  async function load() { "use cache"; return 1; }', '  return load();', '}'),
      errors: [{
        message: /^AG101 "use cache" function "Page\/load" has no auth decision — fix: `@public <reason>` is the only decision/,
        line: 2,
        suggestions: [{ messageId: 'addPublic', output: lines('export default async function Page() {', '  /** @public */', '  async function load() { "use cache"; return 1; }', '  return load();', '}') }],
      }],
    },
  ],
});

tester.run('missing-auth-decision (AG101)', plugin.rules['missing-auth-decision']!, {
  valid: [
    { filename: file(), code: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}') },
    // No "use server": nothing to check, whatever the file says.
    { filename: file(), code: 'export async function save() {}' },
  ],
  invalid: [
    {
      filename: file(),
      code: lines('"use server";', 'export async function save() {}'),
      errors: [{
        message: message('AG101', 'action "save" has no auth decision', AUTH_FIX),
        // At the function, as the build reports it (app/actions.ts:2:8).
        line: 2,
        column: 8,
        suggestions: [
          { messageId: 'addRequiresAuth', output: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}') },
          { messageId: 'addPublic', output: lines('"use server";', '/** @public */', 'export async function save() {}') },
        ],
      }],
    },
    {
      // Next cooks the directive: 'use\x20server' is "use server", and so is a line continuation. The loader's
      // pre-filter lets both through, so lint must too (countServerDirectiveCandidates, analyze/directives.ts).
      filename: file(),
      code: lines("'use\\x20server';", 'export async function save() {}'),
      errors: [{
        message: message('AG101', 'action "save" has no auth decision', AUTH_FIX),
        line: 2,
        column: 8,
        suggestions: [
          { messageId: 'addRequiresAuth', output: lines("'use\\x20server';", '/** @requiresAuth */', 'export async function save() {}') },
          { messageId: 'addPublic', output: lines("'use\\x20server';", '/** @public */', 'export async function save() {}') },
        ],
      }],
    },
    {
      filename: file(),
      code: lines("'use \\", "server';", 'export async function save() {}'),
      errors: [{
        message: message('AG101', 'action "save" has no auth decision', AUTH_FIX),
        line: 3,
        column: 8,
        suggestions: [
          { messageId: 'addRequiresAuth', output: lines("'use \\", "server';", '/** @requiresAuth */', 'export async function save() {}') },
          { messageId: 'addPublic', output: lines("'use \\", "server';", '/** @public */', 'export async function save() {}') },
        ],
      }],
    },
    {
      // A multi-line block gets a new tag line above its closing line.
      filename: file(),
      code: lines('"use server";', '/**', ' * Saves.', ' */', 'export const save = async () => {};'),
      errors: [{
        messageId: 'diagnostic',
        line: 5,
        column: 21,
        suggestions: [
          { messageId: 'addRequiresAuth', output: lines('"use server";', '/**', ' * Saves.', ' * @requiresAuth', ' */', 'export const save = async () => {};') },
          { messageId: 'addPublic', output: lines('"use server";', '/**', ' * Saves.', ' * @public', ' */', 'export const save = async () => {};') },
        ],
      }],
    },
    {
      // A one-line block becomes a multi-line one: a tag counts only at the start of a line.
      filename: file(),
      code: lines('"use server";', '/** Saves. */', 'export async function save() {}'),
      errors: [{
        messageId: 'diagnostic',
        suggestions: [
          { messageId: 'addRequiresAuth', output: lines('"use server";', '/**', ' * Saves.', ' * @requiresAuth', ' */', 'export async function save() {}') },
          { messageId: 'addPublic', output: lines('"use server";', '/**', ' * Saves.', ' * @public', ' */', 'export async function save() {}') },
        ],
      }],
    },
    {
      // An inline action in a component: the block goes above its declaration, indented like it.
      filename: file('app/page.tsx'),
      code: lines(
        'export default function Page() {',
        '  async function save() {',
        "    'use server';",
        '  }',
        '  return <form action={save} />;',
        '}',
      ),
      errors: [{
        message: message('AG101', 'inline action "Page/save" has no auth decision', AUTH_FIX),
        line: 2,
        column: 3,
        suggestions: [
          {
            messageId: 'addRequiresAuth',
            output: lines('export default function Page() {', '  /** @requiresAuth */', '  async function save() {', "    'use server';", '  }', '  return <form action={save} />;', '}'),
          },
          {
            messageId: 'addPublic',
            output: lines('export default function Page() {', '  /** @public */', '  async function save() {', "    'use server';", '  }', '  return <form action={save} />;', '}'),
          },
        ],
      }],
    },
  ],
});

tester.run('missing-schema (AG102)', plugin.rules['missing-schema']!, {
  valid: [
    { filename: file(), code: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}') },
    { filename: file(), code: lines('"use server";', 'export const saveSchema = {};', '/** @requiresAuth */', 'export async function save(input: unknown) {}') },
  ],
  invalid: [
    {
      filename: file(),
      code: lines(
        '"use server";',
        "import { z } from 'zod';",
        'const createInvoiceSchema = z.object({});',
        'const invoiceSchema = z.object({});',
        'const userSchema = z.object({});',
        '/**',
        ' * @requiresAuth',
        ' */',
        'export async function createInvoice(input: unknown) {}',
      ),
      errors: [{
        message: message('AG102', 'action "createInvoice" takes input but has no schema', SCHEMA_FIX),
        line: 9,
        column: 8,
        suggestions: [
          {
            messageId: 'bindSchema',
            data: { action: '"createInvoice"', schema: 'createInvoiceSchema' },
            output: lines('"use server";', "import { z } from 'zod';", 'const createInvoiceSchema = z.object({});', 'const invoiceSchema = z.object({});',
              'const userSchema = z.object({});', '/**', ' * @requiresAuth', ' * @schema createInvoiceSchema', ' */', 'export async function createInvoice(input: unknown) {}'),
          },
          {
            messageId: 'bindSchema',
            data: { action: '"createInvoice"', schema: 'invoiceSchema' },
            output: lines('"use server";', "import { z } from 'zod';", 'const createInvoiceSchema = z.object({});', 'const invoiceSchema = z.object({});',
              'const userSchema = z.object({});', '/**', ' * @requiresAuth', ' * @schema invoiceSchema', ' */', 'export async function createInvoice(input: unknown) {}'),
          },
        ],
      }],
    },
    {
      // No value in scope fits: no suggestion (a schema is not invented).
      filename: file(),
      code: lines('"use server";', '/** @requiresAuth */', 'export async function save(input: unknown) {}'),
      errors: [{ messageId: 'diagnostic', line: 3, column: 8, suggestions: [] }],
    },
  ],
});

tester.run('unknown-tag (AG103)', plugin.rules['unknown-tag']!, {
  valid: [{ filename: file(), code: lines('"use server";', '/**', ' * @param x the x', ' * @requiresAuth', ' */', 'export async function save() {}') }],
  invalid: [
    {
      filename: file(),
      code: lines('"use server";', '/**', ' * @requireAuth', ' */', 'export async function save() {}'),
      errors: [{
        message: message('AG103', 'unknown tag @requireAuth on action "save"; did you mean `@requiresAuth`?', 'rename it to `@requiresAuth`'),
        // The build prints app/actions.ts:3:4 (1-based column of the `@`); ESLint prints the same line:column.
        line: 3,
        column: 4,
        suggestions: [{
          messageId: 'renameTag',
          data: { from: 'requireAuth', to: 'requiresAuth' },
          output: lines('"use server";', '/**', ' * @requiresAuth', ' */', 'export async function save() {}'),
        }],
      }],
    },
    {
      filename: file(),
      code: lines('"use server";', '/** @requiresAuth @frobnicate */', 'export async function save() {}'),
      errors: [{ messageId: 'diagnostic', line: 2, column: 19, suggestions: [] }],
    },
  ],
});

tester.run('malformed-tag (AG104)', plugin.rules['malformed-tag']!, {
  valid: [{ filename: file(), code: lines('"use server";', '/** @public Anyone may subscribe. */', 'export async function subscribe() {}') }],
  invalid: [{
    filename: file(),
    code: lines('"use server";', '/** @public */', 'export async function subscribe() {}'),
    errors: [{ message: message('AG104', 'malformed @public on action "subscribe": a reason is required', 'write `@public <why this action needs no session>`'), line: 2, column: 13 }],
  }],
});

tester.run('schema-not-in-scope (AG105)', plugin.rules['schema-not-in-scope']!, {
  valid: [{ filename: file(), code: lines('"use server";', 'const input = {};', '/** @requiresAuth @schema input */', 'export async function save(x: unknown) {}') }],
  invalid: [{
    filename: file(),
    code: lines('"use server";', "import type { input } from './schemas';", '/** @requiresAuth @schema input */', 'export async function save(x: unknown) {}'),
    errors: [{ messageId: 'diagnostic', line: 3, column: 27 }],
  }],
});

tester.run('authorize-not-in-scope (AG106)', plugin.rules['authorize-not-in-scope']!, {
  valid: [{ filename: file(), code: lines('"use server";', 'function canEdit() { return true; }', '/** @authorize canEdit */', 'export async function save() {}') }],
  invalid: [{
    filename: file(),
    code: lines('"use server";', '/** @authorize canEdit */', 'export async function save() {}'),
    errors: [{ message: message('AG106', '@authorize canEdit on action "save" is not declared or imported in this module', 'import or declare `canEdit` at the top level of this module'), line: 2, column: 16 }],
  }],
});

tester.run('contradictory-tags (AG107)', plugin.rules['contradictory-tags']!, {
  valid: [{ filename: file(), code: lines('"use server";', '/** @role admin */', 'export async function save() {}') }],
  invalid: [{
    filename: file(),
    code: lines('"use server";', '/**', ' * @public Visitors.', ' * @requiresAuth', ' */', 'export async function save() {}'),
    errors: [{ messageId: 'diagnostic', line: 3, column: 4 }],
  }],
});

const admin = project({ 'action-guard.config.json': JSON.stringify({ rules: { 'app/admin/**': { role: ['admin'] } } }) });
tester.run('weakens-directory-rule (AG108)', plugin.rules['weakens-directory-rule']!, {
  valid: [{ filename: file('app/admin/actions.ts', admin), code: lines('"use server";', 'export async function purge() {}') }],
  invalid: [{
    filename: file('app/admin/actions.ts', admin),
    code: lines('"use server";', '/** @public Everyone. */', 'export async function purge() {}'),
    errors: [{
      message: message('AG108', '@public on action "purge" weakens directory rule "app/admin/**", which requires auth', 'remove @public (directory rules are floors), or move the action out of that directory'),
      line: 2,
      column: 5,
    }],
  }],
});

tester.run('unguardable-action (AG109)', plugin.rules['unguardable-action']!, {
  valid: [{ filename: file(), code: lines('"use server";', '/** @requiresAuth */', 'export async function list() {}') }],
  invalid: [{
    filename: file(),
    code: lines('"use server";', '/** @requiresAuth */', 'export async function* list() {}'),
    errors: [{ messageId: 'diagnostic', line: 3, column: 8 }],
  }],
});

const inlineAsError = project({ 'action-guard.config.json': JSON.stringify({ checks: { 'inline-action': 'error' } }) });
const inlineCode = lines(
  'export default function Page() {',
  '  /** @requiresAuth */',
  '  async function save() {',
  "    'use server';",
  '  }',
  '  return <form action={save} />;',
  '}',
);
tester.run('inline-action (AG110)', plugin.rules['inline-action']!, {
  // Off by default, as in the build.
  valid: [{ filename: file('app/page.tsx'), code: inlineCode }],
  invalid: [{
    filename: file('app/page.tsx', inlineAsError),
    code: inlineCode,
    errors: [{ message: message('AG110', 'inline action "Page/save" is an inline Server Action', 'move it to a "use server" module, or set checks["inline-action"] to "off" to allow inline actions'), line: 3, column: 3 }],
  }],
});

const paths = project({ 'action-guard.config.json': JSON.stringify({ actionPaths: ['app/**/actions.ts'] }) });
tester.run('server-module-outside-paths (AG111)', plugin.rules['server-module-outside-paths']!, {
  valid: [{ filename: file('app/billing/actions.ts', paths), code: lines('"use server";', '/** @requiresAuth */', 'export async function pay() {}') }],
  invalid: [{
    filename: file('lib/stray.ts', paths),
    code: lines('// A stray module.', '"use server";', '/** @requiresAuth */', 'export async function pay() {}'),
    errors: [{ message: message('AG111', '"use server" module lib/stray.ts is outside the configured actionPaths', 'move the actions into a file that matches actionPaths, or add this path to actionPaths'), line: 2, column: 1 }],
  }],
});

tester.run('unparseable-module (AG112)', plugin.rules['unparseable-module']!, {
  valid: [{ filename: file(), code: lines('"use server";', 'let a = 1;') }],
  // TypeScript's parser leaves redeclarations to the type checker; the transform's parser (Babel) rejects them, so
  // the build cannot find the file's actions: the file is reported, as in the build.
  invalid: [{
    filename: file(),
    code: lines('"use server";', 'let a = 1;', 'let a = 2;'),
    errors: [{ messageId: 'diagnostic', line: 3, column: 5 }],
  }],
});

const warnings = project({ 'action-guard.config.json': JSON.stringify({ checks: { 'missing-schema': 'warn', 'inline-action': 'warn' } }) });
tester.run('policy-warning', plugin.rules['policy-warning']!, {
  valid: [
    // Errors are not its business: the rule of their check reports them.
    { filename: file(), code: lines('"use server";', 'export async function save(input: unknown) {}') },
  ],
  invalid: [{
    filename: file('app/actions.ts', warnings),
    code: lines('"use server";', 'const saveSchema = {};', '/** @requiresAuth */', 'export async function save(input: unknown) {}'),
    errors: [{
      message: `AG102 missing-schema: action "save" takes input but has no schema — fix: ${SCHEMA_FIX}`,
      line: 4,
      column: 8,
      suggestions: [{
        messageId: 'bindSchema',
        output: lines('"use server";', 'const saveSchema = {};', '/**', ' * @requiresAuth', ' * @schema saveSchema', ' */', 'export async function save(input: unknown) {}'),
      }],
    }],
  }],
});

// The project of docs/adopting.md §2: `save` has no auth decision and is baselined for it; `remove` is not.
const adopting = project({
  'action-guard.baseline.json': JSON.stringify({
    version: 1,
    findings: [{ ref: 'app/actions.ts#save', check: 'missing-auth-decision', code: 'AG101' }],
  }),
});
const adoptingCode = lines('"use server";', 'export async function save() {}', 'export async function remove() {}');
tester.run('a baselined finding is a warning (policy-warning)', plugin.rules['policy-warning']!, {
  valid: [
    // Without the baseline nothing is a warning: both findings fail, through missing-auth-decision.
    { filename: file(), code: adoptingCode },
    // The entry names app/actions.ts: the same action in another file is not baselined.
    { filename: file('app/other.ts', adopting), code: adoptingCode },
  ],
  invalid: [{
    filename: file('app/actions.ts', adopting),
    code: adoptingCode,
    errors: [{
      message: `AG101 missing-auth-decision: action "save" has no auth decision — fix: ${AUTH_FIX} (baselined in action-guard.baseline.json)`,
      line: 2,
      column: 8,
      // Still offered: the way out of the baseline is to write the decision down.
      suggestions: [
        { messageId: 'addRequiresAuth', output: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}', 'export async function remove() {}') },
        { messageId: 'addPublic', output: lines('"use server";', '/** @public */', 'export async function save() {}', 'export async function remove() {}') },
      ],
    }],
  }],
});
tester.run('a finding the baseline does not list fails (missing-auth-decision)', plugin.rules['missing-auth-decision']!, {
  valid: [],
  invalid: [{
    filename: file('app/actions.ts', adopting),
    code: adoptingCode,
    errors: [{
      message: message('AG101', 'action "remove" has no auth decision', AUTH_FIX),
      line: 3,
      column: 8,
      suggestions: [
        { messageId: 'addRequiresAuth', output: lines('"use server";', 'export async function save() {}', '/** @requiresAuth */', 'export async function remove() {}') },
        { messageId: 'addPublic', output: lines('"use server";', 'export async function save() {}', '/** @public */', 'export async function remove() {}') },
      ],
    }],
  }],
});

const broken = project({ 'action-guard.config.json': JSON.stringify({ rule: {} }) });
const withBaseline = project({ 'action-guard.baseline.json': '{}' });
tester.run('config-error', plugin.rules['config-error']!, {
  valid: [
    { filename: file(), code: lines('"use server";', 'export async function save() {}') },
    // A file without "use server" never loads the config.
    { filename: file('app/page.ts', broken), code: 'export const x = 1;' },
  ],
  invalid: [
    {
      filename: file('app/actions.ts', broken),
      code: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}'),
      errors: [{ message: /^AG201 invalid action-guard configuration in .*action-guard\.config\.json:\n {2}- .*rule/, line: 1, column: 1 }],
    },
    {
      filename: file('app/actions.ts', withBaseline),
      code: lines('"use server";', '/** @requiresAuth */', 'export async function save() {}'),
      // The build's reader and message: a baseline the build cannot read fails it, so lint says so.
      errors: [{
        message: `AG203 invalid action-guard configuration in ${path.join(withBaseline, 'action-guard.baseline.json')}:\n  - version: expected 1, got nothing; this version of action-guard reads version 1\ndocs: https://github.com/action-guard/action-guard/blob/main/docs/diagnostics.md#unloadable-config`,
        line: 1,
        column: 1,
      }],
    },
  ],
});
