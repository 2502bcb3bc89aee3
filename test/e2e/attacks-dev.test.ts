import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isActionFailure, type ActionFailure } from '@action-guard/runtime/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActionClient, type ActionClient } from '../support/action-client.js';
import { devCopy, isTransformRejection, printedDiagnostics, readRuns } from '../support/attack-app.js';
import { readServerReferences, startNextServer, type NextServer } from '../support/next-app.js';
import { VARIANTS } from './attacks-variants.js';

// Issue #14 item 3 under `next dev` (Turbopack, Next 16's default): dev compiles each route on its first request and
// has no post-build step, so whatever the transform misses there is simply unguarded. Each variant must either be
// guarded (an anonymous call is refused and never runs the body) or fail to compile with an action-guard error in
// the terminal (and then Next registers nothing to call).
//
// One `next dev` per variant: while any route holds a compile error, Next 16's dev server answers every route that
// has none of its own with all the others' errors (HTTP 500 for pages and action requests alike; see
// `getCompilationErrors` in next/dist/server/dev/hot-reloader-turbopack.js). A variant refused at compile would
// then hide whether the next one is guarded, which is what one shared server used to report for new-function.
describe.each(VARIANTS.filter((v) => v.dev).map((v) => [v.variant, v] as const))('issue #14 item 3 attacks under next dev (turbopack): %s', (_name, variant) => {
  let appDir: string;
  let runsDir: string;
  let server: NextServer;
  let client: ActionClient;

  beforeAll(async () => {
    appDir = devCopy([variant.variant], `dev-${variant.variant}`);
    runsDir = mkdtempSync(join(tmpdir(), 'ag-e2e-attacks-dev-'));
    server = await startNextServer({
      appDir,
      dev: { bundler: 'turbopack' },
      env: { ATTACK_RUNS_FILE: join(runsDir, 'runs.jsonl') },
      readyTimeoutMs: 120_000,
    });
    client = createActionClient(server.url, appDir, { dev: true });
  });

  afterAll(async () => {
    await server?.stop();
    if (runsDir !== undefined) rmSync(runsDir, { recursive: true, force: true });
    if (appDir !== undefined) rmSync(appDir, { recursive: true, force: true });
  });

  test(`${variant.variant}: ${variant.attack} — guarded, or refused with an action-guard error`, async () => {
    const page = await client.page(`/${variant.variant}`);
    const endpoints = readServerReferences(appDir, 'dev').filter((e) => e.filename.endsWith(`app/${variant.variant}/actions.ts`));
    const refusals = printedDiagnostics(server.output()).filter((d) => d.variant === variant.variant && isTransformRejection(d));
    if (endpoints.length === 0) {
      // Not compiled into anything callable: then the page must be the error, and the terminal must say why.
      expect(page.status, `app/${variant.variant} registered no action, yet its page answered ${page.status}`).toBeGreaterThanOrEqual(500);
      expect(refusals.map((d) => d.text), `no AG1xx error for app/${variant.variant} in the dev terminal:\n${server.output().slice(-3000)}`).not.toEqual([]);
      return;
    }
    for (const endpoint of endpoints) {
      // Dev answers carry React's debug stacks by design, so only the result is judged here (next start's
      // answers are checked for leaks by attacks-suite.ts).
      const response = await client.call(endpoint.id, [], { path: `/${variant.variant}` });
      if (variant.exports.includes(endpoint.exportedName)) {
        const got = `status ${response.status}, result ${JSON.stringify(response.result)}, thrown ${JSON.stringify(response.thrown)}`;
        expect(isActionFailure(response.result), `expected UNAUTHENTICATED, got ${got}; server:\n${server.output().slice(-2000)}`).toBe(true);
        expect((response.result as ActionFailure).error.code).toBe('UNAUTHENTICATED');
      }
    }
    const runs = () => readRuns(join(runsDir, 'runs.jsonl')).filter((run) => run.variant === variant.variant);
    expect(runs(), `the body of app/${variant.variant} ran for an anonymous caller under next dev`).toEqual([]);
    // The control: signed in, the body runs, so the anonymous probe could have seen it run.
    for (const endpoint of endpoints.filter((e) => variant.exports.includes(e.exportedName))) {
      const response = await client.call(endpoint.id, [], { path: `/${variant.variant}`, headers: { cookie: 'user=probe-user' } });
      expect(isActionFailure(response.result), JSON.stringify(response.result)).toBe(false);
    }
    expect(runs().length).toBeGreaterThan(0);
  });
});
