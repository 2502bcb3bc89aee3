import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActionClient, type ActionClient } from '../support/action-client.js';
import { expectFailure } from '../support/invoices-app.js';
import { assertBuildSucceeded, buildNextApp, findActionId, startNextServer, type Bundler, type NextServer } from '../support/next-app.js';

/**
 * `@revalidates tag:notes` end to end on test/fixtures/revalidate-app: the page caches its list with unstable_cache
 * under the tag, so it shows new data only if the guard revalidated the tag after the action succeeded (updateTag on
 * Next 16, revalidateTag on 15.5: docs/reference.md, "@revalidates"). `appDir` is read when the suite starts, so an
 * app installed by an outer beforeAll can be passed as a getter.
 */
export function defineRevalidateSuite(label: string, bundler: Bundler, appDir: () => string): void {
  describe(`@revalidates on ${label}, built with ${bundler}`, () => {
    let server: NextServer;
    let client: ActionClient;

    beforeAll(async () => {
      assertBuildSucceeded(await buildNextApp({ appDir: appDir(), bundler, timeoutMs: 300_000 }), `revalidate-app on ${label} (${bundler})`);
      server = await startNextServer({ appDir: appDir() });
      client = createActionClient(server.url, appDir());
    }, 360_000);

    afterAll(async () => server?.stop());

    const call = (name: string, text: string) => {
      const data = new FormData();
      data.append('text', text);
      return client.call(findActionId(appDir(), 'app/actions.js', name), [data], { path: '/', headers: { cookie: 'user=ada' } });
    };
    const shownCount = async () => (await client.page('/')).root.querySelector('#count')?.text;

    test('the manifest lists the target', () => {
      const manifest = JSON.parse(readFileSync(join(appDir(), '.next/action-guard/manifest.json'), 'utf8')) as {
        actions: Array<{ ref: string; policy: { revalidates?: unknown } | null }>;
      };
      expect(manifest.actions.find((a) => a.ref === 'app/actions.js#addNote')?.policy?.revalidates).toEqual([{ kind: 'tag', profile: null, value: 'notes' }]);
    });

    test('a failed action revalidates nothing; a successful one makes the cached page fresh', async () => {
      expect(await shownCount()).toBe('notes: 0');
      // The body wrote, then threw: the cached list must stay as it was (stale on purpose).
      expectFailure(await call('addNoteThenFail', 'half'), 'INTERNAL_ERROR');
      expect(await shownCount()).toBe('notes: 0');
      // A guard denial (invalid input) never runs the body nor revalidates.
      expectFailure(await call('addNote', '   '), 'INVALID_INPUT');
      expect(await shownCount()).toBe('notes: 0');
      // Success: the tag is revalidated, and the page reads both writes.
      const response = await call('addNote', 'whole');
      expect(response.result).toEqual({ ok: true, count: 2 });
      expect(await shownCount()).toBe('notes: 2');
    });
  });
}
