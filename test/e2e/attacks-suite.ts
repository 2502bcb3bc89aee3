import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isActionFailure, type ActionFailure, type FailureCode } from '@action-guard/runtime/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActionClient, type ActionClient, type ActionResponse, type CallOptions } from '../support/action-client.js';
import {
  buildAttackRound,
  isTransformRejection,
  lineOf,
  markedLines,
  printedDiagnostics,
  pruneAttackCopies,
  readGuardManifest,
  readRuns,
  type BuildRound,
  type GuardManifestAction,
  type PrintedDiagnostic,
} from '../support/attack-app.js';
import { expectFailure as expectTypedFailure, expectNoLeak, formData } from '../support/invoices-app.js';
import { findActionId, readServerReferences, startNextServer, type Bundler, type NextServer } from '../support/next-app.js';
import { VARIANTS, variantNamed, type AttackVariant } from './attacks-variants.js';
import { PACKAGE_OUTPUTS } from './invoices-suite.js';

/** What became of one variant across the build rounds. */
type Outcome =
  | { kind: 'built'; round: BuildRound }
  | { kind: 'rejected'; diagnostics: PrintedDiagnostic[] }
  | { kind: 'unbuilt'; reason: string };

/** At most this many builds per bundler: each round leaves out the variants the previous one refused. */
const MAX_ROUNDS = 5;

/** One cold build of the attack app: ~30 s (Turbopack) to ~60 s (webpack) on two idle cores, far more on busy ones. */
const BUILD_TIMEOUT_MS = 420_000;

/** A signed-in caller (the fixture's session is the `user` cookie). */
const SIGNED_IN = { cookie: 'user=probe-user' };

/** Headers an attacker sets to pose as client number `n`: every header a naive client-IP reader might trust. */
function forgedAddress(n: number): Record<string, string> {
  const address = `203.0.113.${n}`;
  return {
    'X-Forwarded-For': address,
    'X-Real-IP': address,
    Forwarded: `for=${address}`,
    // The header the instrumentation hook stamps; without the hook, nothing removes a client-sent copy.
    'X-Action-Guard-Client-IP': address,
  };
}

/** The server whose log explains an INTERNAL_ERROR in a failure message (the one the suite is talking to). */
let serverForMessages: NextServer | null = null;

/** A short description of a response, for failure messages; INTERNAL_ERROR comes with the server's last log lines. */
function describeResponse(response: ActionResponse): string {
  if (isActionFailure(response.result)) {
    const { code } = (response.result as ActionFailure).error;
    if (code === 'INTERNAL_ERROR' && serverForMessages !== null) return `failure ${code} (server log: ${serverForMessages.output().slice(-1500)})`;
    return `failure ${code}`;
  }
  if (response.thrown !== null) return `thrown ${response.thrown.digest ?? response.thrown.message}`;
  return `status ${response.status} result ${JSON.stringify(response.result)?.slice(0, 120)}`;
}

/** Asserts a typed guard failure with `code` that leaks nothing; an unexpected answer is described in full. */
function expectFailure(response: ActionResponse, code: FailureCode): ActionFailure {
  expect(describeResponse(response)).toBe(`failure ${code}`);
  return expectTypedFailure(response, code);
}

/** The tail of a build's output, for failure messages. */
function tail(output: string, lines = 60): string {
  return output.split('\n').slice(-lines).join('\n');
}

/**
 * Issue #14, from the attacker's side, against a real `next build` and `next start` with `bundler`: each variant of
 * test/fixtures/attack-app is either refused by the build (with the diagnostic its item asks for) or guarded, which
 * the attack itself shows: raw action requests for every endpoint Next registered for the file, anonymous, and a
 * body that never runs (each body appends to a file the test reads).
 */
export function defineAttackSuite(bundler: Bundler): void {
  describe(`issue #14 attacks on next build + next start (${bundler})`, () => {
    const variants = VARIANTS.filter((v) => v.bundlers.includes(bundler));
    const outcomes = new Map<string, Outcome>();
    const rounds: BuildRound[] = [];
    let runsDir: string;
    let server: NextServer | null = null;
    let client: ActionClient;
    let appDir: string;

    const runsFile = (name: string) => join(runsDir, `${name}.jsonl`);
    const runsOf = (variant: string, file = 'main') => readRuns(runsFile(file)).filter((run) => run.variant === variant);

    beforeAll(async () => {
      let remaining = variants.map((v) => v.variant);
      for (let round = 1; round <= MAX_ROUNDS && remaining.length > 0; round += 1) {
        const built = await buildAttackRound(remaining, bundler, PACKAGE_OUTPUTS, BUILD_TIMEOUT_MS);
        rounds.push(built);
        if (built.build.exitCode === 0) {
          for (const variant of remaining) outcomes.set(variant, { kind: 'built', round: built });
          remaining = [];
          break;
        }
        // Every variant an error names is left out of the next round: refused by the transform (AG1xx at
        // file:line:col), or caught only by the post-build manifest check (AG301), which the tests below judge.
        const errors = printedDiagnostics(built.build.output).filter((d) => d.severity === 'error');
        const refused = remaining.filter((variant) => errors.some((d) => d.variant === variant));
        if (refused.length === 0) {
          for (const variant of remaining) {
            outcomes.set(variant, {
              kind: 'unbuilt',
              reason: `round ${round} (${remaining.length} variants) failed without an action-guard error naming any of them:\n${tail(built.build.output)}`,
            });
          }
          remaining = [];
          break;
        }
        for (const variant of refused) outcomes.set(variant, { kind: 'rejected', diagnostics: errors.filter((d) => d.variant === variant) });
        remaining = remaining.filter((variant) => !refused.includes(variant));
      }
      for (const variant of remaining) outcomes.set(variant, { kind: 'unbuilt', reason: `still failing after ${MAX_ROUNDS} rounds` });

      pruneAttackCopies(bundler, rounds.map((r) => r.appDir));
      const final = rounds.find((r) => r.build.exitCode === 0);
      runsDir = mkdtempSync(join(tmpdir(), 'ag-e2e-attacks-'));
      if (final !== undefined) {
        appDir = final.appDir;
        server = await startNextServer({ appDir, env: { ATTACK_RUNS_FILE: runsFile('main') } });
        client = createActionClient(server.url, appDir);
        serverForMessages = server;
      }
    }, MAX_ROUNDS * BUILD_TIMEOUT_MS + 120_000);

    afterAll(async () => {
      await server?.stop();
      if (runsDir !== undefined) rmSync(runsDir, { recursive: true, force: true });
    });

    /** The variant's build outcome; for a variant that must be attacked at run time, its server. */
    function requireBuilt(variant: AttackVariant): void {
      const outcome = outcomes.get(variant.variant);
      if (outcome?.kind === 'built') return;
      if (outcome?.kind === 'rejected') {
        throw new Error(`the build refused app/${variant.variant}, which must build:\n${outcome.diagnostics.map((d) => d.text).join('\n')}`);
      }
      throw new Error(`app/${variant.variant} was never built: ${outcome?.reason ?? 'no outcome'}`);
    }

    /** Ids Next registered for app/<variant>/actions.ts in the running build, with their export names. */
    function endpointsOf(variant: AttackVariant): Array<{ id: string; exportedName: string }> {
      const byId = new Map<string, string>();
      for (const entry of readServerReferences(appDir)) {
        if (entry.filename.endsWith(`app/${variant.variant}/actions.ts`)) byId.set(entry.id, entry.exportedName);
      }
      return [...byId].map(([id, exportedName]) => ({ id, exportedName }));
    }

    const call = (variant: AttackVariant, exportName: string, args: unknown[], options: CallOptions = {}) =>
      client.call(findActionId(appDir, `app/${variant.variant}/actions.ts`, exportName), args, { path: `/${variant.variant}`, ...options });

    /** Asserts the build refused `variant` the way its item asks for. */
    function expectAcceptedRefusal(variant: AttackVariant, diagnostics: PrintedDiagnostic[]): void {
      const printed = diagnostics.map((d) => d.text);
      expect(variant.rejection, `refused by the build, which is not a secure outcome here: ${JSON.stringify(printed)}`).not.toBeNull();
      // AG301 alone means the transform never wrapped what Next registered: the same module is unguarded under
      // `next dev`, which has no post-build check, and the message blames the config, not the real cause.
      expect(
        diagnostics.filter(isTransformRejection).length,
        `only the post-build check caught app/${variant.variant}; the transform itself must refuse (or guard) it: ${JSON.stringify(printed)}`,
      ).toBeGreaterThan(0);
      if (variant.rejection === 'unguardable-action') {
        const marked = [...markedLines(variant.variant, 'declaration'), ...markedLines(variant.variant, 'reassignment')];
        const atMarkedLine = diagnostics.filter(
          (d) => d.name === 'unguardable-action' && d.file === 'actions.ts' && marked.includes(d.line!) && d.column! >= 1,
        );
        expect(atMarkedLine.length, `expected unguardable-action at app/${variant.variant}/actions.ts line ${marked.join(' or ')}; printed ${JSON.stringify(printed)}`).toBeGreaterThan(0);
      }
    }

    // One test per variant: the build's verdict, and for a built variant of the common kind, the attack itself.
    describe.each(variants.map((v) => [`item ${v.item}, ${v.variant}: ${v.attack}`, v] as const))('%s', (_title, variant) => {
      test(
        variant.mayBuild
          ? variant.rejection === null
            ? 'builds, and the attack fails at run time'
            : 'is refused by the build with the diagnostic its item asks for, or built and refused to an anonymous caller'
          : 'is refused by the build',
        async () => {
          const outcome = outcomes.get(variant.variant)!;
          if (outcome.kind === 'unbuilt') throw new Error(`neither refused with a transform diagnostic nor built: ${outcome.reason}`);
          if (outcome.kind === 'rejected') {
            expectAcceptedRefusal(variant, outcome.diagnostics);
            return;
          }
          expect(variant.mayBuild, `app/${variant.variant} built; the build must refuse it`).toBe(true);
          if (!variant.probe) return; // attacked by the item's own tests below

          const endpoints = endpointsOf(variant);
          expect(endpoints.map((e) => e.exportedName)).toEqual(expect.arrayContaining(variant.exports));
          // The attack: every endpoint Next registered for the file, called by an anonymous client with no arguments.
          const anonymous: Record<string, string> = {};
          for (const endpoint of endpoints) {
            const response = await client.call(endpoint.id, [], { path: `/${variant.variant}` });
            expectNoLeak(response.body);
            anonymous[endpoint.exportedName] = describeResponse(response);
          }
          const manifest = readGuardManifest(appDir);
          const claimed = Object.fromEntries(endpoints.map((e) => [e.exportedName, manifest.find((a) => a.id === e.id)?.guarded ?? 'absent']));
          expect({ bodyRunsForAnonymousCallers: runsOf(variant.variant), anonymous, manifestGuarded: claimed }).toEqual({
            bodyRunsForAnonymousCallers: [],
            anonymous: Object.fromEntries(
              endpoints.map((e) => [e.exportedName, variant.exports.includes(e.exportedName) ? 'failure UNAUTHENTICATED' : expect.any(String)]),
            ),
            manifestGuarded: Object.fromEntries(endpoints.map((e) => [e.exportedName, true])),
          });
          // The control: signed in, the same requests run the body, so the probe above could have seen it run.
          for (const exportName of variant.exports) {
            const response = await call(variant, exportName, [], { headers: SIGNED_IN });
            expect(isActionFailure(response.result), describeResponse(response)).toBe(false);
          }
          const afterControl = runsOf(variant.variant).length;
          expect(afterControl).toBeGreaterThanOrEqual(variant.exports.length);
          // A signed-in call first (a cached result, a warmed module) must not open the endpoint to anonymous callers.
          for (const exportName of variant.exports) expectFailure(await call(variant, exportName, []), 'UNAUTHENTICATED');
          expect(runsOf(variant.variant).length).toBe(afterControl);
        },
      );
    });

    describe('item 2: hand-written "already transformed" metadata', () => {
      test.each(['marker-comment', 'marker-string'].filter((name) => variants.some((v) => v.variant === name)))(
        '%s: the manifest lists the real policy and location, never the forged ones',
        (name) => {
          const variant = variantNamed(name);
          requireBuilt(variant);
          const entries = readGuardManifest(appDir).filter((a) => a.file === `app/${name}/actions.ts`);
          expect(entries.map((a) => a.exportName)).toEqual(['exportData']);
          const [entry] = entries;
          expect(entry!.guarded).toBe(true);
          expect(entry!.location?.line).toBe(lineOf(name, 'export async function exportData'));
          expect(entry!.policy?.auth).toBe('required');
          expect(entry!.policy?.roles).toEqual([]);
          expect(JSON.stringify(readGuardManifest(appDir))).not.toContain('forged-by-attacker');
        },
      );
    });

    describe('item 7: a client-chosen address never resets a by:ip limit (3/1m)', () => {
      const variant = variantNamed('ip-limit');
      const ping = (options: CallOptions) => call(variant, 'ping', [], options);

      test('with the instrumentation hook: forged headers are ignored, and a second real address has its own budget', async () => {
        requireBuilt(variant);
        for (let i = 0; i < 3; i += 1) expect(describeResponse(await ping({}))).toBe('status 200 result {"ok":true}');
        const forged: string[] = [];
        for (let i = 1; i <= 7; i += 1) forged.push(describeResponse(await ping({ headers: forgedAddress(i) })));
        expect(forged).toEqual(Array.from({ length: 7 }, () => 'failure RATE_LIMITED'));
        expect(runsOf('ip-limit').length).toBe(3);
        // The stamp is the socket's address: a client at 127.0.0.2 is someone else.
        expect(describeResponse(await ping({ localAddress: '127.0.0.2' }))).toBe('status 200 result {"ok":true}');
        expect(runsOf('ip-limit').length).toBe(4);
      });

      test('without the hook: the runtime refuses loudly, naming the fix, or still limits by a trustworthy address', async () => {
        requireBuilt(variant);
        const bare = await startNextServer({ appDir, env: { ATTACK_RUNS_FILE: runsFile('no-hook'), ATTACK_NO_IP_STAMP: '1' } });
        try {
          const bareClient = createActionClient(bare.url, appDir);
          const id = findActionId(appDir, 'app/ip-limit/actions.ts', 'ping');
          const answers: string[] = [];
          for (let i = 1; i <= 10; i += 1) {
            const response = await bareClient.call(id, [], { path: '/ip-limit', headers: forgedAddress(i) });
            expectNoLeak(response.body);
            answers.push(describeResponse(response));
          }
          const ranForForged = runsOf('ip-limit', 'no-hook').length;
          const other = describeResponse(await bareClient.call(id, [], { path: '/ip-limit', localAddress: '127.0.0.2' }));
          const ranTotal = runsOf('ip-limit', 'no-hook').length;
          const refusedLoudly =
            ranTotal === 0 && answers.every((a) => !a.startsWith('status 200 result {"ok"')) && /registerClientIpStamp|clientIp/.test(bare.output());
          const trustworthy =
            ranForForged === 3 &&
            answers.slice(3).every((a) => a === 'failure RATE_LIMITED') &&
            other === 'status 200 result {"ok":true}' &&
            ranTotal === 4;
          expect(
            refusedLoudly || trustworthy,
            `neither refused loudly nor limited by a trustworthy address: bodies ran ${ranForForged} times for 10 forged ` +
              `addresses (${answers.join(', ')}); then a real second address got ${other}; server output names the fix: ` +
              `${/registerClientIpStamp|clientIp/.test(bare.output())}`,
          ).toBe(true);
        } finally {
          await bare.stop();
        }
      });
    });

    describe('item 8: refused anonymous calls spend no @requiresAuth rate-limit budget (3/1m)', () => {
      const variant = variantNamed('auth-before-limit');

      test.each(['sendDigest', 'refreshFeed'])('%s: ten anonymous calls, then a signed-in user still gets the full budget', async (exportName) => {
        requireBuilt(variant);
        const anonymous: string[] = [];
        for (let i = 0; i < 10; i += 1) anonymous.push(describeResponse(await call(variant, exportName, [])));
        expect(anonymous).toEqual(Array.from({ length: 10 }, () => 'failure UNAUTHENTICATED'));
        const signedIn: string[] = [];
        for (let i = 0; i < 4; i += 1) signedIn.push(describeResponse(await call(variant, exportName, [], { headers: { cookie: 'user=alice' } })));
        // Three succeed (the budget is whole), the fourth shows the limit is live.
        expect(signedIn).toEqual([...Array.from({ length: 3 }, () => 'status 200 result {"ok":true}'), 'failure RATE_LIMITED']);
        expect(runsOf('auth-before-limit').filter((run) => run.action === exportName).length).toBe(3);
      });
    });

    describe('item 9: an anonymous visitor never receives another visitor\'s stored result', () => {
      const variant = variantNamed('public-dedupe-key');

      test('@dedupe key: a second visitor with another key runs a call of its own, even with the same input', async () => {
        requireBuilt(variant);
        // Keys as a real client makes them (crypto.randomUUID()); visitor B comes from another real address.
        const message = 'Please call me back about card ending 4242';
        const first = await call(variant, 'contactSupport', [{ requestKey: randomUUID(), message }]);
        expect(describeResponse(first)).toMatch(/^status 200 result \{"ok":true/);
        const second = await call(variant, 'contactSupport', [{ requestKey: randomUUID(), message: 'Hello' }], { localAddress: '127.0.0.2' });
        const third = await call(variant, 'contactSupport', [{ requestKey: randomUUID(), message }], { localAddress: '127.0.0.2' });
        for (const response of [second, third]) expect(describeResponse(response)).toMatch(/^status 200 result \{"ok":true/);
        const tickets = [first, second, third].map((response) => (response.result as { ticket: string }).ticket);
        expect(new Set(tickets).size, `visitor B received visitor A's ticket: ${tickets.join(', ')}`).toBe(3);
        expect((second.result as { message: string }).message).toBe('Hello');
        expect(runsOf('public-dedupe-key').map((run) => run.ticket)).toEqual(tickets);
      });
    });

    describe('bound arguments and useActionState state are validated like any other input', () => {
      const variant = variantNamed('bound-args');
      const mallory = { headers: { cookie: 'user=mallory' } };
      const uuid = '0B7F2F5E-4A4E-4A8E-9D55-3C1F6F9C2A10';

      test('a bound argument that is not a UUID gets INVALID_INPUT and the body never runs', async () => {
        requireBuilt(variant);
        for (const bound of ['not-a-uuid', '../../etc/passwd', { id: uuid }]) {
          expectFailure(await call(variant, 'renameNote', [bound, formData({ title: 'Q3 plan' })], mallory), 'INVALID_INPUT');
        }
        expect(runsOf('bound-args')).toEqual([]);
      });

      test('a previous state with an extra key, or of the wrong type, gets INVALID_INPUT and the body never runs', async () => {
        requireBuilt(variant);
        for (const previous of [{ count: 1, isAdmin: true }, '1', { count: '1' }]) {
          expectFailure(await call(variant, 'advance', [previous, formData({ step: '1' })], mallory), 'INVALID_INPUT');
        }
        expect(runsOf('bound-args')).toEqual([]);
      });

      test('conforming arguments run the body with the validated values', async () => {
        requireBuilt(variant);
        const renamed = await call(variant, 'renameNote', [uuid, formData({ title: ' Q3 plan ' })], mallory);
        expect(renamed.result, describeResponse(renamed)).toEqual({ ok: true, noteId: uuid.toLowerCase() });
        const advanced = await call(variant, 'advance', [{ count: 1 }, formData({ step: '1' })], mallory);
        expect(advanced.result, describeResponse(advanced)).toEqual({ count: 2 });
        expect(runsOf('bound-args').map((run) => run.action)).toEqual(['renameNote', 'advance']);
      });
    });

    describe('"use cache" functions: Next registers them callable by ID; the guard validates their arguments first', () => {
      const hasVariant = variants.some((v) => v.variant === 'use-cache-inline');

      test.skipIf(!hasVariant)('an ID read from the server-reference manifest, arguments that fail the schema: the body never runs, the answer is a typed failure', async () => {
        requireBuilt(variantNamed('use-cache-inline'));
        // What the attacker has: the registered reference of the page's cache function (not referenced by any client code).
        const entries = readServerReferences(appDir).filter(
          (entry) => entry.filename.endsWith('app/use-cache-inline/page.tsx') && entry.exportedName.startsWith('$$RSC_SERVER_CACHE_'),
        );
        expect(entries.map((entry) => entry.exportedName)).toEqual(['$$RSC_SERVER_CACHE_0']);
        const id = entries[0]!.id;
        const manifestEntry = readGuardManifest(appDir).find((action) => action.id === id) as (GuardManifestAction & { kind?: string }) | undefined;
        expect({ ref: manifestEntry?.ref, kind: manifestEntry?.kind, guarded: manifestEntry?.guarded, auth: manifestEntry?.policy?.auth }).toEqual({
          ref: 'app/use-cache-inline/page.tsx#Page/loadProduct', kind: 'cache', guarded: true, auth: 'public',
        });
        // (An argument beyond the declared parameters never reaches the function: Next's cache wrapper passes only as
        // many as it declares, so [7, 'extra'] is a call with 7.)
        for (const args of [['1 OR 1=1'], [-1], [{ id: 7 }], [], [null]]) {
          const response = await client.call(id, args, { path: '/use-cache-inline' });
          expectNoLeak(response.body);
          expect(describeResponse(response), JSON.stringify(args)).toBe('thrown ACTION_GUARD_INVALID_INPUT');
        }
        expect(runsOf('use-cache-inline')).toEqual([]);
        // The control: a conforming argument runs the body, so the attack above could have seen it run.
        const control = await client.call(id, [7], { path: '/use-cache-inline' });
        expect(control.result, describeResponse(control)).toEqual({ id: 7, name: 'Product 7' });
        expect(runsOf('use-cache-inline')).toEqual([{ variant: 'use-cache-inline', id: 7 }]);
      });
    });
  });
}
