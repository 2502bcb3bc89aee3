import * as nodeCrypto from 'node:crypto';
import canonicalizeImport from 'canonicalize';

// `canonicalize` is CommonJS (`module.exports = fn`) but its types declare `export default`; under NodeNext the
// default import is the module object at type level and the function at run time. Accept both shapes.
const canonicalize: (input: unknown) => string | undefined =
  typeof canonicalizeImport === 'function'
    ? (canonicalizeImport as unknown as (input: unknown) => string | undefined)
    : (canonicalizeImport as { default: (input: unknown) => string | undefined }).default;

const encoder = new TextEncoder();

// Keys JavaScript objects always enumerate first, in numeric order, whatever the insertion order.
const ARRAY_INDEX_KEY = /^(?:0|[1-9]\d*)$/;

class NeedsReferenceSerializer extends Error {}

// A copy whose objects hold their keys in RFC 8785 order (UTF-16 code units: the default sort). For such a copy
// JSON.stringify's output is exactly the RFC 8785 text: ECMAScript number and string serialisation is what RFC 8785
// §3.2.2 prescribes. An object with an array-index-like key cannot hold a sorted order, so it takes the reference path.
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalString: NaN and Infinity have no JSON representation');
    return value;
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return sortedCopy(withJson.toJSON());
  if (Array.isArray(value)) return value.map(sortedCopy);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (ARRAY_INDEX_KEY.test(key)) throw new NeedsReferenceSerializer();
    out[key] = sortedCopy((value as Record<string, unknown>)[key]);
  }
  return out;
}

// True when every object in the value already enumerates its keys in RFC 8785 order and nothing needs a toJSON
// call or is unrepresentable: JSON.stringify can then serialise the value itself, with no copy at all.
function isInCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'number' || Number.isFinite(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (item === undefined || !isInCanonicalOrder(item)) return false;
    return true;
  }
  let previous: string | null = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if (previous !== null && previous >= key) return false;
    // Only a key starting with a digit can be an array index; skip the regex for the others (the hot path).
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57 && ARRAY_INDEX_KEY.test(key)) return false;
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol' || !isInCanonicalOrder(item)) return false;
    previous = key;
  }
  return true;
}

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. Fast paths: a value already built in key order (the
 * manifest builder does that) goes straight to JSON.stringify; any other is copied in key order first. Values that
 * cannot be held in key order go through the `canonicalize` package; a test checks all paths agree.
 */
export function canonicalString(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(isInCanonicalOrder(value) ? value : sortedCopy(value));
  } catch (error) {
    if (!(error instanceof NeedsReferenceSerializer)) throw error;
    text = canonicalize(value);
  }
  if (text === undefined) throw new TypeError('canonicalString: the value has no JSON representation');
  return text;
}

/**
 * A copy of a JSON value whose objects enumerate their keys in RFC 8785 order, so that serialising it is a plain
 * JSON.stringify; returns the value itself when it is already in that order.
 */
export function inCanonicalOrder<T>(value: T): T {
  if (isInCanonicalOrder(value)) return value;
  try {
    return sortedCopy(value) as T;
  } catch (error) {
    if (error instanceof NeedsReferenceSerializer) return value;
    throw error;
  }
}

/**
 * A value in canonical key order together with its RFC 8785 text, from one walk: the manifest builder stores the
 * ordered policy of every action and hashes its text, so it must not order and serialise it twice.
 */
export function canonicalForm<T>(value: T): { value: T; text: string } {
  if (isInCanonicalOrder(value)) return { value, text: JSON.stringify(value) };
  try {
    const ordered = sortedCopy(value) as T;
    return { value: ordered, text: JSON.stringify(ordered) };
  } catch (error) {
    if (error instanceof NeedsReferenceSerializer) return { value, text: canonicalString(value) };
    throw error;
  }
}

// One-shot `crypto.hash` (Node ≥ 20.12) costs about half of createHash().update().digest(), which matters once per
// action of a 10,000-action manifest; older Node 20 releases (the engines range starts at 20.9) lack it.
const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('sha256', text, 'hex')
    : (text) => nodeCrypto.createHash('sha256').update(text).digest('hex');

/** `sha256:<hex>` of an already canonical text. */
export function digestText(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

/** The reference RFC 8785 serialiser (`canonicalize`), exposed for tests that cross-check the fast path. */
export function referenceCanonicalString(value: unknown): string | undefined {
  return canonicalize(value);
}

/** UTF-8 bytes of a text (the one encoder for canonical text, so every path writes the same bytes). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** RFC 8785 canonical bytes (UTF-8) of a JSON value: what the manifest file holds and what gets signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Bytes(canonicalString(value));
}

/** `sha256:<hex>` of a value's canonical bytes; used for policy digests so equal policies get equal digests. */
export function digestCanonical(value: unknown): string {
  return digestText(canonicalString(value));
}
