import type { NormalizedPolicy } from '../types.js';

/** A parsed tag argument, or why it could not be parsed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; fix: string };

/** Dedupe settings as written. */
export type DedupePolicy = NonNullable<NormalizedPolicy['dedupe']>;

/** A rate limit as written; `by` is `null` when left to the default. */
export interface RateLimitArgument {
  /** Calls allowed per window. */
  limit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Who is counted, when written. */
  by: 'user' | 'ip' | 'global' | null;
}

/**
 * Default TTL of `@dedupe` without a ttl: 24 hours, the window Stripe keeps idempotency keys for (SPEC §2).
 * Keep in step with README.md ("@dedupe").
 */
export const DEFAULT_DEDUPE_TTL_SECONDS = 86_400;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ROLE = /^[\w.:-]+$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30s`, `10m`, `24h`, `7d` to seconds. */
function parseDuration(text: string, allowBareUnit: boolean): number | null {
  const match = (allowBareUnit ? /^(\d*)([smhd])$/ : /^(\d+)([smhd])$/).exec(text);
  if (match === null) return null;
  const count = match[1] === '' ? 1 : Number(match[1]);
  if (!Number.isSafeInteger(count) || count <= 0) return null;
  return count * UNIT_SECONDS[match[2]!]!;
}

/** `@authorize <Identifier>`. */
export function parseIdentifierArgument(tag: string, args: string): Parsed<string> {
  if (IDENTIFIER.test(args)) return { ok: true, value: args };
  return {
    ok: false,
    reason: args === '' ? `@${tag} needs an identifier` : `@${tag} takes one identifier, got "${args}"`,
    fix: `write \`@${tag} <Identifier>\` naming a value declared or imported in this module`,
  };
}

/**
 * `@schema <Identifier>[, <Identifier> …]`: one schema per client-supplied parameter, in order (commas and/or spaces
 * between names). The same schema may be named for several parameters.
 */
export function parseSchemaList(args: string): Parsed<string[]> {
  const names = args.split(/[\s,]+/).filter((name) => name !== '');
  const bad = names.find((name) => !IDENTIFIER.test(name));
  if (names.length > 0 && bad === undefined && !/^,|,\s*,|,$/.test(args.trim())) return { ok: true, value: names };
  return {
    ok: false,
    reason: names.length === 0 ? '@schema needs an identifier' : bad !== undefined ? `"${bad}" is not an identifier` : `"${args}" has an empty entry`,
    fix: 'write `@schema <Identifier>` for an action with one parameter, or one identifier per parameter in order: `@schema IdSchema, StateSchema, FormSchema`',
  };
}

/** How a list of positional schemas is written in a policy: `IdSchema, StateSchema` (a rest parameter's as `...Items`). */
export function joinSchemaList(names: readonly string[], rest: boolean): string {
  return names.map((name, index) => (rest && index === names.length - 1 ? `...${name}` : name)).join(', ');
}

/** `@role <name> [<name> …]` (spaces or commas between names). */
export function parseRoles(args: string): Parsed<string[]> {
  const roles = args.split(/[\s,]+/).filter((role) => role !== '');
  const bad = roles.find((role) => !ROLE.test(role));
  if (roles.length === 0 || bad !== undefined) {
    return {
      ok: false,
      reason: roles.length === 0 ? '@role needs at least one role name' : `"${bad}" is not a role name`,
      fix: 'write `@role <name> [<name> …]` with names made of letters, digits, `_`, `-`, `.` or `:`',
    };
  }
  return { ok: true, value: roles };
}

/** `@dedupe key:<field>|header:<Name>|input [ttl]`. */
export function parseDedupe(args: string): Parsed<DedupePolicy> {
  const fix = 'write `@dedupe key:<field> [ttl]`, `@dedupe header:<Name> [ttl]` or `@dedupe input [ttl]`, ttl like 30s, 10m, 24h, 7d';
  const parts = args.split(/\s+/).filter((part) => part !== '');
  if (parts.length === 0 || parts.length > 2) {
    return { ok: false, reason: parts.length === 0 ? '@dedupe needs a source' : `@dedupe takes a source and a ttl, got "${args}"`, fix };
  }
  const [source, ttl] = parts as [string, string | undefined];
  let parsed: Pick<DedupePolicy, 'source' | 'name'>;
  const keyed = /^(key|header):(.+)$/.exec(source);
  if (source === 'input') parsed = { source: 'input', name: null };
  else if (keyed !== null && /^[\w$.-]+$/.test(keyed[2]!)) parsed = { source: keyed[1] as 'key' | 'header', name: keyed[2]! };
  else return { ok: false, reason: `"${source}" is not a dedupe source`, fix };
  const ttlSeconds = ttl === undefined ? DEFAULT_DEDUPE_TTL_SECONDS : parseDuration(ttl, false);
  if (ttlSeconds === null) return { ok: false, reason: `"${ttl}" is not a ttl`, fix };
  return { ok: true, value: { ...parsed, ttlSeconds } };
}

/** `@rateLimit <n>/<window> [by:user|ip|global]`. */
export function parseRateLimit(args: string): Parsed<RateLimitArgument> {
  const fix = 'write `@rateLimit <n>/<window> [by:user|ip|global]`, e.g. `@rateLimit 10/1m` or `@rateLimit 100/1h by:ip`';
  const match = /^(\d+)\s*\/\s*(\S+)(?:\s+by:(\S+))?$/.exec(args);
  if (match === null) return { ok: false, reason: args === '' ? '@rateLimit needs a limit' : `"${args}" is not a rate limit`, fix };
  const limit = Number(match[1]);
  const windowSeconds = parseDuration(match[2]!, true);
  const by = match[3] ?? null;
  if (!Number.isSafeInteger(limit) || limit <= 0) return { ok: false, reason: 'the limit must be a positive whole number', fix };
  if (windowSeconds === null) return { ok: false, reason: `"${match[2]}" is not a window`, fix };
  if (by !== null && by !== 'user' && by !== 'ip' && by !== 'global') return { ok: false, reason: `"by:${by}" is not user, ip or global`, fix };
  return { ok: true, value: { limit, windowSeconds, by } };
}
