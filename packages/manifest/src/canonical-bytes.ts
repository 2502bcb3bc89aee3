import { createHash } from 'node:crypto';
import canonicalizeImport from 'canonicalize';

// `canonicalize` is CommonJS (`module.exports = fn`) but its types declare `export default`; under NodeNext the
// default import is the module object at type level and the function at run time. Accept both shapes.
const canonicalize: (input: unknown) => string | undefined =
  typeof canonicalizeImport === 'function'
    ? (canonicalizeImport as unknown as (input: unknown) => string | undefined)
    : (canonicalizeImport as { default: (input: unknown) => string | undefined }).default;

const encoder = new TextEncoder();

/**
 * RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value. The manifest only holds strings, booleans, null
 * and safe integers, for which ECMAScript number serialisation (what `canonicalize` uses) is exactly RFC 8785's.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalString(value));
}

/** RFC 8785 canonical JSON text of a value; throws on values JSON cannot carry (undefined at top level, NaN). */
export function canonicalString(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalString: the value has no JSON representation');
  return text;
}

/** `sha256:<hex>` of a value's canonical bytes; used for policy digests so equal policies get equal digests. */
export function digestCanonical(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalString(value)).digest('hex')}`;
}
