import fc from 'fast-check';

/** Policy tags, valid and broken (typos, malformed arguments, standard JSDoc tags). */
export const TAGS = [
  '@requiresAuth', '@public Visitors need this.', '@role admin editor', '@authorize canEdit', '@schema sharedInput',
  '@rateLimit 10/1m', '@dedupe input 1h', '@dedupe key:token', '@requireAuth', '@roles admin', '@rateLimit often',
  '@param input the input', '@returns nothing',
];
const FORMS = ['function', 'arrow', 'function-expression', 'named-function-expression', 'specifier', 'wrapper', 'sync', 'literal'] as const;
/** Parameter lists of every shape Next's argument mask distinguishes. */
export const PARAMS = ['', 'a', 'a: string', 'a, b = 1', '{ x }: { x: number }', '...rest: unknown[]', 'a, ...rest', '[first] = []'];

const item = fc.record({
  form: fc.constantFrom(...FORMS),
  params: fc.constantFrom(...PARAMS),
  tags: fc.subarray(TAGS, { maxLength: 4 }),
  jsdoc: fc.boolean(),
  schemaExport: fc.boolean(),
  inline: fc.boolean(),
});

/** One generated export, as fast-check draws it. */
type ItemSpec = {
  form: (typeof FORMS)[number]; params: string; tags: string[]; jsdoc: boolean; schemaExport: boolean; inline: boolean;
};

/** Renders one generated export. */
function renderItem(spec: ItemSpec, name: string): string {
  const doc = spec.jsdoc ? `/**\n * Generated.\n${spec.tags.map((tag) => ` * ${tag}\n`).join('')} */\n` : '';
  const inline = spec.inline ? `  const nested = async (v: string) => {\n    "use server";\n    return v;\n  };\n` : '';
  const body = `{\n${inline}  return ${JSON.stringify(name)};\n}`;
  const schema = spec.schemaExport ? `export const ${name}Schema = { kind: 'schema' };\n` : '';
  switch (spec.form) {
    case 'function':
      return `${schema}${doc}export async function ${name}(${spec.params}) ${body}\n`;
    case 'arrow':
      return `${schema}${doc}export const ${name} = async (${spec.params}) => ${body};\n`;
    case 'function-expression':
      return `${schema}${doc}export const ${name} = async function (${spec.params}) ${body};\n`;
    case 'named-function-expression':
      return `${schema}${doc}export const ${name} = async function ${name}Impl(${spec.params}) ${body};\n`;
    case 'specifier':
      return `${schema}${doc}async function ${name}Local(${spec.params}) ${body}\nexport { ${name}Local as ${name} };\n`;
    case 'wrapper':
      return `${schema}${doc}export const ${name} = wrap(async (${spec.params}) => ${body});\n`;
    case 'sync':
      return `${doc}export function ${name}(${spec.params}) ${body}\n`;
    case 'literal':
      return `${doc}export const ${name} = ${JSON.stringify(name)};\n`;
  }
}

/**
 * Generated `"use server"` modules: every export form, parameter shape and tag mix (typos included), with inline
 * actions and `<action>Schema` exports. The transform's corpus test and the ESLint plugin's equivalence test share it.
 */
export const moduleArbitrary = fc
  .record({
    directive: fc.constantFrom('"use server";', "'use server'", '"use strict";\n"use server";'),
    items: fc.array(item, { minLength: 1, maxLength: 6 }),
    defaultExport: fc.constantFrom('none', 'arrow', 'function', 'call'),
  })
  .map(({ directive, items, defaultExport }) => {
    const parts = [directive, "import { wrap, sharedInput, canEdit } from './helpers';"];
    items.forEach((spec, index) => parts.push(renderItem(spec, `action${index}`)));
    if (defaultExport === 'arrow') parts.push('/** @requiresAuth */\nexport default async (x: number) => x;');
    if (defaultExport === 'function') parts.push('/** @public Fine. */\nexport default async function () {}');
    if (defaultExport === 'call') parts.push('export default wrap(async () => 1);');
    return parts.join('\n');
  });
