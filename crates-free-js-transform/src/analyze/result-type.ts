import type { Node, Program, TSType, TSTypeElement } from '@babel/types';
import type { FunctionNode } from './collect-action-sites.js';

/**
 * Whether an action's declared result type can hold the `ActionFailure` the guard answers with instead of running
 * the body (the `result-type-without-failure` check, docs/diagnostics.md). Precision first: only a type read from
 * this module's own text and shown unable to hold one counts as `no`; anything this cannot judge without the type
 * checker is `unknown`, and the build says nothing about it.
 *
 * - `yes`: `ActionResult<…>`/`ActionFailure` (by those names, or imported from `@action-guard/runtime` under
 *   another), `any`, `unknown`, `object`, `{}`, an object type with an index signature, or one that has `ok` or
 *   `error` and requires no other property (a failure fits it, and its `ok`/`error` tell the caller).
 * - `no`: primitives, literals, arrays, tuples, functions, and object types (literals, this module's interfaces,
 *   the app's own imported types) with neither `ok` nor `error`; `Promise<…>`, unions, `Partial<…>` and friends, and
 *   this module's type aliases are looked through.
 * - `void`: `void`, `undefined`, `never` alone: no caller reads such a result, so a failure shows nothing but
 *   breaks nothing (and `<form action>` requires it).
 */
export type CanHoldFailure = 'yes' | 'no' | 'unknown' | 'void';

/** Names the runtime exports for a result that may be a failure. */
const FAILURE_TYPES = new Set(['ActionResult', 'ActionFailure']);
/** Generic wrappers whose first argument is what the caller gets (after `await`, or with properties re-flagged). */
const LOOK_THROUGH = new Set(['Promise', 'PromiseLike', 'Awaited', 'Partial', 'Required', 'Readonly', 'NonNullable', 'Pick', 'Omit']);
/** Object properties of `ActionFailure`: an object type needing no other property can hold one. */
const FAILURE_PROPERTIES = new Set(['ok', 'error', '__actionGuard']);

/** Module-level type declarations and imports, read once per module. */
export interface ModuleTypes {
  /** `type X = …` bodies. */
  aliases: Map<string, TSType>;
  /** `interface X { … }` bodies, with whether it extends anything (then it is not judged). */
  interfaces: Map<string, { body: TSTypeElement[]; extends: boolean }>;
  /** Imported local names: where from, and the imported name. */
  imports: Map<string, { source: string; imported: string }>;
}

/** Collects the type declarations and imports at the top level of `program` (exported or not). */
export function collectModuleTypes(program: Program): ModuleTypes {
  const types: ModuleTypes = { aliases: new Map(), interfaces: new Map(), imports: new Map() };
  for (const statement of program.body) {
    const declaration =
      (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') && statement.declaration
        ? statement.declaration
        : statement;
    if (declaration.type === 'TSTypeAliasDeclaration') types.aliases.set(declaration.id.name, declaration.typeAnnotation);
    else if (declaration.type === 'TSInterfaceDeclaration') {
      types.interfaces.set(declaration.id.name, { body: declaration.body.body, extends: (declaration.extends?.length ?? 0) > 0 });
    } else if (declaration.type === 'ImportDeclaration') {
      for (const specifier of declaration.specifiers) {
        const imported =
          specifier.type === 'ImportSpecifier'
            ? specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value
            : '*';
        types.imports.set(specifier.local.name, { source: declaration.source.value, imported });
      }
    }
  }
  return types;
}

/** A bare import of the app's own code (relative, or a path alias such as `@/`, `~/`, `#`), not a package's. */
function isAppImport(source: string): boolean {
  return source.startsWith('.') || source.startsWith('@/') || source.startsWith('~/') || source.startsWith('#');
}

/** Judges the declared result type of `fn`; `null` when it has none (nothing declared, nothing to check). */
export function judgeResultType(fn: FunctionNode, types: ModuleTypes): { verdict: CanHoldFailure; node: Node } | null {
  const annotation = fn.returnType;
  if (annotation?.type !== 'TSTypeAnnotation') return null;
  const typeParameters = new Set<string>();
  if (fn.typeParameters?.type === 'TSTypeParameterDeclaration') for (const parameter of fn.typeParameters.params) typeParameters.add(parameter.name);
  return { verdict: judge(annotation.typeAnnotation, types, typeParameters, new Set()), node: annotation.typeAnnotation };
}

function judge(type: TSType, types: ModuleTypes, typeParameters: ReadonlySet<string>, seen: Set<string>): CanHoldFailure {
  switch (type.type) {
    case 'TSAnyKeyword':
    case 'TSUnknownKeyword':
    case 'TSObjectKeyword':
      return 'yes';
    case 'TSVoidKeyword':
    case 'TSUndefinedKeyword':
    case 'TSNeverKeyword':
      return 'void';
    case 'TSStringKeyword':
    case 'TSNumberKeyword':
    case 'TSBooleanKeyword':
    case 'TSBigIntKeyword':
    case 'TSSymbolKeyword':
    case 'TSNullKeyword':
    case 'TSLiteralType':
    case 'TSArrayType':
    case 'TSTupleType':
    case 'TSFunctionType':
    case 'TSConstructorType':
      return 'no';
    case 'TSParenthesizedType':
    case 'TSOptionalType':
      return judge(type.typeAnnotation, types, typeParameters, seen);
    case 'TSTypeOperator':
      // `readonly T[]` and friends: what is under the operator decides (`keyof T` is a string or number).
      return type.operator === 'readonly' ? judge(type.typeAnnotation, types, typeParameters, seen) : 'no';
    case 'TSTypeLiteral':
      return judgeMembers(type.members);
    case 'TSUnionType': {
      const verdicts = type.types.map((member) => judge(member, types, typeParameters, seen));
      if (verdicts.includes('yes')) return 'yes';
      if (verdicts.includes('unknown')) return 'unknown';
      // `State | undefined`: the caller reads the State part, so that decides.
      return verdicts.every((verdict) => verdict === 'void') ? 'void' : 'no';
    }
    case 'TSTypeReference': {
      const name = type.typeName.type === 'Identifier' ? type.typeName.name : null;
      // `ns.ActionResult<…>`: the runtime's name under a namespace import.
      if (type.typeName.type === 'TSQualifiedName') return FAILURE_TYPES.has(type.typeName.right.name) ? 'yes' : 'unknown';
      if (name === null) return 'unknown';
      if (FAILURE_TYPES.has(name) || typeParameters.has(name)) return FAILURE_TYPES.has(name) ? 'yes' : 'unknown';
      const argument = type.typeParameters?.params[0];
      const alias = types.aliases.get(name);
      if (alias !== undefined) {
        if (seen.has(name) || (type.typeParameters?.params.length ?? 0) > 0) return 'unknown';
        return judge(alias, types, typeParameters, new Set([...seen, name]));
      }
      const declared = types.interfaces.get(name);
      if (declared !== undefined) return declared.extends ? 'unknown' : judgeMembers(declared.body);
      const imported = types.imports.get(name);
      if (imported !== undefined) {
        if (imported.source.startsWith('@action-guard/runtime')) return FAILURE_TYPES.has(imported.imported) ? 'yes' : 'unknown';
        return isAppImport(imported.source) && (type.typeParameters?.params.length ?? 0) === 0 ? 'no' : 'unknown';
      }
      if (LOOK_THROUGH.has(name) && argument !== undefined) return judge(argument, types, typeParameters, seen);
      return 'unknown';
    }
    default:
      // Intersections, conditional, mapped, indexed and `typeof` types need the type checker.
      return 'unknown';
  }
}

/** An object type holds a failure when it has an index signature, or needs no property a failure lacks and has `ok` or `error`. */
function judgeMembers(members: readonly TSTypeElement[]): CanHoldFailure {
  // `{}` accepts every value but null and undefined.
  if (members.length === 0) return 'yes';
  const names = new Set<string>();
  for (const member of members) {
    if (member.type === 'TSIndexSignature') return 'yes';
    if (member.type !== 'TSPropertySignature' && member.type !== 'TSMethodSignature') continue;
    const key = member.key.type === 'Identifier' ? member.key.name : member.key.type === 'StringLiteral' ? member.key.value : null;
    if (key === null) return 'unknown';
    names.add(key);
    if (!member.optional && !FAILURE_PROPERTIES.has(key)) return 'no';
  }
  // A failure is structurally one of these: a caller reading `ok` or `error` learns that the call failed.
  return names.has('ok') || names.has('error') ? 'yes' : 'no';
}
