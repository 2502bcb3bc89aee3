import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { findActionsPassedByServerCode, passedIn, resolvesTo, withoutServerPassedActions } from '../src/server-passed-actions.js';
import type { Finding, ManifestAction } from '../src/types.js';

// AG304 is computed from client bundles, so an action only Server Components pass on looked unreferenced on every
// build (issue #16). These are the cases it must now stay quiet on, and the ones it must still report.

const create = { ref: 'app/actions.ts#createPost', file: 'app/actions.ts', exportName: 'createPost' };
const remove = { ref: 'app/actions.ts#deletePost', file: 'app/actions.ts', exportName: 'deletePost' };
const legacy = { ref: 'src/lib/actions/index.ts#default', file: 'src/lib/actions/index.ts', exportName: 'default' };

describe('passedIn: a module that passes an action on', () => {
  test.each([
    ['a form action', `import { createPost } from './actions';\nexport default () => <form action={createPost} />;`],
    ['a button formAction, renamed', `import { createPost as save } from "./actions";\nexport const B = () => <button formAction={ save }>Save</button>;`],
    ['a prop of a client component', `import { deletePost, createPost } from '@/app/actions';\n<Editor onSave={createPost} />`],
    ['bound to an id', `import { createPost } from '../app/actions';\nconst withId = createPost.bind(null, id);\n<Form action={withId} />`],
    ['through a namespace import', `import * as actions from './actions';\n<form action={actions.createPost} />`],
    ['across lines', `import {\n  type Post,\n  createPost,\n} from './actions.ts';\n<form action={createPost}></form>`],
  ])('%s', (_, text) => {
    const importer = text.includes('../app/actions') ? 'components/form.tsx' : text.includes('@/') ? 'components/editor.tsx' : 'app/page.tsx';
    expect(passedIn(text, importer, [create, remove])).toEqual([create.ref]);
  });

  test('a default export, imported by a path alias of a src/ layout', () => {
    expect(passedIn(`import legacyAction from '@/lib/actions';\n<form action={legacyAction} />`, 'src/app/page.tsx', [legacy])).toEqual([legacy.ref]);
  });

  test.each([
    ['only called on the server (an endpoint no page needs)', `import { createPost } from './actions';\nawait createPost(data);`],
    ['imported as a type only', `import type { createPost } from './actions';\n<form action={createPost} />`],
    ['a same-named function of another module', `import { createPost } from './other-actions';\n<form action={createPost} />`],
    ['a same-named export of a package', `import { createPost } from 'cms/actions-client';\n<form action={createPost} />`],
    ['not imported at all', `const createPost = () => {};\n<form action={createPost} />`],
    ['another export of the module', `import { createPost } from './actions';\n<form action={createPost} />`],
  ])('stays reported when %s', (_, text) => {
    const candidates = _ === 'another export of the module' ? [remove] : [create];
    expect(passedIn(text, 'app/page.tsx', candidates)).toEqual([]);
  });
});

describe('resolvesTo', () => {
  test.each([
    ['./actions', 'app/page.tsx', 'app/actions.ts', true],
    ['../actions', 'app/posts/page.tsx', 'app/actions.ts', true],
    ['./lib', 'app/page.tsx', 'app/lib/index.ts', true],
    ['@/app/actions', 'components/a.tsx', 'app/actions.ts', true],
    ['@/lib/actions', 'src/app/page.tsx', 'src/lib/actions.ts', true],
    ['~/lib/actions.js', 'src/app/page.tsx', 'src/lib/actions.ts', true],
    ['./actions', 'app/posts/page.tsx', 'app/actions.ts', false],
    ['@/app/actions-old', 'components/a.tsx', 'app/actions.ts', false],
    ['next/navigation', 'app/page.tsx', 'app/navigation.ts', false],
  ] as const)('%s from %s → %s: %s', (specifier, importer, file, expected) => {
    expect(resolvesTo(specifier, importer, file)).toBe(expected);
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ag-passed-'));
  dirs.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('on a project', () => {
  const files = {
    'app/actions.ts': `'use server';\nexport async function createPost() {}\nexport async function deletePost() {}\n`,
    'app/page.tsx': `import { createPost, deletePost } from './actions';\nexport default async function Page() {\n  await deletePost();\n  return <form action={createPost} />;\n}\n`,
    // Compiled chunks and dependencies are not the app's source.
    '.next/server/app/page.js': `import { deletePost } from '../../app/actions';<form action={deletePost} />`,
    'node_modules/lib/index.js': `import { deletePost } from '../../app/actions';<form action={deletePost} />`,
  };

  test('finds the actions its Server Components pass on, and nothing in .next or node_modules', async () => {
    expect(await findActionsPassedByServerCode(project(files), [create, remove])).toEqual(new Set([create.ref]));
  });

  test('drops only those from the unreferenced-action findings', async () => {
    const finding = (name: string, ref: string): Finding => ({ code: name === 'unreferenced-action' ? 'AG304' : 'AG301', name, severity: 'warning', message: '', fix: '', docs: '', file: null, line: null, column: null, ref });
    const action = (ref: string, exportName: string) => ({ ref, file: 'app/actions.ts', exportName, kind: 'export' }) as ManifestAction;
    const findings = [finding('unreferenced-action', create.ref), finding('unreferenced-action', remove.ref), finding('unguarded-action', create.ref)];
    const kept = await withoutServerPassedActions(findings, [action(create.ref, 'createPost'), action(remove.ref, 'deletePost')], project(files));
    expect(kept.map((f) => `${f.name} ${f.ref}`)).toEqual([`unreferenced-action ${remove.ref}`, `unguarded-action ${create.ref}`]);
  });
});
