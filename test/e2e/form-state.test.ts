import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { linkTypeScriptTypes } from '../support/attack-app.js';
import { launchChromium, saveScreenshot } from '../support/browser.js';
import { assertBuildSucceeded, buildNextApp, startNextServer, WORKSPACE_ROOT, type NextServer } from '../support/next-app.js';
import { runToCompletion } from '../support/processes.js';

// Issue #16: a `useActionState` form typed for the app's own state (`{ errors, message }`) gets the guard's failures
// in that shape through `@onFailure`, and TypeScript checks the mapper against the action. The fixture is copied to
// test/.tmp (three levels below the workspace root, as the fixture is) so that the build's and tsc's files stay out
// of the source tree.

const appDir = join(WORKSPACE_ROOT, 'test/.tmp/form-state-app');
const TSC = join(WORKSPACE_ROOT, 'node_modules/typescript/bin/tsc');

/** `tsc -p` on the copy; the output names each error as `file(line,col): error TSxxxx`. */
function typeCheck(): ReturnType<typeof runToCompletion> {
  return runToCompletion(process.execPath, [TSC, '-p', join(appDir, 'tsconfig.json'), '--pretty', 'false'], { cwd: appDir, timeoutMs: 180_000 });
}

describe('a useActionState form typed { errors, message }, with @onFailure', () => {
  let server: NextServer;
  let browser: Browser;

  beforeAll(async () => {
    rmSync(appDir, { recursive: true, force: true });
    mkdirSync(appDir, { recursive: true });
    cpSync(join(WORKSPACE_ROOT, 'test/fixtures/form-state-app'), appDir, { recursive: true });
    linkTypeScriptTypes(appDir);
    const build = await buildNextApp({ appDir, bundler: 'turbopack', timeoutMs: 300_000 });
    assertBuildSucceeded(build, 'form-state-app');
    // The action maps its failures, so the result-type check has nothing to say about it.
    expect(build.output).not.toContain('result-type-without-failure');
    server = await startNextServer({ appDir });
    browser = await launchChromium();
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function submit(page: Page, customer: string, amount: string): Promise<string> {
    const before = await page.textContent('#message');
    await page.fill('#customer', customer);
    await page.fill('#amount', amount);
    await page.click('form button[type=submit]');
    // The state changes on every answer (each success names the amount; each failure replaces the message).
    await expect.poll(async () => page.textContent('#message'), { timeout: 20_000 }).not.toBe(before);
    await page.waitForSelector('form button[type=submit]:not([disabled])');
    return (await page.textContent('#message')) ?? '';
  }

  test('shows the mapped field errors and message on invalid input, and a message (not a crash) when rate limited', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const pageErrors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(server.url);
      await page.waitForLoadState('networkidle');

      // The guard refuses the input before the body runs; the form shows the schema's messages in its own fields.
      expect(await submit(page, '', '-3')).toBe('Missing Fields. Failed to Create Invoice.');
      expect(await page.textContent('#customer-error')).toBe('Please select a customer.');
      expect(await page.textContent('#amount-error')).toBe('Please enter an amount greater than $0.');
      await saveScreenshot(page, 'form-state-1-invalid');

      // `@rateLimit 3/1m by:global` (the refused call above counted too): valid submits until the limit answers.
      const messages: string[] = [];
      for (let attempt = 1; attempt <= 4 && !messages.at(-1)?.startsWith('Too many'); attempt++) {
        messages.push(await submit(page, 'Ada', String(attempt * 10)));
      }
      expect(messages[0]).toBe('Created invoice for Ada: $10');
      expect(messages.at(-1)).toBe('Too many requests. Please try again later.');
      expect(await page.textContent('#amount-error')).toBe('');
      await saveScreenshot(page, 'form-state-2-rate-limited');
      // The page is still the form: nothing crashed rendering the result.
      expect(await page.isVisible('form button[type=submit]')).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('tsc passes on the app, and fails on a mapper that does not return the action\'s state', async () => {
    const clean = await typeCheck();
    expect(clean.exitCode, clean.output).toBe(0);

    const wrong = join(appDir, 'app/wrong-mapper.ts');
    writeFileSync(
      wrong,
      [
        "import type { FailureMapper } from '@action-guard/runtime';",
        "import type { createInvoice } from './actions';",
        '',
        '// `message` is a string or null in State; the raw failure is not a State either.',
        'export const wrongField: FailureMapper<typeof createInvoice> = (failure) => ({ message: failure.error.retryAfter ?? 0 });',
        'export const rawFailure: FailureMapper<typeof createInvoice> = (failure) => failure;',
        '',
      ].join('\n'),
    );
    const failed = await typeCheck();
    expect(failed.exitCode).not.toBe(0);
    expect(failed.output).toMatch(/app\/wrong-mapper\.ts\(5,\d+\): error TS2322/);
    expect(failed.output).toMatch(/app\/wrong-mapper\.ts\(6,\d+\): error TS2322/);
    // Nothing else in the app is wrong.
    expect(failed.output.split('\n').filter((line) => / error TS/.test(line) && !line.includes('wrong-mapper.ts'))).toEqual([]);
  });
});
