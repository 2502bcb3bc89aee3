import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADOPT_APPS, ADOPT_ENV, expectedSuggestions, freshCopy, runCli, type AdoptApp } from '../support/adopt-app.js';
import { plainText, readGuardManifest } from '../support/attack-app.js';
import { assertBuildSucceeded, buildNextApp, type Bundler } from '../support/next-app.js';

// Issue #16: the adoption path on three apps that never heard of action-guard, each from a clean copy, with no hand
// edit: `action-guard init --write`, `action-guard baseline`, then `next build` on both bundlers; `suggest` against
// a labelled expectations file; and a baseline without one entry fails the build naming that action.
// docs/adopting.md describes the three commands; test/README.md the times.

const BUILD_TIMEOUT_MS = 540_000;
const timings: string[] = [];
const recall: string[] = [];

afterAll(() => {
  console.info(['adoption e2e:', ...timings, ...recall].join('\n  '));
});

/**
 * Which bundlers each app is built with. Six cold builds took 8.6 min on this 2-core machine (webpack 104-130 s each),
 * so by default only adopt-supabase is also built with webpack: its src/ layout is the case where webpack names files
 * differently (packages/manifest project-facts.ts). ADOPT_WEBPACK_APPS=all (or a comma-separated list) builds more.
 */
function bundlersFor(app: AdoptApp): Bundler[] {
  const listed = (process.env.ADOPT_WEBPACK_APPS ?? 'adopt-supabase').split(',');
  return listed.includes('all') || listed.includes(app) ? ['turbopack', 'webpack'] : ['turbopack'];
}

interface SuggestJson {
  actions: Array<{ ref: string; missing: string[]; proposals: Array<{ text: string; evidence: string[] }>; needsDecision: string[] }>;
}

describe.each(ADOPT_APPS)('%s', (app) => {
  let dir: string;
  const env = ADOPT_ENV[app];

  beforeAll(async () => {
    dir = freshCopy(app, 'e2e');
    const init = await runCli(dir, ['init', '--write']);
    expect(init.exitCode, init.output).toBe(0);
    const baseline = await runCli(dir, ['baseline']);
    expect(baseline.exitCode, baseline.output).toBe(0);
  });

  test('init wires session() to the app’s auth library and baseline records every current finding', () => {
    const runtime = readFileSync(join(dir, app === 'adopt-supabase' ? 'src/lib/action-guard.ts' : 'lib/action-guard.ts'), 'utf8');
    const wiring: Record<AdoptApp, RegExp> = {
      'adopt-authjs': /import \{ auth \} from '\.\.\/auth';/,
      'adopt-clerk': /from '@clerk\/nextjs\/server'/,
      'adopt-supabase': /supabase\.auth\.getUser\(\)/,
    };
    expect(runtime).toMatch(wiring[app]);
    const baseline = JSON.parse(readFileSync(join(dir, 'action-guard.baseline.json'), 'utf8')) as { findings: Array<{ ref: string; code: string }> };
    const labelled = Object.keys(expectedSuggestions(app)).sort();
    // Every action of the app has a finding (none was written for action-guard), so the labels cover them all.
    expect([...new Set(baseline.findings.map((f) => f.ref))].sort()).toEqual(labelled);
  });

  test('suggest: every proposal is one the labels list; recall is reported', async () => {
    const run = await runCli(dir, ['suggest', '--format', 'json']);
    expect(run.exitCode, run.output).toBe(0);
    const result = JSON.parse(run.output) as SuggestJson;
    const labels = expectedSuggestions(app);
    const wrong: string[] = [];
    let found = 0;
    let expected = 0;
    for (const [ref, label] of Object.entries(labels)) {
      const action = result.actions.find((a) => a.ref === ref);
      expect(action, `suggest did not look at ${ref}`).toBeDefined();
      const proposed = action!.proposals.map((p) => p.text);
      for (const tag of proposed) if (!label.proposals.includes(tag)) wrong.push(`${ref}: ${tag} (${action!.proposals.find((p) => p.text === tag)!.evidence.join('; ')})`);
      expected += label.proposals.length;
      found += label.proposals.filter((tag) => proposed.includes(tag)).length;
    }
    expect(result.actions.map((a) => a.ref).sort()).toEqual(Object.keys(labels).sort());
    recall.push(`suggest ${app}: ${found}/${expected} labelled tags proposed (recall ${expected ? Math.round((100 * found) / expected) : 100}%), ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
  });

  for (const bundler of bundlersFor(app)) {
    test(`next build (${bundler}) passes with the baseline, every action of the app guarded`, async () => {
      const build = await buildNextApp({ appDir: dir, bundler, env, timeoutMs: BUILD_TIMEOUT_MS });
      timings.push(`${app} ${bundler}: ${(build.durationMs / 1000).toFixed(1)} s`);
      assertBuildSucceeded(build, `${app} (${bundler})`);
      expect(plainText(build.output)).toMatch(/\d+ baselined findings? in \d+ files?/);
      const appActions = readGuardManifest(dir).filter((a) => !a.file.includes('node_modules/'));
      expect(appActions.map((a) => a.ref).sort()).toEqual(Object.keys(expectedSuggestions(app)).sort());
      for (const action of appActions) expect(action.guarded, action.ref).toBe(true);
    }, BUILD_TIMEOUT_MS);
  }

  test('a baseline without one entry fails the build naming that action', async () => {
    const file = join(dir, 'action-guard.baseline.json');
    const baseline = JSON.parse(readFileSync(file, 'utf8')) as { version: number; findings: Array<{ ref: string; check: string; code: string }> };
    const removed = baseline.findings.find((f) => f.code === 'AG101')!;
    writeFileSync(file, JSON.stringify({ ...baseline, findings: baseline.findings.filter((f) => f !== removed) }));
    const build = await buildNextApp({ appDir: dir, bundler: 'turbopack', env, timeoutMs: BUILD_TIMEOUT_MS });
    timings.push(`${app} turbopack, one entry removed (fails): ${(build.durationMs / 1000).toFixed(1)} s`);
    expect(build.exitCode, build.output.slice(-3000)).not.toBe(0);
    const [file_, name] = removed.ref.split('#') as [string, string];
    const action = name.split('/').at(-1)!;
    const error = plainText(build.output)
      .split('\n')
      .find((line) => line.includes(`${file_}:`) && line.includes('error AG101 missing-auth-decision') && line.includes(action));
    expect(error, `no AG101 error naming ${removed.ref} in:\n${plainText(build.output).slice(-3000)}`).toBeDefined();
  }, BUILD_TIMEOUT_MS);
});
