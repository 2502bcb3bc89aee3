import type { JsDocTag } from '../analyze/parse-policy-tags.js';
import type { Finding } from '../diagnostics/format-diagnostic.js';
import type { NormalizedPolicy, RulePolicy } from '../types.js';
import type { ParameterList } from './describe-parameters.js';
import { suggestTag } from './suggest-tag.js';
import {
  compareRateLimits,
  formatDedupe,
  formatDuration,
  formatRateLimit,
  formatRevalidateTarget,
  joinSchemaList,
  normalizeRevalidateTargets,
  parseDedupe,
  parseIdentifierArgument,
  parseRateLimit,
  parseRevalidates,
  parseRoles,
  parseSchemaList,
  type DedupePolicy,
  type Parsed,
  revalidateTargetFields,
  type RateLimitArgument,
  type RateLimitShape,
} from '@action-guard/contracts';
import type { RevalidateTarget } from '../types.js';

/** A directory rule with its glob compiled. */
export interface ResolvedRule {
  /** The glob as written (relative to root). */
  glob: string;
  /** Whether a root-relative posix path matches. */
  matches: (file: string) => boolean;
  /** The policy floor, as written. */
  policy: RulePolicy;
  /** The policy floor, parsed (validated once, here). */
  floor: RuleFloor;
}

/** What policy resolution needs to know about one action. */
export interface PolicyInput {
  /** Tags of the JSDoc block above the action (empty when there is none). */
  tags: JsDocTag[];
  /** Where findings about the action as a whole are reported. */
  offset: number;
  /** How messages name the action, e.g. `createPost` or `inline action Page/save`. */
  label: string;
  /** Declared parameters (every one client-supplied); `null` when unknown (a wrapped function), which counts as taking input. */
  parameters: ParameterList | null;
  /** The `<action>Schema` export of the module, when there is one. */
  conventionSchema: string | null;
  /** Value bindings at module scope (declared or imported). */
  moduleBindings: ReadonlySet<string>;
  /** Module-scope bindings that hold this module's exported actions (which `@onFailure` must not name). */
  actionBindings?: ReadonlySet<string>;
  /** Directory rules matching the file. */
  rules: readonly ResolvedRule[];
  /**
   * `cache` for a `"use cache"` function: its only auth decision is `@public` (tag or rule), and auth, roles,
   * authorize, dedupe and rate limits from tags or rules are `cache-function-policy` errors. Default `action`.
   */
  kind?: 'action' | 'cache';
}

/** Why a `"use cache"` function cannot carry a session check, a per-caller limit or idempotency. */
const CACHE_FUNCTION_CAUSE =
  'a "use cache" function runs outside the request (Next forbids cookies() and headers() inside it) and its result is ' +
  'served to every caller with the same arguments, while anyone who has its ID can call it over HTTP';
/** What to do instead, for `cache-function-policy` and a cache function's `missing-auth-decision`. */
export const CACHE_FUNCTION_FIX =
  'check auth in the Server Component or action that calls it and give the cache function only what every caller may ' +
  'see (anyone can call it with any arguments its schemas accept); mark it `@public <reason>`';

/** The policy of one action and the problems found while reading it. */
export interface PolicyResult {
  /** The policy the guard enforces; fails closed where tags are missing or wrong. */
  policy: NormalizedPolicy;
  /** Problems, without severity (the caller applies config). */
  findings: Finding[];
  /**
   * The `@onFailure` function: maps the guard's failures into the action's own result (runtime
   * src/failure-mapper.ts). Not part of the policy: it changes what a caller sees, never who may call.
   */
  onFailure: string | null;
  /** Whether an `@onFailure` tag was written (even one with a broken argument): the author has decided. */
  onFailureTagged: boolean;
}

/** A directory rule's policy parsed into the tags' values. */
export interface RuleFloor {
  /** Reason of a public rule. */
  publicReason: string | null;
  /** Whether the rule requires a session (also implied by roles). */
  requiresAuth: boolean;
  /** Roles the session must hold one of. */
  roles: string[] | null;
  /** Idempotency floor. */
  dedupe: DedupePolicy | null;
  /** Rate-limit floor. */
  rateLimit: RateLimitArgument | null;
  /** Targets every action under the rule revalidates. */
  revalidates: RevalidateTarget[] | null;
}

/** Throws on a rule whose arguments do not parse: config errors never become diagnostics. */
export function parseRulePolicy(glob: string, rule: RulePolicy): RuleFloor {
  const unwrap = <T>(parsed: Parsed<T>, key: string): T => {
    if (parsed.ok) return parsed.value;
    throw new TypeError(`@action-guard/transform: rule "${glob}" has an invalid \`${key}\`: ${parsed.reason}; ${parsed.fix}`);
  };
  if (rule.public !== undefined && (typeof rule.public !== 'string' || rule.public.trim() === '')) {
    throw new TypeError(`@action-guard/transform: rule "${glob}" has \`public\` without a reason; write public: '<reason>'`);
  }
  if (rule.requiresAuth !== undefined && typeof rule.requiresAuth !== 'boolean') {
    throw new TypeError(`@action-guard/transform: rule "${glob}" \`requiresAuth\` must be a boolean`);
  }
  const roles = rule.role === undefined ? null : unwrap(parseRoles([rule.role].flat().join(' ')), 'role');
  const requiresAuth = rule.requiresAuth === true || roles !== null;
  if (rule.public !== undefined && requiresAuth) {
    throw new TypeError(`@action-guard/transform: rule "${glob}" is both public and requires auth; keep one`);
  }
  return {
    publicReason: rule.public?.trim() ?? null,
    requiresAuth,
    roles,
    // Trimmed, as config validation reads them: a rule that loads parses here.
    dedupe: rule.dedupe === undefined ? null : unwrap(parseDedupe(String(rule.dedupe).trim()), 'dedupe'),
    rateLimit: rule.rateLimit === undefined ? null : unwrap(parseRateLimit(String(rule.rateLimit).trim()), 'rateLimit'),
    revalidates: rule.revalidates === undefined ? null : unwrap(parseRevalidates(String(rule.revalidates).trim()), 'revalidates'),
  };
}

/** Merges matching rules into one floor: the strictest value of each. */
function mergeFloors(rules: readonly ResolvedRule[]): RuleFloor & { emptyRoles: boolean } {
  const floor: RuleFloor & { emptyRoles: boolean } = {
    publicReason: null, requiresAuth: false, roles: null, dedupe: null, rateLimit: null, revalidates: null, emptyRoles: false,
  };
  for (const rule of rules) {
    const parsed = rule.floor;
    floor.publicReason ??= parsed.publicReason;
    floor.requiresAuth ||= parsed.requiresAuth;
    if (parsed.roles !== null) {
      // Each rule is a floor the session must meet, so the roles that satisfy all of them are the intersection.
      floor.roles = floor.roles === null ? parsed.roles : floor.roles.filter((role) => parsed.roles!.includes(role));
      if (floor.roles.length === 0) floor.emptyRoles = true;
    }
    floor.dedupe ??= parsed.dedupe;
    // Every rule's targets: a floor of revalidation is the union of what each rule requires.
    if (parsed.revalidates !== null) floor.revalidates = [...(floor.revalidates ?? []), ...parsed.revalidates];
    if (parsed.rateLimit !== null && (floor.rateLimit === null || rate(parsed.rateLimit) < rate(floor.rateLimit))) {
      floor.rateLimit = parsed.rateLimit;
    }
  }
  return floor;
}

function rate(limit: RateLimitArgument): number {
  return limit.limit / limit.windowSeconds;
}

/** Tag names and what they are for (also the did-you-mean vocabulary). */
export const POLICY_TAGS = ['public', 'requiresAuth', 'role', 'authorize', 'schema', 'dedupe', 'rateLimit', 'revalidates', 'onFailure'] as const;

/**
 * Reads an action's tags, applies the schema convention and the directory rules, and reports every problem.
 * Missing or broken decisions fail closed: no auth decision means auth is required.
 */
export function resolvePolicy(input: PolicyInput): PolicyResult {
  const findings: Finding[] = [];
  const report = (name: Finding['name'], offset: number, message: string, fix: string): void => {
    findings.push({ name, offset, message, fix });
  };
  const single = new Map<string, { value: string; tag: JsDocTag }>();
  let publicReason: string | null = null;
  let publicTag: JsDocTag | null = null;
  let requiresAuth = false;
  let roles: string[] | null = null;
  let roleTag: JsDocTag | null = null;
  let authorize: string | null = null;
  let authorizeTag: JsDocTag | null = null;
  let schemaTag: JsDocTag | null = null;
  let schemas: string[] | null = null;
  let dedupe: DedupePolicy | null = null;
  let dedupeTag: JsDocTag | null = null;
  let rateLimit: RateLimitArgument | null = null;
  let rateLimitTag: JsDocTag | null = null;
  const revalidates: RevalidateTarget[] = [];
  let revalidatesTag: JsDocTag | null = null;
  let onFailure: string | null = null;
  let onFailureTag: JsDocTag | null = null;

  // docs/reference.md §3: nothing a client sends reaches the body unvalidated, so every parameter needs its own schema. The guard
  // matches schemas to arguments by position; one schema too few would leave an argument unchecked (the runtime
  // then refuses the call: it never drops or passes an argument no schema covers).
  const reportUnvalidatedArguments = (schemas: string[], parameters: ParameterList): void => {
    const offset = input.offset;
    const names = parameters.names;
    if (schemas.length < names.length) {
      // Read as written for the last parameters (a lone schema is usually the form's), so name the first ones.
      const uncovered = names.slice(0, names.length - schemas.length);
      report('unvalidated-arguments', offset,
        `${uncovered.length === 1 ? 'parameter' : 'parameters'} ${uncovered.map((name) => `\`${name}\``).join(', ')} of ${input.label} ` +
          `${uncovered.length === 1 ? 'is' : 'are'} not validated by a schema`,
        `declare one schema per parameter, in order: \`@schema ${suggestSchemas(parameters, schemas)}\``);
    } else {
      report('unvalidated-arguments', offset,
        `${input.label} has ${schemas.length} schemas (${schemas.join(', ')}) for ${names.length} ${names.length === 1 ? 'parameter' : 'parameters'}` +
          `${names.length === 0 ? '' : ` (${names.map((name) => `\`${name}\``).join(', ')})`}; schemas are matched to parameters in order`,
        names.length === 0
          ? 'remove the @schema tag (an action without parameters receives nothing to validate)'
          : `declare exactly one schema per parameter, in order: \`@schema ${schemas.slice(0, names.length).join(', ')}\``);
    }
  };

  const malformed = (tag: JsDocTag, parsed: { reason: string; fix: string }): void =>
    report('malformed-tag', tag.argsOffset, `malformed @${tag.name} on ${input.label}: ${parsed.reason}`, parsed.fix);

  for (const tag of input.tags) {
    if (!(POLICY_TAGS as readonly string[]).includes(tag.name)) {
      const suggestion = suggestTag(tag.name, POLICY_TAGS);
      if (suggestion === 'ignore') continue;
      report(
        'unknown-tag',
        tag.offset,
        suggestion === null
          ? `unknown tag @${tag.name} on ${input.label}`
          : `unknown tag @${tag.name} on ${input.label}; did you mean \`@${suggestion}\`?`,
        suggestion === null
          ? `use one of ${POLICY_TAGS.map((name) => `@${name}`).join(', ')}, or remove the tag`
          : `rename it to \`@${suggestion}\``,
      );
      continue;
    }
    // Single-valued tags may repeat only with the same value (@role and @revalidates add up).
    if (tag.name !== 'role' && tag.name !== 'requiresAuth' && tag.name !== 'revalidates') {
      const value = tag.name === 'public' ? [tag.args, tag.continuation].join(' ').trim() : tag.args;
      const earlier = single.get(tag.name);
      if (earlier !== undefined && earlier.value !== value) {
        report('contradictory-tags', tag.offset, `@${tag.name} is given twice on ${input.label} with different values`,
          `keep one @${tag.name}`);
        continue;
      }
      single.set(tag.name, { value, tag });
    }
    switch (tag.name) {
      case 'public': {
        const reason = [tag.args, tag.continuation].join(' ').trim();
        if (reason === '') {
          malformed(tag, { reason: 'a reason is required', fix: 'write `@public <why this action needs no session>`' });
        } else {
          publicReason = reason;
        }
        publicTag = tag;
        break;
      }
      case 'requiresAuth':
        if (tag.args !== '') malformed(tag, { reason: `@requiresAuth takes no arguments, got "${tag.args}"`, fix: 'write `@requiresAuth` on its own line' });
        requiresAuth = true;
        break;
      case 'role': {
        const parsed = parseRoles(tag.args);
        if (parsed.ok) roles = [...(roles ?? []), ...parsed.value];
        else malformed(tag, parsed);
        roleTag ??= tag;
        break;
      }
      case 'authorize': {
        const parsed = parseIdentifierArgument('authorize', tag.args);
        if (parsed.ok) authorize = parsed.value;
        else malformed(tag, parsed);
        authorizeTag = tag;
        break;
      }
      case 'schema': {
        const parsed = parseSchemaList(tag.args);
        if (parsed.ok) schemas = parsed.value;
        else malformed(tag, parsed);
        schemaTag = tag;
        break;
      }
      case 'dedupe': {
        const parsed = parseDedupe(tag.args);
        if (parsed.ok) dedupe = parsed.value;
        else malformed(tag, parsed);
        dedupeTag = tag;
        break;
      }
      case 'rateLimit': {
        const parsed = parseRateLimit(tag.args);
        if (parsed.ok) rateLimit = parsed.value;
        else malformed(tag, parsed);
        rateLimitTag = tag;
        break;
      }
      case 'onFailure': {
        const parsed = parseIdentifierArgument('onFailure', tag.args);
        if (parsed.ok) onFailure = parsed.value;
        else malformed(tag, parsed);
        onFailureTag = tag;
        break;
      }
      case 'revalidates': {
        // A long list may go on over the next lines of the block.
        const parsed = parseRevalidates([tag.args, tag.continuation].join(' ').trim());
        if (parsed.ok) revalidates.push(...parsed.value);
        else malformed(tag, parsed);
        revalidatesTag ??= tag;
        break;
      }
    }
  }

  const floor = mergeFloors(input.rules);
  const fromRules = input.rules.map((rule) => rule.glob);

  if (input.kind === 'cache') {
    // Nothing of this can hold for a cache function; reported for each tag and each rule that contributes one.
    const uncheckable: Record<string, string> = {
      requiresAuth: 'a session check', role: 'a role check', authorize: 'an authorize check', dedupe: 'idempotency',
      rateLimit: 'a per-caller rate limit',
    };
    for (const tag of input.tags) {
      const what = uncheckable[tag.name];
      if (what === undefined) continue;
      report('cache-function-policy', tag.offset,
        `@${tag.name} on ${input.label} cannot be enforced: ${CACHE_FUNCTION_CAUSE}, so ${what} inside it is meaningless`,
        CACHE_FUNCTION_FIX);
    }
    for (const rule of input.rules) {
      const parts = [
        rule.floor.requiresAuth ? (rule.floor.roles !== null ? 'role' : 'requiresAuth') : null,
        rule.floor.dedupe !== null ? 'dedupe' : null,
        rule.floor.rateLimit !== null ? 'rateLimit' : null,
      ].filter((part) => part !== null);
      if (parts.length === 0) continue;
      report('cache-function-policy', input.offset,
        `directory rule "${rule.glob}" gives ${input.label} ${parts.map((part) => `\`${part}\``).join(', ')}, which cannot be enforced: ${CACHE_FUNCTION_CAUSE}`,
        `${CACHE_FUNCTION_FIX}; or narrow the rule's glob so it does not match this file`);
    }
  }
  const authTag = roleTag ?? authorizeTag ?? (requiresAuth ? input.tags.find((tag) => tag.name === 'requiresAuth')! : null);
  let auth: NormalizedPolicy['auth'] = 'required';
  if (publicTag !== null && authTag !== null) {
    report('contradictory-tags', publicTag.offset, `${input.label} is marked @public and also @${authTag.name}`,
      `remove @public, or remove @${authTag.name}${authTag.name === 'requiresAuth' ? '' : ' (it implies @requiresAuth)'}`);
    publicReason = null;
  } else if (publicTag !== null && floor.requiresAuth) {
    report('weakens-directory-rule', publicTag.offset,
      `@public on ${input.label} weakens directory rule ${quoteRules(input.rules, (r) => r.floor.requiresAuth)}, which requires auth`,
      'remove @public (directory rules are floors), or move the action out of that directory');
    publicReason = null;
  } else if (publicTag !== null) {
    auth = 'public';
  } else if (authTag === null && !floor.requiresAuth) {
    if (floor.publicReason !== null) {
      auth = 'public';
      publicReason = floor.publicReason;
    } else {
      report('missing-auth-decision', input.offset, `${input.label} has no auth decision`,
        input.kind === 'cache'
          ? `\`@public <reason>\` is the only decision a "use cache" function can have, since ${CACHE_FUNCTION_CAUSE}: ${CACHE_FUNCTION_FIX}`
          : 'add `@requiresAuth`, `@role <name>`, `@authorize <fn>` or `@public <reason>` to the JSDoc block above it, or a directory rule');
    }
  }
  if (auth === 'public' && publicReason === null) auth = 'required';

  let finalRoles = roles ?? [];
  if (floor.emptyRoles) {
    report('contradictory-tags', input.offset, `the directory rules ${fromRules.join(', ')} require roles no session can hold at once`,
      'make the rules\' role lists overlap');
  }
  if (floor.roles !== null) {
    if (roles === null) finalRoles = floor.roles;
    else if (!roles.every((role) => floor.roles!.includes(role))) {
      report('weakens-directory-rule', roleTag!.argsOffset,
        `@role ${roles.join(' ')} on ${input.label} widens directory rule ${quoteRules(input.rules, (r) => r.floor.roles !== null)} (role ${floor.roles.join(' ')})`,
        `use only roles the rule allows (${floor.roles.join(', ')})`);
      finalRoles = floor.roles;
    }
  }

  if (authorize !== null && !input.moduleBindings.has(authorize)) {
    report('authorize-not-in-scope', authorizeTag!.argsOffset, `@authorize ${authorize} on ${input.label} is not declared or imported in this module`,
      `import or declare \`${authorize}\` at the top level of this module`);
    authorize = null;
  }

  if (onFailure !== null && input.kind === 'cache') {
    malformed(onFailureTag!, {
      reason: 'a "use cache" function throws its refusals (CacheGuardError) instead of returning a result to map',
      fix: 'remove @onFailure; catch CacheGuardError where the function is called if it needs handling',
    });
    onFailure = null;
  } else if (onFailure !== null && input.actionBindings?.has(onFailure) === true) {
    malformed(onFailureTag!, {
      reason: `\`${onFailure}\` is a Server Action of this module, callable by anyone with its id`,
      fix: `declare \`${onFailure}\` without \`export\` in this module (Next only allows async function exports in a "use server" file), or import it from a module without "use server"`,
    });
    onFailure = null;
  } else if (onFailure !== null && !input.moduleBindings.has(onFailure)) {
    report('on-failure-not-in-scope', onFailureTag!.argsOffset, `@onFailure ${onFailure} on ${input.label} is not declared or imported in this module`,
      `import or declare \`${onFailure}\` at the top level of this module (a function typed \`FailureMapper<typeof action>\` from @action-guard/runtime)`);
    onFailure = null;
  }

  if (schemas !== null && input.conventionSchema !== null && !schemas.includes(input.conventionSchema)) {
    report('contradictory-tags', schemaTag!.argsOffset,
      `${input.label} has @schema ${schemas.join(', ')} and also the export ${input.conventionSchema}`,
      `remove one: either the @schema tag or the ${input.conventionSchema} export (or name it in the @schema list)`);
  }
  if (schemas === null && schemaTag === null && input.conventionSchema !== null) schemas = [input.conventionSchema];
  const missing = [...new Set((schemas ?? []).filter((name) => !input.moduleBindings.has(name)))];
  for (const name of missing) {
    report('schema-not-in-scope', schemaTag?.argsOffset ?? input.offset, `@schema ${name} on ${input.label} is not declared or imported in this module`,
      `import or declare \`${name}\` at the top level of this module (a type-only import is not a value)`);
  }
  if (missing.length > 0) schemas = null;
  const parameters = input.parameters;
  if (schemas === null && schemaTag === null && parameters?.names.length !== 0) {
    report('missing-schema', input.offset,
      parameters === null
        ? `${input.label} may take input (its parameters are unknown) but has no schema`
        : `${input.label} takes input but has no schema`,
      parameters === null || parameters.names.length === 1
        ? 'add `@schema <Identifier>` to the JSDoc block above it (any Standard Schema validator), or export `<action>Schema` from this module'
        : `add one schema per parameter, in order, to the JSDoc block above it: \`@schema ${suggestSchemas(parameters, [])}\``);
  }
  if (schemas !== null && parameters !== null && schemas.length !== parameters.names.length) {
    reportUnvalidatedArguments(schemas, parameters);
  }

  let finalDedupe = dedupe;
  if (floor.dedupe !== null) {
    if (dedupe !== null) {
      const weakened = input.rules.find(({ floor: rule }) =>
        rule.dedupe !== null && (dedupe.source !== rule.dedupe.source || dedupe.name !== rule.dedupe.name || dedupe.ttlSeconds < rule.dedupe.ttlSeconds));
      if (weakened !== undefined) {
        report('weakens-directory-rule', dedupeTag!.argsOffset,
          `@dedupe ${formatDedupe(dedupe)} on ${input.label} differs from or shortens directory rule "${weakened.glob}" (@dedupe ${formatDedupe(weakened.floor.dedupe!)})`,
          'remove the tag, or use the rule\'s source with a ttl at least as long');
        finalDedupe = floor.dedupe;
      }
    }
    finalDedupe ??= floor.dedupe;
  }

  // Rules are floors: a tag may lower the limit or the rate and may narrow the scope to one global bucket, never
  // the reverse. Judged against every matching rule by the comparison `manifest diff` uses (policy-strictness.ts).
  const defaultBy: RateLimitShape['by'] = auth === 'required' ? 'user' : 'ip';
  const effectiveRate = (limit: RateLimitArgument): RateLimitShape => ({ ...limit, by: limit.by ?? defaultBy });
  let finalRate = rateLimit;
  if (rateLimit !== null) {
    for (const rule of input.rules) {
      if (rule.floor.rateLimit === null) continue;
      const ruleLimit = effectiveRate(rule.floor.rateLimit);
      const change = compareRateLimits(ruleLimit, effectiveRate(rateLimit));
      if (!change.looser && change.scope !== 'looser') continue;
      const how = [
        change.looser ? 'allows more calls' : null,
        change.scope === 'looser' ? `counts calls by:${effectiveRate(rateLimit).by} instead of by:${ruleLimit.by}` : null,
      ].filter((part) => part !== null).join(' and ');
      report('weakens-directory-rule', rateLimitTag!.argsOffset,
        `@rateLimit ${formatRateLimit(effectiveRate(rateLimit))} on ${input.label} loosens directory rule "${rule.glob}" (${formatRateLimit(ruleLimit)}): it ${how}`,
        `remove the tag, or keep at most ${ruleLimit.limit} calls per ${formatDuration(ruleLimit.windowSeconds)} (a lower limit and rate) and scope by:${ruleLimit.by}${ruleLimit.by === 'global' ? '' : ' or by:global'}`);
      finalRate = floor.rateLimit;
    }
  }
  finalRate ??= floor.rateLimit;

  if (finalDedupe?.source === 'input' && auth === 'public') {
    report('dedupe-input-anonymous', dedupeTag?.argsOffset ?? input.offset,
      `${input.label} is open to anonymous callers and has \`@dedupe input\`: anyone who sends the same input would get its stored result`,
      'use `@dedupe key:<field>` with a client-generated unguessable key, or require auth');
  }

  // Rules are floors: their targets always stay; tags may add more. A `{field}` is read from the validated input,
  // so an action without parameters or without a schema cannot fill it in. Which fields a schema has is not known
  // at build time (a schema is any Standard Schema value); the runtime checks the field before the body runs.
  const finalRevalidates = normalizeRevalidateTargets([...revalidates, ...(floor.revalidates ?? [])]);
  const withFields = finalRevalidates.filter((target) => revalidateTargetFields(target.value).length > 0);
  if (withFields.length > 0 && (parameters?.names.length === 0 || schemas === null)) {
    const fromTag = withFields.filter((target) => revalidates.some((own) => formatRevalidateTarget(own) === formatRevalidateTarget(target)));
    const fields = [...new Set(withFields.flatMap((target) => revalidateTargetFields(target.value)))];
    report('revalidates-without-input', fromTag.length > 0 ? revalidatesTag!.argsOffset : input.offset,
      `@revalidates ${withFields.map(formatRevalidateTarget).join(' ')} on ${input.label} reads ${fields.map((field) => `{${field}}`).join(', ')} from the validated input, ` +
        `but ${parameters?.names.length === 0 ? 'the action takes no input' : 'the action has no schema'}` +
        (fromTag.length === withFields.length ? '' : ` (from directory rule ${quoteRules(input.rules, (r) => (r.floor.revalidates ?? []).some((t) => revalidateTargetFields(t.value).length > 0))})`),
      parameters?.names.length === 0
        ? 'use a fixed target (`tag:invoices`, `path:/invoices/[id]` for every page of a route), or take the value as a parameter validated by @schema'
        : 'add `@schema <Identifier>` whose output has the field, or use a fixed target');
  }

  return {
    policy: {
      auth,
      publicReason: auth === 'public' ? publicReason : null,
      roles: [...new Set(finalRoles)].sort(),
      authorize,
      schema: schemas === null ? null : joinSchemaList(schemas, parameters?.rest === true && schemas.length === parameters.names.length),
      dedupe: finalDedupe,
      rateLimit: finalRate === null ? null : {
        limit: finalRate.limit,
        windowSeconds: finalRate.windowSeconds,
        // by:user for actions that require auth, else by:ip (README "@rateLimit").
        by: finalRate.by ?? defaultBy,
      },
      fromRules,
      ...(finalRevalidates.length > 0 ? { revalidates: finalRevalidates } : {}),
    },
    findings,
    onFailure,
    onFailureTagged: onFailureTag !== null,
  };
}

/**
 * A fix's schema list: the schemas written so far stay with the last parameters, and each uncovered one gets a name
 * from the parameter (`id` → `IdSchema`, `_previous` → `PreviousSchema`).
 */
function suggestSchemas(parameters: ParameterList, written: readonly string[]): string {
  const missing = parameters.names.slice(0, Math.max(0, parameters.names.length - written.length)).map((name) => {
    const words = name.replace(/^[_$]+/, '').split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
    const stem = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
    return `${/^[A-Za-z_$]/.test(stem) ? stem : `Argument${stem}`}Schema`;
  });
  return [...missing, ...written].join(', ');
}

function quoteRules(rules: readonly ResolvedRule[], contributes: (rule: ResolvedRule) => boolean): string {
  return rules.filter(contributes).map((rule) => `"${rule.glob}"`).join(', ');
}
