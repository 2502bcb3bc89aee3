import fc from 'fast-check';
import { PARAMS, TAGS } from '../support/generated-modules.js';

/**
 * Generated Next.js modules for the differential test against Next's compiler: "use server" and "use cache" modules
 * with every export form, later writes to exported bindings, directive spellings and imports, and server components
 * with inline actions and "use cache" functions (the tags and parameter shapes are those of
 * ../support/generated-modules.ts). A generated module is a plain model (what
 * fast-check draws and shrinks) rendered to source by `renderModule`; every function body calls `mark(<label>)`
 * from './helpers' first, so a test that runs the module can tell when body code ran.
 */

/**
 * Complete auth decisions. A valid policy for an action that declares parameters also names one schema per
 * parameter (`@schema sharedInput, sharedInput`, as the transform requires: AG113), so most generated actions are
 * guardable and a rejection is the exception worth reporting. A "use cache" function's only valid decision is
 * `@public <reason>` (VALID_CACHE_DECISION); drawn with `@requiresAuth` it keeps that tag, an invalid variant the
 * transform must reject (cache-function-policy).
 */
export const VALID_DECISIONS = [
  '@requiresAuth', '@public Visitors need this.', '@role admin editor', '@authorize canEdit',
  '@requiresAuth @rateLimit 10/1m', '@requiresAuth @dedupe input 1h', '@role admin @dedupe key:token',
];

/** The valid decision of a "use cache" function: it runs outside the request, so `@public` is the only one. */
export const VALID_CACHE_DECISION = '@public Cached for every caller.';

/** How many positional parameters a generated parameter list declares (`unknown`: a wrapped function, one schema). */
function parameterCount(params: string): number {
  if (params === '') return 0;
  if (params === 'unknown') return 1;
  let depth = 0;
  let count = 1;
  for (const char of params) {
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (char === ',' && depth === 0) count++;
  }
  return count;
}

/** A policy comment: a valid decision, a random mix of tags (possibly broken or none), or no comment at all. */
export type PolicySpec = { kind: 'valid'; tags: string } | { kind: 'mixed'; tags: string[] } | { kind: 'none' };

const policy: fc.Arbitrary<PolicySpec> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...VALID_DECISIONS).map((tags): PolicySpec => ({ kind: 'valid', tags })) },
  { weight: 1, arbitrary: fc.subarray(TAGS, { maxLength: 3 }).map((tags): PolicySpec => ({ kind: 'mixed', tags })) },
  { weight: 1, arbitrary: fc.constant<PolicySpec>({ kind: 'none' }) },
);

/** How an export of a "use server" (or "use cache") module is written. */
export const EXPORT_FORMS = [
  'function', 'const-arrow', 'let-arrow', 'var-arrow', 'function-expression', 'named-function-expression',
  'specifier', 'string-name', 'wrapper', 'array-destructure', 'object-destructure', 'export-destructure',
  'uninitialised-let', 'generator', 'sync', 'literal',
] as const;
export type ExportForm = (typeof EXPORT_FORMS)[number];

/** A write to the exported binding after its declaration (only generated where the binding is writable). */
export const LATER_WRITES = [
  'assign', 'assign-in-iife', 'var-redeclare', 'logical-or-assign', 'nullish-assign', 'array-destructuring-assign',
  'object-destructuring-assign',
] as const;
export type LaterWrite = (typeof LATER_WRITES)[number];

/** One export of a directive module. */
export interface ExportSpec {
  form: ExportForm;
  params: string;
  policy: PolicySpec;
  /** A second function assigned to the binding later, at module level. */
  laterWrite: LaterWrite | null;
  /** The body holds an inline `"use server"` arrow. */
  nestedInline: boolean;
  /** The export carries its own `"use server"` (meaningful in a "use cache" module). */
  ownDirective: boolean;
}

/** How a module's default export is written, if it has one. */
export const DEFAULT_FORMS = [
  'none', 'function', 'named-function', 'arrow', 'wrapper', 'identifier', 'reassigned-identifier', 'as-default',
  'destructured', 'generator',
] as const;
export type DefaultForm = (typeof DEFAULT_FORMS)[number];

/** What stands before the file directive. */
export const PROLOGUE_PREFIXES = ['', "'use strict';\n", '// A line comment.\n', '/** A file comment. */\n', "import type { U } from './u';\n", "'use strict';\nimport type { U } from './u';\n"] as const;
/** Spellings of "use server" that Next reads as the directive (the value of the string, escapes decoded). */
export const SERVER_DIRECTIVES = ["'use server';", '"use server";', '"use server"', "'use\\x20server';", "'\\u0075se server';"] as const;
/** Spellings of "use cache". */
export const CACHE_DIRECTIVES = ["'use cache';", '"use cache"', "'use\\x20cache';"] as const;
/** Extra imports after the directive. */
export const EXTRA_IMPORTS = ['none', 'type-import', 'json-with', 'json-assert'] as const;

/** A "use server" or "use cache" module. */
export interface DirectiveModuleSpec {
  kind: 'server' | 'cache';
  extension: 'ts' | 'tsx';
  prefix: (typeof PROLOGUE_PREFIXES)[number];
  directive: string;
  extraImport: (typeof EXTRA_IMPORTS)[number];
  exports: ExportSpec[];
  defaultForm: DefaultForm;
  defaultPolicy: PolicySpec;
  defaultParams: string;
}

/** Where an inline action or "use cache" function of a component sits. */
export const INLINE_FORMS = ['declaration', 'arrow', 'function-expression', 'method', 'jsx-attribute'] as const;

/** A function inside a server component: an inline action, a "use cache" function, or a plain function. */
export interface InlineSpec {
  form: (typeof INLINE_FORMS)[number];
  directive: 'use server' | 'use cache' | null;
  params: string;
  policy: PolicySpec;
  /** Reads a variable of the component, so Next captures (and encrypts) it. */
  captures: boolean;
  children: InlineSpec[];
}

/** A server component module (no file directive) with inline actions and "use cache" functions. */
export interface ComponentModuleSpec {
  kind: 'component';
  functions: InlineSpec[];
}

export type ModuleSpec = DirectiveModuleSpec | ComponentModuleSpec;

/** A rendered module: its path under the project root, its source, and what each registered name was made from. */
export interface GeneratedModule {
  filename: string;
  code: string;
  /** Export name → description of the form that produced it (for grouping failures). */
  origins: Map<string, string>;
  /** Module-level traits (directive spelling, what precedes it, extra imports). */
  traits: string[];
}

const exportSpec: fc.Arbitrary<ExportSpec> = fc.record({
  form: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...EXPORT_FORMS.filter((form) => form !== 'sync' && form !== 'literal')) },
    { weight: 1, arbitrary: fc.constantFrom<ExportForm>('sync', 'literal') },
  ),
  params: fc.constantFrom(...PARAMS),
  policy,
  laterWrite: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...LATER_WRITES) }),
  nestedInline: fc.boolean(),
  ownDirective: fc.boolean(),
});

/** Arbitrary "use server" / "use cache" modules. */
export const directiveModuleArbitrary: fc.Arbitrary<DirectiveModuleSpec> = fc
  .record({
    kind: fc.oneof({ weight: 4, arbitrary: fc.constant<'server'>('server') }, { weight: 1, arbitrary: fc.constant<'cache'>('cache') }),
    extension: fc.constantFrom<'ts' | 'tsx'>('ts', 'tsx'),
    prefix: fc.constantFrom(...PROLOGUE_PREFIXES),
    serverDirective: fc.constantFrom(...SERVER_DIRECTIVES),
    cacheDirective: fc.constantFrom(...CACHE_DIRECTIVES),
    extraImport: fc.constantFrom(...EXTRA_IMPORTS),
    exports: fc.array(exportSpec, { minLength: 1, maxLength: 5 }),
    defaultForm: fc.constantFrom(...DEFAULT_FORMS),
    defaultPolicy: policy,
    defaultParams: fc.constantFrom(...PARAMS),
  })
  .map(({ serverDirective, cacheDirective, ...rest }) => ({
    ...rest,
    directive: rest.kind === 'server' ? serverDirective : cacheDirective,
  }));

const inlineForm = fc.constantFrom(...INLINE_FORMS);
const inlineDirective = fc.constantFrom<InlineSpec['directive']>('use server', 'use server', 'use cache', null);
const inlineLeaf = fc.record({ form: inlineForm, directive: inlineDirective, params: fc.constantFrom(...PARAMS), policy, captures: fc.boolean() });
const inlineSpec: fc.Arbitrary<InlineSpec> = fc.letrec<{ fn: InlineSpec }>((tie) => ({
  fn: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    inlineLeaf.map((leaf): InlineSpec => ({ ...leaf, children: [] })),
    fc.record({ leaf: inlineLeaf, children: fc.array(tie('fn'), { maxLength: 2 }) }).map(({ leaf, children }): InlineSpec => ({ ...leaf, children })),
  ),
})).fn;

/** Arbitrary server components with inline actions. */
export const componentModuleArbitrary: fc.Arbitrary<ComponentModuleSpec> = fc
  .array(inlineSpec, { minLength: 1, maxLength: 4 })
  .map((functions) => ({ kind: 'component' as const, functions }));

/** Every kind of module, "use server" modules most often. */
export const moduleSpecArbitrary: fc.Arbitrary<ModuleSpec> = fc.oneof(
  { weight: 3, arbitrary: directiveModuleArbitrary },
  { weight: 1, arbitrary: componentModuleArbitrary },
);

/**
 * The JSDoc block for a policy of a function with these parameters, or nothing; `cache` for a "use cache" function
 * (Next registers it as `$$RSC_SERVER_CACHE_<n>`).
 */
function renderPolicy(spec: PolicySpec, params: string, indent = '', oneLine = false, cache = false): string {
  if (spec.kind === 'none') return '';
  const count = parameterCount(params);
  const schemas = count === 0 ? '' : ` @schema ${Array.from({ length: count }, () => 'sharedInput').join(', ')}`;
  const decision = spec.kind === 'valid' && cache && spec.tags !== '@requiresAuth' ? VALID_CACHE_DECISION : spec.kind === 'valid' ? spec.tags : '';
  const tags = spec.kind === 'valid' ? [decision + schemas] : spec.tags;
  if (oneLine) return `/** ${tags.join(' ')} */ `;
  return `${indent}/**\n${indent} * Generated.\n${tags.map((tag) => `${indent} * ${tag}\n`).join('')}${indent} */\n`;
}

/** A block body that records it ran; `prelude` goes first (a directive), `nested` after the mark. */
function body(label: string, markArgs: string, prelude = '', nested = ''): string {
  return `{ ${prelude}mark(${JSON.stringify(label)}${markArgs}); ${nested}return ${JSON.stringify(label)}; }`;
}

/** The writes that may follow a binding of this form. */
function writableBinding(form: ExportForm): boolean {
  return ['function', 'let-arrow', 'var-arrow', 'specifier', 'string-name', 'uninitialised-let', 'generator'].includes(form);
}

/** Renders a later write of `binding` (a fresh async arrow recording `label`). */
function renderLaterWrite(write: LaterWrite, binding: string, form: ExportForm, label: string, markArgs: string, prelude: string): string | null {
  const fn = `async (${'v'}) => ${body(label, markArgs, prelude)}`;
  switch (write) {
    case 'assign':
      return `${binding} = ${fn};`;
    case 'assign-in-iife':
      return `(() => { ${binding} = ${fn}; })();`;
    case 'var-redeclare':
      return form === 'var-arrow' ? `var ${binding} = ${fn};` : `${binding} = ${fn};`;
    case 'logical-or-assign':
      return form === 'uninitialised-let' ? `${binding} ||= ${fn};` : `${binding} &&= ${fn};`;
    case 'nullish-assign':
      return form === 'uninitialised-let' ? `${binding} ??= ${fn};` : `${binding} = ${binding} ?? (${fn});`;
    case 'array-destructuring-assign':
      return `[${binding}] = [${fn}];`;
    case 'object-destructuring-assign':
      return `({ ${binding} } = { ${binding}: ${fn} });`;
  }
}

/** Renders a "use server" or "use cache" module. */
function renderDirectiveModule(spec: DirectiveModuleSpec): GeneratedModule {
  const origins = new Map<string, string>();
  const markArgs = spec.extraImport === 'json-with' || spec.extraImport === 'json-assert' ? ', data' : '';
  const parts: string[] = [`${spec.prefix}${spec.directive}`, "import { mark, wrap, canEdit, sharedInput } from './helpers';"];
  if (spec.extraImport === 'type-import') parts.push("import type { Input } from './input';");
  if (spec.extraImport === 'json-with') parts.push("import data from './data.json' with { type: 'json' };");
  if (spec.extraImport === 'json-assert') parts.push("import data from './data.json' assert { type: 'json' };");
  const later: string[] = [];
  spec.exports.forEach((item, index) => {
    const name = `a${index}`;
    const own = spec.kind === 'cache' && item.ownDirective ? '"use server"; ' : '';
    const nested = item.nestedInline ? `/** @requiresAuth @schema sharedInput */ const nested = async (v: string) => { "use server"; mark(${JSON.stringify(`${name}/nested`)}${markArgs}); return v; }; void nested; ` : '';
    const fnBody = body(name, markArgs, own, nested);
    // In a "use cache" module an export without its own "use server" is a cache function.
    const cache = spec.kind === 'cache' && own === '';
    const doc = renderPolicy(item.policy, item.params, '', false, cache);
    const p = item.params;
    let binding = name;
    let exportedAs = name;
    switch (item.form) {
      case 'function':
        parts.push(`${doc}export async function ${name}(${p}) ${fnBody}`);
        break;
      case 'const-arrow':
        parts.push(`${doc}export const ${name} = async (${p}) => ${fnBody};`);
        break;
      case 'let-arrow':
        parts.push(`${doc}export let ${name} = async (${p}) => ${fnBody};`);
        break;
      case 'var-arrow':
        parts.push(`${doc}export var ${name} = async (${p}) => ${fnBody};`);
        break;
      case 'function-expression':
        parts.push(`${doc}export const ${name} = async function (${p}) ${fnBody};`);
        break;
      case 'named-function-expression':
        parts.push(`${doc}export const ${name} = async function ${name}Impl(${p}) ${fnBody};`);
        break;
      case 'specifier':
        binding = `${name}Local`;
        parts.push(`${doc}async function ${binding}(${p}) ${fnBody}`, `export { ${binding} as ${name} };`);
        break;
      case 'string-name':
        binding = `${name}Local`;
        exportedAs = `${name} x`;
        parts.push(`${doc}async function ${binding}(${p}) ${fnBody}`, `export { ${binding} as ${JSON.stringify(exportedAs)} };`);
        break;
      case 'wrapper':
        parts.push(`${renderPolicy(item.policy, 'unknown', '', false, cache)}export const ${name} = wrap(async (${p}) => ${fnBody});`);
        break;
      case 'array-destructure':
        parts.push(`${doc}const [${name}] = [async (${p}) => ${fnBody}];`, `export { ${name} };`);
        break;
      case 'object-destructure':
        parts.push(`const actions${index} = {\n${renderPolicy(item.policy, item.params, '  ', false, cache)}  ${name}: async (${p}) => ${fnBody},\n};`, `const { ${name} } = actions${index};`, `export { ${name} };`);
        break;
      case 'export-destructure':
        parts.push(`${doc}export const [${name}] = [async (${p}) => ${fnBody}];`);
        break;
      case 'uninitialised-let':
        parts.push(`export let ${name}: ((...args: any[]) => Promise<unknown>) | undefined;`);
        later.push(`${doc}${name} = async (${p}) => ${fnBody};`);
        break;
      case 'generator':
        parts.push(`${doc}export async function* ${name}(${p}) { ${own}mark(${JSON.stringify(name)}${markArgs}); yield ${JSON.stringify(name)}; }`);
        break;
      case 'sync':
        parts.push(`${doc}export function ${name}(${p}) ${fnBody}`);
        break;
      case 'literal':
        parts.push(`${doc}export const ${name} = ${JSON.stringify(name)};`);
        break;
    }
    const write = item.laterWrite !== null && writableBinding(item.form) ? item.laterWrite : null;
    if (write !== null) {
      const text = renderLaterWrite(write, binding, item.form, `${name}/later`, markArgs, own);
      if (text !== null) later.push(`${renderPolicy(item.policy, 'v', '', false, cache)}${text}`);
    }
    origins.set(exportedAs, `${spec.kind} export ${item.form}${write === null ? '' : ` + later ${write}`}${own ? ' (own "use server")' : ''}`);
  });
  parts.push(...later);
  const defaultCache = spec.kind === 'cache';
  const defaultDoc = renderPolicy(spec.defaultPolicy, spec.defaultParams, '', false, defaultCache);
  const defaultBody = body('default', markArgs);
  const p = spec.defaultParams;
  switch (spec.defaultForm) {
    case 'none':
      break;
    case 'function':
      parts.push(`${defaultDoc}export default async function (${p}) ${defaultBody}`);
      break;
    case 'named-function':
      parts.push(`${defaultDoc}export default async function named(${p}) ${defaultBody}`);
      break;
    case 'arrow':
      parts.push(`${defaultDoc}export default async (${p}) => ${defaultBody};`);
      break;
    case 'wrapper':
      parts.push(`${renderPolicy(spec.defaultPolicy, 'unknown', '', false, defaultCache)}export default wrap(async (${p}) => ${defaultBody});`);
      break;
    case 'identifier':
      parts.push(`${defaultDoc}const d = async (${p}) => ${defaultBody};`, 'export default d;');
      break;
    case 'reassigned-identifier':
      parts.push(`${defaultDoc}let d = async (${p}) => ${defaultBody};`, 'export default d;', `${renderPolicy(spec.defaultPolicy, 'v', '', false, defaultCache)}d = async (v) => ${body('default/later', markArgs)};`);
      break;
    case 'as-default':
      parts.push(`${defaultDoc}async function dLocal(${p}) ${defaultBody}`, 'export { dLocal as default };');
      break;
    case 'destructured':
      parts.push(`${defaultDoc}const [d] = [async (${p}) => ${defaultBody}];`, 'export default d;');
      break;
    case 'generator':
      parts.push(`${defaultDoc}export default async function* (${p}) { mark("default"${markArgs}); yield 1; }`);
      break;
  }
  if (spec.defaultForm !== 'none') origins.set('default', `${spec.kind} default ${spec.defaultForm}`);
  const traits = [`directive ${spec.directive}`, `prefix ${JSON.stringify(spec.prefix.trim()) || 'none'}`, `import ${spec.extraImport}`];
  return { filename: `app/generated/${spec.kind === 'server' ? 'actions' : 'cached'}.${spec.extension}`, code: parts.join('\n') + '\n', origins, traits };
}

/** Renders inline functions as statements of a component body; each returns its nested ones so none is dead. */
function renderInline(functions: InlineSpec[], path: string): string {
  return functions
    .map((fn, index) => {
      const name = `${path}_${index}`;
      const directive = fn.directive === null ? '' : `"${fn.directive}"; `;
      const inner = renderInline(fn.children, name);
      const names = fn.children.map((_, childIndex) => `${name}_${childIndex}`);
      const captured = fn.captures ? ', secret' : '';
      const block = `{ ${directive}mark(${JSON.stringify(name)}${captured}); ${inner} return [${names.join(', ')}]; }`;
      const doc = renderPolicy(fn.policy, fn.params, '', true, fn.directive === 'use cache');
      switch (fn.form) {
        case 'declaration':
          return `${doc}async function ${name}(${fn.params}) ${block}`;
        case 'arrow':
          return `const ${name} = ${doc}async (${fn.params}) => ${block};`;
        case 'function-expression':
          return `const ${name} = ${doc}async function (${fn.params}) ${block};`;
        case 'method':
          return `const ${name} = { ${doc}async m(${fn.params}) ${block} }.m;`;
        case 'jsx-attribute':
          return `const ${name} = <form action={${doc}async (${fn.params}) => ${block}} />;`;
      }
    })
    .join('\n  ');
}

/** Renders a server component page. */
function renderComponentModule(spec: ComponentModuleSpec): GeneratedModule {
  const names = spec.functions.map((_, index) => `f_${index}`);
  const code = [
    "import { mark, wrap, canEdit, sharedInput } from './helpers';",
    '',
    'export default async function Page({ id }: { id: string }) {',
    '  const secret = `secret-${id}`;',
    `  ${renderInline(spec.functions, 'f')}`,
    `  return [${names.join(', ')}];`,
    '}',
    '',
  ].join('\n');
  return { filename: 'app/generated/page.tsx', code, origins: new Map(), traits: ['component'] };
}

/** Renders a module model to source. */
export function renderModule(spec: ModuleSpec): GeneratedModule {
  return spec.kind === 'component' ? renderComponentModule(spec) : renderDirectiveModule(spec);
}
