import type { Bundler } from '../support/next-app.js';

/**
 * The attacks of security issue #14, one per folder of test/fixtures/attack-app/app/, and the outcomes that count
 * as secure for each. Every variant compiles, registers and runs its body for an anonymous caller in a plain Next
 * 16.4.6 app (checked without withActionGuard on both bundlers, except where `bundlers` says otherwise).
 */
export interface AttackVariant {
  /** The folder under app/ (also the route, and the `variant` its body records). */
  variant: string;
  /** The item of issue #14 it comes from. */
  item: string;
  /** What the attacker does, in one line. */
  attack: string;
  /** The exports of app/<variant>/actions.ts that Next registers. */
  exports: string[];
  /**
   * How the build may refuse it, if refusing is a secure outcome: `unguardable-action` = that diagnostic at a line
   * marked `// attack:…` in actions.ts; `transform-error` = any AG1xx error at a line of the variant's files.
   * null: the build must succeed.
   */
  rejection: 'unguardable-action' | 'transform-error' | null;
  /** A successful build is a secure outcome (then the attack is made against `next start`). */
  mayBuild: boolean;
  /**
   * Attacked by the common probe: every endpoint Next registered for the file is called anonymously and must not run
   * the body; the declared exports must answer UNAUTHENTICATED; signed in, they run (the probe's control).
   * Variants with their own tests (rate limits, dedupe, bound arguments) say false.
   */
  probe: boolean;
  /** The bundlers it applies to. */
  bundlers: readonly Bundler[];
  /** Also attacked under `next dev` (issue #14 item 3 asks for dev explicitly). */
  dev: boolean;
}

const BOTH: readonly Bundler[] = ['turbopack', 'webpack'];

export const VARIANTS: AttackVariant[] = [
  {
    variant: 'reassign-function', item: '1', attack: '`export async function a(){}` then `a = async () => …`',
    exports: ['readReport'], rejection: 'unguardable-action', mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'reassign-var', item: '1', attack: '`export var a = async () => …` declared again with `var`',
    exports: ['readReport'], rejection: 'unguardable-action', mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'reassign-let', item: '1', attack: '`export let a = undefined; a = async () => …`',
    exports: ['readReport'], rejection: 'unguardable-action', mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'marker-comment', item: '2', attack: 'the transform\'s "already guarded" import line in a comment, hand-written $$ag_meta_0',
    exports: ['exportData'], rejection: null, mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'marker-string', item: '2', attack: 'the same marker line in a string literal, hand-written $$ag_meta_0',
    exports: ['exportData'], rejection: null, mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    // Turbopack's own transform refuses this file ("The "use server" directive must be at the top of the file"),
    // so there it is no attack; webpack strips the type import first and registers the module.
    variant: 'type-import', item: '3', attack: "`import type { U } from './u'; 'use server'`",
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: ['webpack'], dev: false,
  },
  {
    variant: 'escaped-directive', item: '3', attack: "the directive written `'use\\x20server'`",
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: true,
  },
  {
    variant: 'assigned-later', item: '3', attack: '`let x; x = async () => …; export { x }`',
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: true,
  },
  {
    variant: 'export-let-later', item: '3', attack: '`export let x;` assigned a function later',
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: true,
  },
  {
    variant: 'new-function', item: '3', attack: '`export const x = new Function(…)`',
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: true,
  },
  {
    variant: 'default-destructured', item: '4', attack: '`const [a] = [async () => …]; export default a`',
    exports: ['default'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'use-cache', item: '4', attack: 'a "use cache" function exported from a "use server" module (cacheComponents on)',
    exports: ['readReport'], rejection: 'transform-error', mayBuild: true, probe: true, bundlers: BOTH, dev: false,
  },
  {
    variant: 'ip-limit', item: '7', attack: 'a new X-Forwarded-For (or stamp header) per request to reset a by:ip limit',
    exports: ['ping'], rejection: null, mayBuild: true, probe: false, bundlers: BOTH, dev: false,
  },
  {
    variant: 'auth-before-limit', item: '8', attack: 'anonymous calls that spend a @requiresAuth by:global / by:user budget',
    exports: ['sendDigest', 'refreshFeed'], rejection: null, mayBuild: true, probe: false, bundlers: BOTH, dev: false,
  },
  {
    variant: 'public-dedupe-input', item: '9', attack: '`@public` + `@dedupe input`: visitor B replays visitor A\'s stored result',
    exports: ['trackOrder'], rejection: 'transform-error', mayBuild: false, probe: false, bundlers: BOTH, dev: false,
  },
  {
    variant: 'public-dedupe-key', item: '9', attack: '`@public` + `@dedupe key:requestKey`: another visitor, another key',
    exports: ['contactSupport'], rejection: null, mayBuild: true, probe: false, bundlers: BOTH, dev: false,
  },
  {
    variant: 'bound-args', item: 'bound arguments', attack: 'a non-conforming `.bind` argument or useActionState previous state',
    exports: ['renameNote', 'advance'], rejection: null, mayBuild: true, probe: false, bundlers: BOTH, dev: false,
  },
  {
    variant: 'use-cache-inline', item: 'cache functions', attack: 'a POST with the ID of a "use cache" function (from the server-reference manifest) and arguments that fail its schema',
    exports: [], rejection: null, mayBuild: true, probe: false, bundlers: BOTH, dev: false,
  },
];

/** The variant named `name` (throws for a name the table does not have). */
export function variantNamed(name: string): AttackVariant {
  const found = VARIANTS.find((v) => v.variant === name);
  if (found === undefined) throw new Error(`no attack variant ${name}`);
  return found;
}
