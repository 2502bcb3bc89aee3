// Every key the guard hands a store (rate-limit buckets, idempotency records) is built here and nowhere else.
//
// What must stay true: two different tuples of parts never give the same key, whatever the parts contain. Session
// ids come from the app, idempotency keys and addresses from the request, so any of them may contain the characters
// a naive `a|b|c` join uses (a user "alice|k:x" with key "y" and a user "alice" with key "x|k:y" would share a
// record). Each variable part is therefore length-prefixed (`<length>:<text>`), so where it ends never depends on
// what it contains. A part that is not well-formed UTF-16 (a lone surrogate, which JSON-encoded action arguments can
// carry) would be turned into U+FFFD on its way to Redis or to a hash, and so meet another part; it is written as
// its JSON escape instead, with `!` in place of `:` so the two forms can never meet either.
//
// Redis Cluster (a later step): every key of one action starts with `{<action part>}`, the hash tag, so the keys of
// one script (the combined rate-limit-and-claim touches one bucket and one record) always share a slot.

type WellFormedString = string & { isWellFormed?: () => boolean };

function isWellFormed(text: string): boolean {
  const check = (text as WellFormedString).isWellFormed;
  if (typeof check === 'function') return check.call(text);
  // Runtimes before String.prototype.isWellFormed (Node < 20): a lone surrogate is what the regex finds.
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** One variable part of a key: its length, `:`, itself (or, for ill-formed text, `!` and its JSON escape). */
export function keyPart(text: string): string {
  if (isWellFormed(text)) return `${text.length}:${text}`;
  const escaped = JSON.stringify(text);
  return `${escaped.length}!${escaped}`;
}

/** The start of every key of one action: its hash tag. */
export function actionScope(action: string): string {
  return `{${keyPart(action)}}`;
}

/** Rate-limit bucket keys (the store adds its own prefix per concern). */
export const rateLimitKeys = {
  /** One bucket for every caller of the action (`by:global`). */
  global: (scope: string): string => `${scope}|global`,
  /** A signed-in principal's bucket. */
  user: (scope: string, id: string): string => `${scope}|user|${keyPart(id)}`,
  /** A client address's bucket (`by:ip`, and anonymous callers of a public `by:user` action). */
  ip: (scope: string, ip: string): string => `${scope}|ip|${keyPart(ip)}`,
  /** Where anonymous calls refused for lack of a session count: never a bucket signed-in callers use. */
  refusedAnonymous: (scope: string, ip: string): string => `${scope}|refused-anon|${keyPart(ip)}`,
};

/** Idempotency record keys. `kind`: `f` input fingerprint, `k` the key as sent, `h` the SHA-256 of the key. */
export const idempotencyKeys = {
  /** A record of a signed-in principal. */
  user: (scope: string, id: string, kind: 'f' | 'k' | 'h', key: string): string => `${scope}|user|${keyPart(id)}|${kind}|${keyPart(key)}`,
  /** A record of an anonymous caller, bound to the SHA-256 of the whole key it sent (the key is the only credential). */
  anonymous: (scope: string, keyHash: string): string => `${scope}|anon|h|${keyPart(keyHash)}`,
};

/** Whose quota an idempotency record counts against (memoryStore's `maxBytesPerPrincipal`). */
export const recordOwners = {
  /** A signed-in principal. */
  user: (id: string): string => `user|${keyPart(id)}`,
  /** An anonymous caller: by trustworthy address when there is one, else every anonymous caller together. */
  anonymous: (ip: string | null): string => (ip === null ? 'anon' : `anon-ip|${keyPart(ip)}`),
};
