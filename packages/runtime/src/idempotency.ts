import { parse, stringify } from 'devalue';

/** The fewest characters an anonymous caller's idempotency key may have (a UUID has 36, 128 random bits in base64url 22). */
export const ANONYMOUS_KEY_MIN_LENGTH = 20;
/** The fewest distinct characters an anonymous caller's key may have ("aaaa…" or "0000…" is no secret). */
export const ANONYMOUS_KEY_MIN_DISTINCT = 6;

/**
 * Whether a key is long and varied enough to serve as an anonymous caller's only credential for its stored result.
 * A floor, not a proof: a key built from guessable parts ("order-12345-2026-11-22") passes, so the docs ask for a
 * random key (crypto.randomUUID()). Keys of signed-in callers are scoped by their session and need not be secret.
 */
export function isUnguessableKey(key: string): boolean {
  if (key.length < ANONYMOUS_KEY_MIN_LENGTH) return false;
  const distinct = new Set<string>();
  for (const character of key) {
    distinct.add(character);
    if (distinct.size >= ANONYMOUS_KEY_MIN_DISTINCT) return true;
  }
  return false;
}

/** Stored in place of a result that cannot be serialized: the body ran once, but cannot be replayed. */
export const UNREPLAYABLE = '!unreplayable';

/**
 * Serializes a result for the store. devalue round-trips what a Server Action may return and JSON cannot:
 * Date, Map, Set, BigInt, undefined, NaN, ±Infinity, -0, RegExp, typed arrays, repeated and cyclic references.
 * Returns null when the value holds something else (a function, a class instance, a React element).
 * Plain data (the usual result) is written in devalue's format directly; everything else goes through devalue.
 */
export function serializeResult(value: unknown): string | null {
  try {
    return stringifyPlainData(value) ?? stringify(value);
  } catch {
    return null;
  }
}

// devalue's wire format (devalue/src/constants.js, stringify.js, parse.js; pinned at 6.0.3): the text is a JSON
// array of slots, slot 0 the root; an object slot maps each key to the slot of its value, an array slot lists
// them; these negative numbers stand for values that get no slot. A repeated object reuses its slot (identity and
// cycles survive). A root without a slot is written as the bare number.
const DEVALUE_UNDEFINED = -1;
const DEVALUE_NAN = -3;
const DEVALUE_POSITIVE_INFINITY = -4;
const DEVALUE_NEGATIVE_INFINITY = -5;
const DEVALUE_NEGATIVE_ZERO = -6;
/** Not a devalue value: "leave this value to devalue". */
const NOT_PLAIN = -1000;

interface PlainDataWriter {
  slots: string[];
  /** The first object met and its slot: most results hold one object, which then needs no map. */
  first: object | null;
  firstSlot: number;
  slotOf: Map<object, number> | null;
}

/**
 * devalue's `stringify()` for plain data only: objects whose prototype is `Object.prototype` (no symbol keys, no
 * `__proto__` key, not a thenable), dense arrays, strings, numbers, booleans, null and undefined. The text is
 * what `devalue.parse()` (so `deserializeResult`) reads back to an equal value with the same shared references.
 * Anything else gives null, and devalue decides, so what can be stored and how it replays never depends on
 * which path wrote it. Why: devalue's general machinery is most of the cost of storing a result per call.
 */
function stringifyPlainData(value: unknown): string | null {
  const writer: PlainDataWriter = { slots: [], first: null, firstSlot: 0, slotOf: null };
  const root = writePlainData(value, writer);
  if (root === NOT_PLAIN) return null;
  if (root < 0) return String(root);
  // Concatenated by hand: Array#join costs more than the whole walk for the one or two slots of a typical result.
  const { slots } = writer;
  let text = '[' + slots[0]!;
  for (let index = 1; index < slots.length; index++) text += ',' + slots[index]!;
  return text + ']';
}

function writePlainData(value: unknown, writer: PlainDataWriter): number {
  switch (typeof value) {
    case 'undefined':
      return DEVALUE_UNDEFINED;
    case 'number':
      if (Number.isNaN(value)) return DEVALUE_NAN;
      if (value === Infinity) return DEVALUE_POSITIVE_INFINITY;
      if (value === -Infinity) return DEVALUE_NEGATIVE_INFINITY;
      if (value === 0 && 1 / value < 0) return DEVALUE_NEGATIVE_ZERO;
      return writer.slots.push(String(value)) - 1;
    case 'string':
      return writer.slots.push(quote(value)) - 1;
    case 'boolean':
      return writer.slots.push(value ? 'true' : 'false') - 1;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return writer.slots.push('null') - 1;
  const object = value as object;
  if (writer.first === null) {
    writer.first = object;
  } else {
    if (object === writer.first) return writer.firstSlot;
    const seen = writer.slotOf?.get(object);
    if (seen !== undefined) return seen;
  }
  // devalue refuses thenables and symbol-keyed objects, and treats a Symbol.toStringTag as another type.
  if (typeof (object as { then?: unknown }).then === 'function' || Object.getOwnPropertySymbols(object).length > 0) return NOT_PLAIN;
  const slot = writer.slots.push('') - 1;
  if (object === writer.first) writer.firstSlot = slot;
  else (writer.slotOf ??= new Map()).set(object, slot);
  let text: string;
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) return NOT_PLAIN;
    text = '[';
    for (let index = 0; index < object.length; index++) {
      const item: unknown = object[index];
      if (item === undefined && !Object.hasOwn(object, index)) return NOT_PLAIN; // a hole
      const child = writePlainData(item, writer);
      if (child === NOT_PLAIN) return NOT_PLAIN;
      text += (index > 0 ? ',' : '') + child;
    }
    text += ']';
  } else {
    if (Object.getPrototypeOf(object) !== Object.prototype) return NOT_PLAIN;
    text = '{';
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      if (key === '__proto__') return NOT_PLAIN;
      const child = writePlainData(record[key], writer);
      if (child === NOT_PLAIN) return NOT_PLAIN;
      text += (index > 0 ? ',' : '') + quoteKey(key) + ':' + child;
    }
    text += '}';
  }
  writer.slots[slot] = text;
  return slot;
}

/** Reverses `serializeResult`. */
export function deserializeResult(text: string): unknown {
  return parse(text);
}

type NodeHash = { update(data: string | Uint8Array): NodeHash; digest(encoding: 'hex'): string };
type NodeCrypto = {
  createHash(algorithm: string): NodeHash;
  /** One-shot hash (Node ≥ 20.12): several times cheaper than createHash() for short inputs. */
  hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string;
};

// Node's synchronous hash when the runtime has it (through `process.getBuiltinModule`, which is not an import, so
// Edge bundles never see `node:crypto`); otherwise WebCrypto. Same SHA-256 either way, but WebCrypto's digest is
// asynchronous and runs on Node's thread pool, which costs tens of microseconds per call on the hot path.
// Next's Edge runtime throws on the mere read of an unsupported `process` member ("A Node.js API is used
// (process.getBuiltinModule) which is not supported in the Edge Runtime", seen in `next start` of
// test/fixtures/edge-app), so the lookup is guarded: there the answer is WebCrypto.
const nodeCrypto = ((): NodeCrypto | undefined => {
  try {
    return (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** SHA-256 as lowercase hex: synchronous with Node's hash where available, a Promise from WebCrypto elsewhere. */
export function sha256Hex(data: string | ArrayBuffer): string | Promise<string> {
  if (nodeCrypto !== undefined) {
    const input = typeof data === 'string' ? data : new Uint8Array(data);
    return nodeCrypto.hash !== undefined ? nodeCrypto.hash('sha256', input, 'hex') : nodeCrypto.createHash('sha256').update(input).digest('hex');
  }
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
  return crypto.subtle.digest('SHA-256', bytes).then((digest) => toHex(new Uint8Array(digest)));
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** Thrown by the first, synchronous encoding pass when it meets a file whose bytes were not read yet. */
class NeedsBlobDigests {}

/** Files are the only part of an input that needs asynchronous reading; collect them when the first pass met one. */
function collectBlobs(value: unknown, found: Set<Blob>, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (isBlob(value)) {
    found.add(value);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const item of value) collectBlobs(item, found, seen);
  } else if (value instanceof Map) {
    for (const [key, item] of value) {
      collectBlobs(key, found, seen);
      collectBlobs(item, found, seen);
    }
  } else if (!(value instanceof Date)) {
    for (const item of Object.values(value)) collectBlobs(item, found, seen);
  }
}

// Characters JSON.stringify would escape (quotes, backslash, controls, lone surrogates and U+2028/9 to be safe):
// strings without them are quoted directly, which is the same output, several times cheaper.
const NEEDS_ESCAPING = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// Object keys repeat from call to call (one schema, one shape), so their quoted form is kept. Keys come from
// request data, so the cache is bounded both ways: short keys only, emptied once it holds 1,024.
const quotedKeys = new Map<string, string>();

/** `quote()` for an object key, from the cache when the key was seen before. */
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (key.length <= 64) {
      if (quotedKeys.size >= 1024) quotedKeys.clear();
      quotedKeys.set(key, quoted);
    }
  }
  return quoted;
}

/**
 * An encoding where equal inputs give equal strings whatever their key order: object keys, Map entries and Set
 * members are sorted; every value carries a type tag so `1`, `"1"` and `1n` differ; files contribute a hash of
 * their bytes (`blobDigests`). Used only to fingerprint the validated input, never stored or logged. The bytes
 * must never change between versions: instances of two releases share one store during a rolling deploy, and a
 * different encoding of the same input would answer IDEMPOTENCY_KEY_MISMATCH.
 */
export function canonicalEncode(value: unknown, blobDigests: ReadonlyMap<Blob, string> | null = null): string {
  return encodeValue(value, blobDigests, null);
}

/**
 * `ancestors` holds the objects on the path from the root to `value` (for cycles), or null at the root: a flat
 * input (the common case) then allocates no set at all.
 */
function encodeValue(value: unknown, blobDigests: ReadonlyMap<Blob, string> | null, ancestors: Set<object> | null): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return 'n' + (Object.is(value, -0) ? '-0' : String(value));
    case 'bigint':
      return 'i' + value.toString();
    case 'string':
      return quote(value);
    case 'symbol':
    case 'function':
      return typeof value;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors !== null) {
    if (ancestors.has(object)) return 'cycle';
    ancestors.add(object);
  }
  const text = encodeObject(object, blobDigests, ancestors);
  // No `finally`: the only throw (NeedsBlobDigests) abandons the whole encoding, set included.
  ancestors?.delete(object);
  return text;
}

function encodeObject(object: object, blobDigests: ReadonlyMap<Blob, string> | null, ancestors: Set<object> | null): string {
  if (object instanceof Date) return 'D' + object.getTime();
  if (isBlob(object)) {
    const name = typeof File !== 'undefined' && object instanceof File ? object.name : null;
    const digest = blobDigests?.get(object);
    if (digest === undefined) throw new NeedsBlobDigests();
    return `F${JSON.stringify([name, object.type, object.size])}${digest}`;
  }
  // Children see this object among their ancestors; the root's set is made only once it has a child object.
  if (Array.isArray(object)) {
    // A hole encodes as nothing, as `[...].map().join()` would have it.
    let text = '[';
    for (let index = 0; index < object.length; index++) {
      if (index > 0) text += ',';
      if (!(index in object)) continue;
      const item: unknown = object[index];
      if (ancestors === null && isObject(item)) ancestors = new Set([object]);
      text += encodeValue(item, blobDigests, ancestors);
    }
    return text + ']';
  }
  if (object instanceof Map || object instanceof Set) {
    ancestors ??= new Set([object]);
    const parts: string[] = [];
    if (object instanceof Map) {
      for (const [key, item] of object) parts.push(`${encodeValue(key, blobDigests, ancestors)}=>${encodeValue(item, blobDigests, ancestors)}`);
    } else {
      for (const item of object) parts.push(encodeValue(item, blobDigests, ancestors));
    }
    return `${object instanceof Map ? 'M' : 'S'}{${parts.sort().join(',')}}`;
  }
  const record = object as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  let text = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const item = record[key];
    if (ancestors === null && isObject(item)) ancestors = new Set([object]);
    text += (index > 0 ? ',' : '') + quoteKey(key) + ':' + encodeValue(item, blobDigests, ancestors);
  }
  return text + '}';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** `keys.sort()` (UTF-16 code unit order), with an insertion sort for the few keys a form has: no sort call. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index]!;
    let at = index - 1;
    for (; at >= 0 && keys[at]! > key; at--) keys[at + 1] = keys[at]!;
    keys[at + 1] = key;
  }
  return keys;
}

/**
 * The fingerprint of a validated input: SHA-256 of its canonical encoding (files hashed by content). Synchronous
 * when nothing needs reading or awaiting (no files, Node's hash available).
 */
export function fingerprintInput(value: unknown): string | Promise<string> {
  try {
    return sha256Hex(canonicalEncode(value));
  } catch (error) {
    if (!(error instanceof NeedsBlobDigests)) throw error;
  }
  const blobs = new Set<Blob>();
  collectBlobs(value, blobs, new Set());
  return (async () => {
    const digests = new Map<Blob, string>();
    for (const blob of blobs) digests.set(blob, await sha256Hex(await blob.arrayBuffer()));
    return sha256Hex(canonicalEncode(value, digests));
  })();
}
