import type { ActionManifest, ManifestAction, NormalizedPolicy } from './types.js';

/**
 * Raised when a file is not a valid action-guard manifest. `path` names the field (`actions[3].policy.rateLimit.limit`,
 * or `''` for the whole document) and the message says what was expected and what was found, so the CLI can print
 * `manifest.json: actions[3].policy.rateLimit.limit: expected an integer, got "x"` instead of a stack trace.
 */
export class ManifestFormatError extends Error {
  /** The field that is wrong, in JavaScript accessor syntax; `''` when the document as a whole is. */
  readonly path: string;
  constructor(message: string, path = '') {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ManifestFormatError';
    this.path = path;
  }
}

// ---------- the shape language: one description of the manifest, checked strictly ----------

/** Checks a value at `path` and returns it typed, or throws a ManifestFormatError naming the path. */
interface Shape<T> {
  /** What the shape accepts, for messages: `a string`, `"export" or "inline"`, `an object or null`. */
  readonly expected: string;
  check(value: unknown, path: string): T;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a found value is named in a message: JSON for scalars (cut at 40 characters), the kind for the rest. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function mismatch(shape: { expected: string }, value: unknown, path: string): ManifestFormatError {
  return new ManifestFormatError(`expected ${shape.expected}, got ${describeValue(value)}`, path);
}

function scalar<T>(expected: string, accepts: (v: unknown) => boolean): Shape<T> {
  const shape: Shape<T> = {
    expected,
    check(value, path) {
      if (!accepts(value)) throw mismatch(shape, value, path);
      return value as T;
    },
  };
  return shape;
}

const string = scalar<string>('a string', (v) => typeof v === 'string');
const boolean = scalar<boolean>('a boolean', (v) => typeof v === 'boolean');
/** Counts, seconds and source positions: JSON integers that are not negative. */
const count = scalar<number>('a non-negative integer', (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
/** A positive integer (a limit or a window of 0 is not a policy the transform produces). */
const positive = scalar<number>('a positive integer', (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0);

function oneOf<const T extends readonly (string | number)[]>(...values: T): Shape<T[number]> {
  return scalar(values.map((v) => JSON.stringify(v)).join(' or '), (v) => values.includes(v as T[number]));
}

function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return {
    expected: `${inner.expected} or null`,
    check(value, path) {
      if (value === null) return null;
      try {
        return inner.check(value, path);
      } catch (error) {
        // A mismatch of the value itself (not of a field inside it) names both accepted forms.
        if (error instanceof ManifestFormatError && error.path === path && error.message.startsWith(`${path ? `${path}: ` : ''}expected ${inner.expected}, got`)) {
          throw mismatch(this, value, path);
        }
        throw error;
      }
    },
  };
}

function arrayOf<T>(item: Shape<T>): Shape<T[]> {
  const shape: Shape<T[]> = {
    expected: `an array of ${item.expected.replace(/^an? /, '')}s`,
    check(value, path) {
      if (!Array.isArray(value)) throw mismatch(shape, value, path);
      value.forEach((element, index) => item.check(element, `${path}[${index}]`));
      return value as T[];
    },
  };
  return shape;
}

type Fields = Record<string, Shape<unknown>>;
type FieldsOf<F extends Fields> = { [K in keyof F]: F[K] extends Shape<infer T> ? T : never };

/**
 * An object with exactly these fields: a missing field or a field this version does not know is an error (a newer
 * policy field the CLI ignored could hide a weakening from `manifest diff`). `refine` adds checks across fields.
 */
function object<F extends Fields>(fields: F, refine?: (value: FieldsOf<F>, path: string) => void): Shape<FieldsOf<F>> {
  const known = Object.keys(fields);
  const shape: Shape<FieldsOf<F>> = {
    expected: 'an object',
    check(value, path) {
      if (!isRecord(value)) throw mismatch(shape, value, path);
      for (const key of known) fields[key]!.check(value[key], join(path, key));
      const extra = Object.keys(value).find((key) => !Object.hasOwn(fields, key));
      if (extra !== undefined) {
        throw new ManifestFormatError(`unexpected field (this version reads ${known.join(', ')})`, join(path, extra));
      }
      refine?.(value as FieldsOf<F>, path);
      return value as FieldsOf<F>;
    },
  };
  return shape;
}

/** A field that may be absent (`undefined`); when present it must match `inner`. */
function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return {
    expected: `${inner.expected} or nothing`,
    check: (value, path) => (value === undefined ? undefined : inner.check(value, path)),
  };
}

const join = (path: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

// ---------- the manifest (docs/reference.md §4; types in ./types.ts) ----------
// To add a field: add it to the type in types.ts and one line here. The `satisfies` clauses below fail to compile
// while a required field of the type is missing from its shape.

/** NormalizedPolicy (docs/architecture.md §1), as the transform writes it and the manifest stores it. */
const POLICY = object({
  auth: oneOf('public', 'required'),
  publicReason: nullable(string),
  roles: arrayOf(string),
  authorize: nullable(string),
  schema: nullable(string),
  dedupe: nullable(object({ source: oneOf('key', 'header', 'input'), name: nullable(string), ttlSeconds: positive })),
  rateLimit: nullable(object({ limit: positive, windowSeconds: positive, by: oneOf('user', 'ip', 'global') })),
  fromRules: arrayOf(string),
  revalidates: optional(arrayOf(object({ kind: oneOf('path', 'layout', 'tag'), value: string, profile: nullable(string) }))),
}) satisfies Shape<NormalizedPolicy>;

const ACTION = object(
  {
    id: string,
    ref: string,
    file: string,
    exportName: nullable(string),
    kind: oneOf('export', 'inline', 'cache'),
    location: nullable(object({ line: count, column: count })),
    policy: nullable(POLICY),
    policyDigest: nullable(string),
    workers: arrayOf(string),
    runtimes: arrayOf(oneOf('node', 'edge')),
    referencedByClient: boolean,
    guarded: boolean,
    baselined: optional(arrayOf(string)),
  },
  (action, path) => {
    // The builder guards only what the transform saw, with its policy: "guarded" without one is a forged entry that
    // would read as protected in `audit` while every other view treats it as unguarded.
    if (action.guarded && action.policy === null) {
      throw new ManifestFormatError('expected a policy object for an action with "guarded": true, got null', join(path, 'policy'));
    }
    if ((action.policy === null) !== (action.policyDigest === null)) {
      throw new ManifestFormatError(`expected ${action.policy === null ? 'null (the policy is null)' : 'a string (the policy is set)'}, got ${describeValue(action.policyDigest)}`, join(path, 'policyDigest'));
    }
  },
) satisfies Shape<ManifestAction>;

const MANIFEST = object(
  {
    schemaVersion: oneOf(1),
    generator: object({ name: string, version: string }),
    next: object({ version: string }),
    bundler: oneOf('webpack', 'turbopack'),
    buildId: nullable(string),
    gitCommit: nullable(string),
    createdAt: string,
    encryptionKey: nullable(object({ fingerprint: string, source: oneOf('env', 'generated') })),
    actions: arrayOf(ACTION),
  },
  (manifest) => {
    // `manifest diff` and `audit` match actions by ref, and the key commands count them by id: a second entry with
    // the same ref would let one of them hide behind the other (the build reports it as AG307 and fails).
    const refs = new Map<string, number>();
    const ids = new Map<string, number>();
    manifest.actions.forEach((action, index) => {
      const sameRef = refs.get(action.ref);
      if (sameRef !== undefined) throw new ManifestFormatError(`duplicate ref ${JSON.stringify(action.ref)} (also actions[${sameRef}].ref)`, `actions[${index}].ref`);
      const sameId = ids.get(action.id);
      if (sameId !== undefined) throw new ManifestFormatError(`duplicate id ${JSON.stringify(action.id)} (also actions[${sameId}].id)`, `actions[${index}].id`);
      refs.set(action.ref, index);
      ids.set(action.id, index);
    });
  },
) satisfies Shape<ActionManifest>;

/**
 * Parses manifest JSON (text or a parsed value) and checks its whole shape strictly (every field, its type, no
 * unknown fields, no duplicate refs or ids), so that a wrong, truncated or tampered file is reported as a
 * ManifestFormatError naming the field instead of crashing a command later. Never throws anything else.
 */
export function parseManifest(input: string | unknown): ActionManifest {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ManifestFormatError(`it is not valid JSON (${(error as Error).message})`);
    }
  }
  if (!isRecord(value)) throw new ManifestFormatError(`expected a JSON object, got ${describeValue(value)}`);
  if ('payloadType' in value && 'signatures' in value) {
    throw new ManifestFormatError('it is a DSSE envelope, not a manifest (pass manifest.json, or use `manifest verify` for the envelope)');
  }
  if ('node' in value && 'edge' in value) {
    throw new ManifestFormatError("it is Next's server-reference-manifest.json, not action-guard's manifest.json");
  }
  if (value.schemaVersion !== 1) {
    throw new ManifestFormatError(`expected 1 (the only version this tool reads), got ${describeValue(value.schemaVersion)}`, 'schemaVersion');
  }
  return MANIFEST.check(value, '');
}
