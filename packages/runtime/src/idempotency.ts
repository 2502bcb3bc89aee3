import { parse, stringify } from 'devalue';

/** Stored in place of a result that cannot be serialized: the body ran once, but cannot be replayed. */
export const UNREPLAYABLE = '!unreplayable';

/**
 * Serializes a result for the store. devalue round-trips what a Server Action may return and JSON cannot:
 * Date, Map, Set, BigInt, undefined, NaN, ±Infinity, -0, RegExp, typed arrays, repeated and cyclic references.
 * Returns null when the value holds something else (a function, a class instance, a React element).
 */
export function serializeResult(value: unknown): string | null {
  try {
    return stringify(value);
  } catch {
    return null;
  }
}

/** Reverses `serializeResult`. */
export function deserializeResult(text: string): unknown {
  return parse(text);
}

/** SHA-256 as lowercase hex, with WebCrypto (Node 20 and Edge alike). */
export async function sha256Hex(data: string | ArrayBuffer): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * An encoding where equal inputs give equal strings whatever their key order: object keys, Map entries and Set
 * members are sorted; every value carries a type tag so `1`, `"1"` and `1n` differ; files contribute a hash of
 * their bytes. Used only to fingerprint the validated input, never stored or logged.
 */
export async function canonicalEncode(value: unknown, seen: Set<object> = new Set()): Promise<string> {
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
      return JSON.stringify(value);
    case 'symbol':
    case 'function':
      return typeof value;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) return 'cycle';
  seen.add(object);
  try {
    if (object instanceof Date) return 'D' + object.getTime();
    if (typeof Blob !== 'undefined' && object instanceof Blob) {
      const name = typeof File !== 'undefined' && object instanceof File ? object.name : null;
      return `F${JSON.stringify([name, object.type, object.size])}${await sha256Hex(await object.arrayBuffer())}`;
    }
    if (Array.isArray(object)) {
      const items: string[] = [];
      for (const item of object) items.push(await canonicalEncode(item, seen));
      return `[${items.join(',')}]`;
    }
    if (object instanceof Map) {
      const entries: string[] = [];
      for (const [key, item] of object) entries.push(`${await canonicalEncode(key, seen)}=>${await canonicalEncode(item, seen)}`);
      return `M{${entries.sort().join(',')}}`;
    }
    if (object instanceof Set) {
      const members: string[] = [];
      for (const item of object) members.push(await canonicalEncode(item, seen));
      return `S{${members.sort().join(',')}}`;
    }
    const record = object as Record<string, unknown>;
    const fields: string[] = [];
    for (const key of Object.keys(record).sort()) fields.push(`${JSON.stringify(key)}:${await canonicalEncode(record[key], seen)}`);
    return `{${fields.join(',')}}`;
  } finally {
    seen.delete(object);
  }
}

/** The fingerprint of a validated input: SHA-256 of its canonical encoding. */
export async function fingerprintInput(value: unknown): Promise<string> {
  return sha256Hex(await canonicalEncode(value));
}
