import type { Session } from './types.js';

/**
 * Thrown (and reported, never shown to the caller) when `session()` returns something that is not a session. The
 * message names the field and what was found, so the log says what to fix; the caller gets `INTERNAL_ERROR`.
 */
export class SessionShapeError extends TypeError {
  override name = 'SessionShapeError';
  constructor(
    /** The field at fault: `"id"`, `"roles"`, `"roles[2]"`, or `"(session)"` for the value itself. */
    readonly field: string,
    detail: string,
  ) {
    super(`action-guard: session() returned an invalid session: ${detail}. Return null, or { id: string, roles?: string[] | string }.`);
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

const NO_ROLES: readonly string[] = Object.freeze([]);

/**
 * Checks a non-null `session()` result as strictly as its `id`, and returns the roles it holds, for `@role`.
 *
 * `roles` is an array of strings, or a single string that stands for exactly one role (compared whole: the string
 * "not-an-admin" never holds `admin`, which a substring test on a string would have let through). Anything else is
 * an error naming the field: a mistyped session must never decide an authorization check silently.
 */
export function checkSession(value: unknown): { session: Session; roles: readonly string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SessionShapeError('(session)', `expected an object or null, got ${describeValue(value)}`);
  }
  const candidate = value as { id?: unknown; roles?: unknown };
  if (typeof candidate.id !== 'string' || candidate.id === '') {
    throw new SessionShapeError('id', `"id" must be a non-empty string, got ${describeValue(candidate.id)}`);
  }
  const roles = candidate.roles;
  if (roles === undefined) return { session: value as Session, roles: NO_ROLES };
  if (typeof roles === 'string') return { session: value as Session, roles: [roles] };
  if (!Array.isArray(roles)) {
    throw new SessionShapeError('roles', `"roles" must be an array of strings or a single string, got ${describeValue(roles)}`);
  }
  for (let index = 0; index < roles.length; index++) {
    if (typeof roles[index] !== 'string') {
      throw new SessionShapeError(`roles[${index}]`, `"roles[${index}]" must be a string, got ${describeValue(roles[index])}`);
    }
  }
  return { session: value as Session, roles: roles as readonly string[] };
}
