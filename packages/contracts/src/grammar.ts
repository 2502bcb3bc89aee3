/**
 * The tag-argument grammar (docs/reference.md §2): the one parser of what `@dedupe`, `@rateLimit`, `@role`,
 * `@schema`, `@authorize` and `@revalidates` take, and of the same text in a config directory rule. The transform
 * reads tags through it and the config package validates rules through it, so a rule and a tag accept exactly the
 * same text. Also the one home of their formatting (`30/1m by:user`, `tag:posts max`) and of the rate-limit
 * comparison the build and `manifest diff` share.
 */
import type { DedupePolicy, RateLimitPolicy, RevalidateTarget } from './policy.js';

/** A parsed tag argument, or why it could not be parsed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; fix: string };

export type { DedupePolicy } from './policy.js';

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
 * Default TTL of `@dedupe` without a ttl: 24 hours, the window Stripe keeps idempotency keys for (docs/reference.md §2).
 * Keep in step with README.md ("@dedupe").
 */
export const DEFAULT_DEDUPE_TTL_SECONDS = 86_400;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ROLE = /^[\w.:-]+$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30s`, `10m`, `24h`, `7d` to seconds (`m` alone for one unit when `allowBareUnit`, as a rate-limit window); null when the count is not a positive safe integer. */
export function parseDuration(text: string, allowBareUnit: boolean): number | null {
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

/*
 * `@revalidates <target> [<target> …]` (README "@revalidates"; the config package and the runtime read targets through these
 * functions or the policy they produce).
 *
 *   target  := path:<route> | layout:<route> | tag:<tag> [<profile>]
 *   route   := "/" | ("/" segment)+        segment := [param] | [...param] | [[...param]] | (literal | {field})+
 *   tag     := (tag-char | {field})+       tag-char := letters, digits and _ . : / - @ # + =   (at most 256 characters)
 *   profile := a cacheLife profile name (letters, digits, _ and -), e.g. max, hours
 *   {field} := a field of the validated input (the last argument's schema output), filled in per call
 *
 * `[id]` keeps a route pattern (every page of that route is revalidated); `{id}` takes the value from the input.
 */

/** A field placeholder, `{invoiceId}`. */
const FIELD_PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g;
const ROUTE_LITERAL = /^(?:[\w.~@!$&'*+,;=:-]|%[0-9A-Fa-f]{2})+$/;
const ROUTE_PARAM = /^(?:\[[A-Za-z_$][\w$]*\]|\[\.\.\.[A-Za-z_$][\w$]*\]|\[\[\.\.\.[A-Za-z_$][\w$]*\]\])$/;
const TAG_TEXT = /^[\w.:/@#+=-]+$/;
const PROFILE = /^[A-Za-z][\w-]*$/;
/** Next rejects longer tags (NEXT_CACHE_TAG_MAX_LENGTH). */
export const MAX_REVALIDATE_TAG_LENGTH = 256;

/** The `{field}` names a target's value reads from the validated input, in order of appearance (repeats kept once). */
export function revalidateTargetFields(value: string): string[] {
  return [...new Set([...value.matchAll(FIELD_PLACEHOLDER)].map((match) => match[1]!))];
}

/** Whether text is literal characters of its kind with zero or more `{field}` placeholders between them. */
function withPlaceholders(text: string, literal: RegExp): boolean {
  if (text === '') return false;
  return text.split(FIELD_PLACEHOLDER).every((part, index) => index % 2 === 1 || part === '' || literal.test(part));
}

function checkRoute(route: string): string | null {
  if (!route.startsWith('/')) return `route "${route}" must start with "/"`;
  if (route === '/') return null;
  const segments = route.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return `route "${route}" has an empty segment (no "//" and no trailing "/")`;
    if (segment.startsWith('[')) {
      if (!ROUTE_PARAM.test(segment)) return `"${segment}" in "${route}" is not a dynamic segment ([id], [...slug] or [[...slug]])`;
    } else if (!withPlaceholders(segment, ROUTE_LITERAL)) {
      return `"${segment}" in "${route}" is not a path segment (URL characters and {field} placeholders)`;
    }
  }
  return null;
}

/** `@revalidates path:<route> layout:<route> tag:<tag> [profile] …`; also the syntax of a rule's `revalidates`. */
export function parseRevalidates(args: string): Parsed<RevalidateTarget[]> {
  const fix =
    'write `@revalidates <target> …` with targets `path:/route`, `layout:/route` or `tag:<name> [profile]`; ' +
    '`[id]` in a route is a route pattern, `{field}` takes a value from the validated input (e.g. `path:/invoices/{invoiceId} tag:invoice:{invoiceId}`)';
  const fail = (reason: string): Parsed<RevalidateTarget[]> => ({ ok: false, reason, fix });
  const tokens = args.split(/\s+/).filter((token) => token !== '');
  if (tokens.length === 0) return fail('@revalidates needs at least one target');
  const targets: RevalidateTarget[] = [];
  for (const token of tokens) {
    const match = /^(path|layout|tag):(.*)$/.exec(token);
    if (match === null) {
      const previous = targets.at(-1);
      // A bare word right after a tag is that tag's cache-life profile.
      if (previous?.kind === 'tag' && previous.profile === null && PROFILE.test(token)) {
        previous.profile = token;
        continue;
      }
      if (previous?.kind === 'tag' && previous.profile === null) return fail(`"${token}" is neither a target nor a cache-life profile name`);
      if (previous !== undefined && PROFILE.test(token)) {
        return fail(`"${token}" follows ${formatRevalidateTarget(previous)}; a cache-life profile only follows a tag: target`);
      }
      return fail(`"${token}" is not a target (path:, layout: or tag:)`);
    }
    const kind = match[1] as RevalidateTarget['kind'];
    const value = match[2]!;
    if (kind === 'tag') {
      if (value === '') return fail('"tag:" needs a tag name');
      if (!withPlaceholders(value, TAG_TEXT)) return fail(`"${value}" is not a tag (letters, digits, _ . : / - @ # + = and {field} placeholders)`);
      if (value.length > MAX_REVALIDATE_TAG_LENGTH) return fail(`tag "${value.slice(0, 40)}…" is longer than ${MAX_REVALIDATE_TAG_LENGTH} characters`);
    } else {
      const problem = checkRoute(value);
      if (problem !== null) return fail(problem);
    }
    targets.push({ kind, value, profile: null });
  }
  return { ok: true, value: targets };
}

/** `tag:posts max`: a target the way the tag writes it. */
export function formatRevalidateTarget(target: RevalidateTarget): string {
  return `${target.kind}:${target.value}${target.profile === null ? '' : ` ${target.profile}`}`;
}

/** Targets without repeats, sorted by kind, value and profile (the canonical order of a policy). */
export function normalizeRevalidateTargets(targets: readonly RevalidateTarget[]): RevalidateTarget[] {
  const byKey = new Map(targets.map((target) => [formatRevalidateTarget(target), target]));
  return [...byKey.values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.value !== b.value ? (a.value < b.value ? -1 : 1) : (a.profile ?? '') < (b.profile ?? '') ? -1 : (a.profile ?? '') > (b.profile ?? '') ? 1 : 0);
}

/*
 * How two rate limits compare: the one comparison both the build (a tag may not loosen a directory rule) and
 * `manifest diff` (a looser limit is a weakened policy) use, so the two never disagree.
 */
/** A rate limit as a policy holds it. */
export type RateLimitShape = Readonly<RateLimitPolicy>;

/** What changed from `before` to `after`. */
export interface RateLimitChange {
  /** More calls fit in the long run (a higher rate) or in one burst (a higher limit). */
  looser: boolean;
  /** Not looser, and fewer calls fit in the long run or in one burst. */
  tighter: boolean;
  /**
   * The bucket key: one global bucket is the strictest; per-user and per-IP buckets cannot be compared (each lets
   * some caller make more calls than the other), so a switch between them counts as looser.
   */
  scope: 'same' | 'stricter' | 'looser';
}

/** Compares two rate limits by rate (limit per window, without division), by burst (limit) and by scope. */
export function compareRateLimits(before: RateLimitShape, after: RateLimitShape): RateLimitChange {
  const rateUp = after.limit * before.windowSeconds > before.limit * after.windowSeconds;
  const rateDown = after.limit * before.windowSeconds < before.limit * after.windowSeconds;
  const looser = rateUp || after.limit > before.limit;
  const tighter = !looser && (rateDown || after.limit < before.limit);
  const scope = before.by === after.by ? 'same' : after.by === 'global' ? 'stricter' : 'looser';
  return { looser, tighter, scope };
}

/** `30s`, `10m`, `24h`, `7d`: a duration in seconds the way tags write it (the largest unit that divides it). */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** `30/1m by:user`: a rate limit the way tags write it. */
export function formatRateLimit(limit: RateLimitShape): string {
  return `${limit.limit}/${formatDuration(limit.windowSeconds)} by:${limit.by}`;
}

/** `key:idempotencyKey`, `input`: a dedupe source the way tags write it. */
export function formatDedupeSource(dedupe: Pick<DedupePolicy, 'source' | 'name'>): string {
  return dedupe.source === 'input' ? 'input' : `${dedupe.source}:${dedupe.name}`;
}

/** `key:idempotencyKey 24h`: a dedupe setting the way tags write it. */
export function formatDedupe(dedupe: DedupePolicy): string {
  return `${formatDedupeSource(dedupe)} ${formatDuration(dedupe.ttlSeconds)}`;
}
