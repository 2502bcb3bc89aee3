import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { linkDependencies, NEXT_BIN } from './support/fixture-app.js';

// `next dev` must show policy errors the way it shows Next's own (the error overlay, served with the page) and
// recover once the file is fixed. Runs on a scratch copy of the ok fixture, inside the workspace so Turbopack's
// root is detected from the workspace lockfile, as for the fixtures themselves.

const here = path.dirname(fileURLToPath(import.meta.url));
// Generous: a cold webpack dev compile on two cores shared with other builds can take minutes.
const DEV_TIMEOUT_MS = 300_000;

const BROKEN_ACTIONS = `'use server';

import { noteSchema } from '../lib/schemas';

/**
 * @requireAuth
 * @schema noteSchema
 */
export async function saveNote(formData: FormData): Promise<void> {
  console.log(formData.get('text'));
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let child: ChildProcess | undefined;
let appDir: string | undefined;

afterEach(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  child = undefined;
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  appDir = undefined;
});

/** Polls `url` until `accept(status, body)` holds, or fails after the deadline with the last response. */
async function poll(url: string, accept: (status: number, body: string) => boolean, deadline: number): Promise<string> {
  let last = 'no response';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(1_000, deadline - Date.now())) });
      const body = await response.text();
      last = `${response.status} ${body.slice(0, 300)}`;
      if (accept(response.status, body)) return body;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`gave up waiting for ${url}; last: ${last}`);
}

describe.each(['turbopack', 'webpack'] as const)('next dev with %s', (bundler) => {
  test(
    'shows a policy error for the page and recovers when the file is fixed',
    async () => {
      appDir = path.join(here, 'fixtures', `.dev-${bundler}-${process.pid}`);
      cpSync(path.join(here, 'fixtures', 'ok-app'), appDir, {
        recursive: true,
        filter: (source) => !/[\\/](node_modules|\.next)$/.test(source),
      });
      linkDependencies(appDir);
      const actionsFile = path.join(appDir, 'app/actions.ts');
      const fixed = readFileSync(actionsFile, 'utf8');
      writeFileSync(actionsFile, BROKEN_ACTIONS);

      const port = await freePort();
      const args = [NEXT_BIN, 'dev', '--hostname', '127.0.0.1', '--port', String(port)];
      if (bundler === 'webpack') args.push('--webpack');
      child = spawn(process.execPath, args, {
        cwd: appDir,
        detached: true,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk));

      const deadline = Date.now() + DEV_TIMEOUT_MS;
      const url = `http://127.0.0.1:${port}/`;
      const broken = await poll(url, (status) => status >= 500, deadline);
      // The page Next serves for a compile error carries the message its error overlay shows; the terminal too.
      expect(broken).toMatch(/AG103 unknown-tag/);
      expect(broken).toContain('app/actions.ts:6:4');
      expect(output).toMatch(/AG103 unknown-tag/);
      // Next announces every experimental key of the config; the plugin sets none in dev (issue #16).
      expect(output).not.toContain('Experiments');

      writeFileSync(actionsFile, fixed);
      const recovered = await poll(url, (status) => status === 200, deadline);
      expect(recovered).toContain('<form');
    },
    DEV_TIMEOUT_MS + 30_000,
  );
});
