#!/usr/bin/env node
// Build and request benchmark for @action-guard/next. A benchmark, never a test: it prints tables, asserts nothing.
//
//   node scripts/bench/build.mjs [--apps example,generated] [--bundlers turbopack,webpack] [--runs 1]
//                                [--rps-seconds 3] [--rps-rounds 15] [--json FILE]
//
// For each app and bundler it runs cold `next build`s with and without the plugin, alternating the two so that
// both see the same machine load, and records wall time and the peak memory of the build's whole process group
// (RSS summed over every process in the group, sampled from /proc every 100 ms: `next build` forks workers, so the
// peak of one process would understate it). Then it starts `next start` on 127.0.0.1 for the generated app and
// measures requests per second of one guarded action against the same action built without the plugin (autocannon,
// bounded duration, both servers up at once and measured in rotating rounds, with a second server of the unguarded
// build as an A/A control that shows the machine's own noise). Ratios are computed from the same
// run: the ratio of the two variants' medians, and the median of the per-run ratios (each run builds both variants
// back to back). Needs Linux (/proc).
//
// "Without the plugin" means the same sources built with a next.config that does not call withActionGuard():
// policy tags are then only comments and schema exports would break Next's "use server" rules, so the generated
// app keeps its schemas module-local (the plugin binds them through `@schema`).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEST_DIR = join(WORKSPACE_ROOT, 'test');
const requireFromTest = createRequire(join(TEST_DIR, 'package.json'));
const BENCH_DIR = join(TEST_DIR, '.tmp/bench');
const EXAMPLE_DIR = join(WORKSPACE_ROOT, 'examples/invoices');
// The same test-only key the e2e suite uses: IDs must be stable between build and start.
const ENCRYPTION_KEY = createHash('sha256').update('action-guard e2e test key').digest('base64');
const PAGE_SIZE = 4096;

const { values: args } = parseArgs({
  options: {
    apps: { type: 'string', default: 'example,generated' },
    bundlers: { type: 'string', default: 'turbopack,webpack' },
    runs: { type: 'string', default: '1' },
    'rps-seconds': { type: 'string', default: '3' },
    'rps-rounds': { type: 'string', default: '15' },
    json: { type: 'string' },
  },
});
const APPS = args.apps.split(',');
const BUNDLERS = args.bundlers.split(',');
// Identical cold builds on this kind of machine vary by ±10% in wall time and ±30 MB in peak memory, so a 3% effect
// needs medians of several alternating runs.
const RUNS = Math.max(1, Math.min(9, Number(args.runs)));
// Short rounds, many of them: this machine's speed drifts in periods of tens of seconds, and a guarded round only
// cancels that drift against the unguarded round next to it when both fall in the same period. With 10 s rounds the
// per-round ratios of one run spread from 0.69 to 1.27 while the servers' CPU time per request differed by 2%.
const RPS_SECONDS = Math.max(1, Math.min(30, Number(args['rps-seconds'])));
// 0 skips the requests benchmark (build numbers only).
const RPS_ROUNDS = Math.max(0, Math.min(41, Number(args['rps-rounds'])));

// ---------------------------------------------------------------------------------------------------------------
// The generated app: 300 actions in 100 "use server" files, 10 pages that use them from forms and client code.

const FILES = 100;
const PAGES = 10;

function actionsModule(page, file) {
  const n = `${page}_${file}`;
  return `'use server';

import { z } from 'zod';
import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import { store } from '../../../lib/store';

// Module-local schemas: the plugin binds them through @schema; without the plugin they are plain constants.
const createItem${n}Input = z.object({
  title: z.string().trim().min(1, 'Give the item a title.').max(200),
  quantity: z.coerce.number().int().min(1).max(1000),
  note: z.string().max(2000).optional(),
});

const renameItem${n}Input = z.tuple([z.string().min(1), z.string().trim().min(1).max(200)]);

/**
 * Creates an item in list ${n} from a form.
 * @requiresAuth
 * @schema createItem${n}Input
 * @rateLimit 60/1m
 */
export async function createItem${n}(formData: FormData) {
  const title = String(formData.get('title') ?? '');
  const quantity = Number(formData.get('quantity') ?? 1);
  const owner = (await cookies()).get('session')?.value ?? 'anonymous';
  const id = store.insert('${n}', { title, quantity, owner, createdAt: Date.now() });
  revalidatePath('/g/${page}');
  return { id, title, quantity };
}

/**
 * Renames an item; called from a client component with plain arguments.
 * @requiresAuth
 * @schema renameItem${n}Input
 */
export async function renameItem${n}(id: string, title: string) {
  const item = store.get('${n}', id);
  if (item === undefined) return { renamed: false as const };
  store.update('${n}', id, { ...item, title });
  return { renamed: true as const, id, title };
}

/**
 * Deletes an item; only administrators may.
 * @role admin
 * @rateLimit 30/1m by:user
 */
export async function deleteItem${n}() {
  const removed = store.clear('${n}');
  revalidatePath('/g/${page}');
  return { removed };
}
`;
}

function pageModule(page) {
  const imports = [];
  const forms = [];
  for (let file = 0; file < FILES / PAGES; file += 1) {
    const n = `${page}_${file}`;
    imports.push(`import { createItem${n}, deleteItem${n} } from './actions-${file}';`);
    forms.push(`      <form action={createItem${n} as unknown as (formData: FormData) => Promise<void>}>
        <input name="title" /> <input name="quantity" type="number" defaultValue={1} />
        <button type="submit">Add to list ${n}</button>
        <button formAction={deleteItem${n} as unknown as () => Promise<void>}>Clear list ${n}</button>
      </form>`);
  }
  return `${imports.join('\n')}
import { RenameForm } from './rename-form';

export default function Page() {
  return (
    <main>
      <h1>Lists of page ${page}</h1>
${forms.join('\n')}
      <RenameForm />
    </main>
  );
}
`;
}

function renameFormModule(page) {
  const imports = [];
  const calls = [];
  for (let file = 0; file < FILES / PAGES; file += 1) {
    const n = `${page}_${file}`;
    imports.push(`import { renameItem${n} } from './actions-${file}';`);
    calls.push(`    await renameItem${n}(id, title);`);
  }
  return `'use client';

import { useState } from 'react';
${imports.join('\n')}

export function RenameForm() {
  const [status, setStatus] = useState('');
  async function renameEverywhere(id: string, title: string) {
${calls.join('\n')}
    setStatus('renamed');
  }
  return (
    <button type="button" onClick={() => void renameEverywhere('1', 'Renamed')}>
      Rename item 1 everywhere {status}
    </button>
  );
}
`;
}

const STORE_MODULE = `// A tiny process-local store: the benchmark measures the build and the guard, not a database.
const lists = new Map<string, Map<string, Record<string, unknown>>>();
let nextId = 1;

function list(name: string) {
  let found = lists.get(name);
  if (found === undefined) {
    found = new Map();
    lists.set(name, found);
  }
  return found;
}

export const store = {
  insert(name: string, value: Record<string, unknown>) {
    const id = String(nextId++);
    list(name).set(id, value);
    return id;
  },
  get: (name: string, id: string) => list(name).get(id),
  update: (name: string, id: string, value: Record<string, unknown>) => void list(name).set(id, value),
  clear(name: string) {
    const size = list(name).size;
    list(name).clear();
    return size;
  },
};
`;

const RUNTIME_MODULE = `import { cookies } from 'next/headers';
import { defineRuntime } from '@action-guard/runtime';

export default defineRuntime({
  async session() {
    const value = (await cookies()).get('session')?.value;
    if (value === undefined) return null;
    return { id: value, roles: value === 'admin' ? ['admin'] : [] };
  },
});
`;

// The action the request benchmark calls: validation, a session and a small result, like a typical form post.
const ECHO_MODULE = `'use server';

import { z } from 'zod';

const echoInput = z.object({ text: z.string().max(200) });

/**
 * Echoes its input: the request benchmark's action.
 * @requiresAuth
 * @schema echoInput
 */
export async function echo(input: { text: string }) {
  return { echoed: input.text };
}
`;

const ECHO_PAGE = `import { EchoButton } from './echo-button';

export default function Page() {
  return <main><EchoButton /></main>;
}
`;

const ECHO_BUTTON = `'use client';

import { echo } from './actions';

export function EchoButton() {
  return <button type="button" onClick={() => void echo({ text: 'hello' })}>Echo</button>;
}
`;

// The type check is the same work with and without the plugin, so both variants skip it rather than add its noise.
function nextConfigModule(guarded) {
  const base = `{
  turbopack: { root: ${JSON.stringify(WORKSPACE_ROOT)} },
  outputFileTracingRoot: ${JSON.stringify(WORKSPACE_ROOT)},
  typescript: { ignoreBuildErrors: true },
}`;
  if (!guarded) return `/** @type {import('next').NextConfig} */\nexport default ${base};\n`;
  return `import { withActionGuard } from '@action-guard/next';

/** @type {import('next').NextConfig} */
export default withActionGuard()(${base});
`;
}

const ACTION_GUARD_CONFIG = `export default { runtime: './lib/action-guard.ts' };\n`;

/** Writes the generated app to `dir` (guarded or plain); returns the number of actions and files written. */
function generateApp(dir, guarded) {
  rmSync(dir, { recursive: true, force: true });
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('package.json', JSON.stringify({ name: `bench-generated-${guarded ? 'guarded' : 'plain'}`, private: true, type: 'module' }, null, 2));
  write('tsconfig.json', JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['dom', 'dom.iterable', 'esnext'], strict: true, noEmit: true, module: 'esnext',
      moduleResolution: 'bundler', jsx: 'react-jsx', isolatedModules: true, esModuleInterop: true, skipLibCheck: true,
      resolveJsonModule: true, incremental: false, plugins: [{ name: 'next' }],
    },
    include: ['**/*.ts', '**/*.tsx'],
    exclude: ['node_modules'],
  }, null, 2));
  write('next.config.mjs', nextConfigModule(guarded));
  write('action-guard.config.mjs', ACTION_GUARD_CONFIG);
  write('lib/action-guard.ts', RUNTIME_MODULE);
  write('lib/store.ts', STORE_MODULE);
  write('app/layout.tsx', `export default function RootLayout({ children }: { children: React.ReactNode }) {\n  return <html lang="en"><body>{children}</body></html>;\n}\n`);
  write('app/page.tsx', `import Link from 'next/link';\n\nexport default function Home() {\n  return <ul>${Array.from({ length: PAGES }, (_, p) => `<li><Link href="/g/${p}">Page ${p}</Link></li>`).join('')}</ul>;\n}\n`);
  write('app/bench/actions.ts', ECHO_MODULE);
  write('app/bench/page.tsx', ECHO_PAGE);
  write('app/bench/echo-button.tsx', ECHO_BUTTON);
  let actions = 1;
  let files = 1;
  for (let page = 0; page < PAGES; page += 1) {
    for (let file = 0; file < FILES / PAGES; file += 1) {
      write(`app/g/${page}/actions-${file}.ts`, actionsModule(page, file));
      actions += 3;
      files += 1;
    }
    write(`app/g/${page}/page.tsx`, pageModule(page));
    write(`app/g/${page}/rename-form.tsx`, renameFormModule(page));
  }
  return { actions, files };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring a build.

function nextBin(appDir) {
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  return join(dirname(requireFromApp.resolve('next/package.json')), 'dist/bin/next');
}

/**
 * The /proc/<pid>/stat fields of every live process in process group `pgid`, counted from the one after the
 * parenthesised command name (state ppid pgrp …): rss is [21], utime and stime are [11] and [12], the thread
 * count [17]; `pid` is the process id.
 */
function groupStatFields(pgid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) found.push(Object.assign(fields, { pid: entry }));
    } catch {
      // The process exited between readdir and read.
    }
  }
  return found;
}

/**
 * Sum of the resident set sizes (bytes) of every live process in process group `pgid`, leaving out a child caught
 * between fork and exec: it maps every page of its parent, so its RSS counts the parent a second time. (Counted,
 * about one in two of the guarded example's Turbopack builds peaked at ~1040 MB instead of ~760: a 438 MB copy of
 * `next-build` with one thread beside the 596 MB original.) Such a child has one thread, the one that forked; a Node
 * process that has exec'd runs several (V8's and libuv's). PSS would settle it without the rule, but reading
 * smaps_rollup costs ~9 ms per 650 MB process, too much for ten samples a second on the two cores being measured.
 */
function groupRss(pgid) {
  const members = groupStatFields(pgid);
  const pids = new Set(members.map((fields) => fields.pid));
  let total = 0;
  for (const fields of members) {
    const forkedNotExeced = Number(fields[17]) === 1 && pids.has(fields[1]);
    if (!forkedNotExeced) total += Number(fields[21]) * PAGE_SIZE;
  }
  return total;
}

/** Runs `command` in its own process group; resolves with exit code, wall time and peak group RSS. */
function measure(command, commandArgs, { cwd, env, timeoutMs }) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, {
      cwd,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: ENCRYPTION_KEY, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, groupRss(child.pid));
    }, 100);
    const killer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutMs);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(killer);
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
      resolvePromise({ code, wallMs, peakBytes: peak, output });
    });
  });
}

/** True when another process runs `next build` in `appDir` (its `.next/lock` is an OS lock we must not unlink). */
function otherBuildRunning(appDir) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== appDir) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => /dist\/bin\/next$|(^|\/)next$/.test(arg)) && argv.includes('build')) return true;
    } catch {
      // Gone, or not readable.
    }
  }
  return false;
}

async function coldBuild(appDir, bundler) {
  const flags = bundler === 'webpack' ? ['--webpack'] : [];
  let result;
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    for (let wait = 0; wait < 40 && otherBuildRunning(appDir); wait += 1) await new Promise((r) => setTimeout(r, 15_000));
    rmSync(join(appDir, '.next'), { recursive: true, force: true });
    result = await measure(process.execPath, [nextBin(appDir), 'build', ...flags], { cwd: appDir, timeoutMs: 900_000 });
    // Someone else is building the same app in this checkout (Next 16's `.next/lock`): wait and measure again.
    if (!result.output.includes('Another next build process is already running')) break;
    await new Promise((r) => setTimeout(r, 15_000));
  }
  if (result.code !== 0) {
    process.stderr.write(`build failed in ${appDir} (${bundler}):\n${result.output.split('\n').slice(-60).join('\n')}\n`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests per second under `next start`.

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

async function startServer(appDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin(appDir), 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: ENCRYPTION_KEY },
    detached: true,
    stdio: 'ignore',
  });
  const stop = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  };
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      await (await fetch(`${url}/bench`, { signal: AbortSignal.timeout(2000) })).arrayBuffer();
      return { url, stop, pgid: child.pid };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  stop();
  throw new Error(`next start did not answer on ${url}`);
}

function echoActionId(appDir) {
  const manifest = JSON.parse(readFileSync(join(appDir, '.next/server/server-reference-manifest.json'), 'utf8'));
  const found = Object.entries(manifest.node).find(
    ([, e]) => e.exportedName === 'echo' && e.filename.endsWith('app/bench/actions.ts'),
  );
  if (found === undefined) throw new Error(`no echo action registered in ${appDir}`);
  return found[0];
}

function echoRequest(appDir) {
  return {
    method: 'POST',
    path: '/bench',
    headers: {
      accept: 'text/x-component',
      'next-action': echoActionId(appDir),
      'next-router-state-tree': encodeURIComponent(JSON.stringify(['', { children: ['bench', { children: ['__PAGE__', {}] }] }])),
      'content-type': 'text/plain;charset=UTF-8',
      cookie: 'session=bench-user',
    },
    // What React's encodeReply produces for echo({ text: 'hello' }).
    body: JSON.stringify([{ text: 'hello' }]),
  };
}

/** CPU time (user + system, ms) used so far by every process in a process group. */
function groupCpuMs(pgid) {
  const ticksPerSecond = 100; // USER_HZ on Linux
  return groupStatFields(pgid).reduce((total, fields) => total + ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond, 0);
}

/**
 * Requests per second of the echo action built without and with the plugin. Both servers run at once and are
 * measured in alternating rounds, so a busy neighbour on the machine weighs on both alike; the ratio reported is
 * the median of the per-round ratios (each guarded round against the unguarded round next to it), which a single
 * disturbed round cannot move. The servers' own CPU time per request is reported too: autocannon shares the two
 * cores with the server, and CPU per request is what the guard adds whatever the load.
 *
 * A third server runs the unguarded build again and is measured the same way (an A/A control): its ratio to the
 * first unguarded server is what this machine's noise alone does to the ratio, so a guarded ratio inside that
 * spread is not a measured cost.
 */
async function compareRequestsPerSecond(plainDir, guardedDir) {
  const autocannon = requireFromTest('autocannon');
  const targets = { plain: { dir: plainDir }, guarded: { dir: guardedDir }, control: { dir: plainDir } };
  const names = Object.keys(targets);
  try {
    for (const target of Object.values(targets)) {
      target.server = await startServer(target.dir);
      target.request = echoRequest(target.dir);
      // Check the action answers as expected before measuring it (a 500 per request would be very fast).
      const probe = await fetch(`${target.server.url}/bench`, { method: 'POST', headers: target.request.headers, body: target.request.body });
      const text = await probe.text();
      if (probe.status !== 200 || !text.includes('"echoed":"hello"')) {
        throw new Error(`the echo action did not answer as expected (${probe.status}): ${text.slice(0, 300)}`);
      }
      // Warm-up long enough for the JIT to settle on both servers' hot paths (after 5 s, CPU per request was still
      // falling by a fifth from one round to the next).
      await autocannon({ url: target.server.url, connections: 8, duration: 15, requests: [target.request] });
      target.requests = 0;
      target.seconds = 0;
      target.p99 = [];
      target.roundRps = [];
      target.cpuPerRequest = [];
    }
    for (let round = 0; round < RPS_ROUNDS; round += 1) {
      // Rotate the order so that no variant always runs first (or right after the same neighbour).
      const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
      for (const name of order) {
        const target = targets[name];
        const cpuBefore = groupCpuMs(target.server.pgid);
        const result = await autocannon({ url: target.server.url, connections: 8, duration: RPS_SECONDS, requests: [target.request] });
        const cpuMs = groupCpuMs(target.server.pgid) - cpuBefore;
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        target.requests += result.requests.total;
        target.seconds += result.duration;
        target.p99.push(result.latency.p99);
        target.roundRps.push(result.requests.total / result.duration);
        target.cpuPerRequest.push(cpuMs / result.requests.total);
      }
    }
    const summary = (t) => ({
      rps: t.requests / t.seconds,
      p99Ms: median(t.p99),
      roundRps: t.roundRps.map((x) => Math.round(x)),
      cpuMsPerRequest: median(t.cpuPerRequest),
    });
    const ratiosTo = (name) => targets[name].roundRps.map((rps, round) => rps / targets.plain.roundRps[round]);
    return {
      plain: summary(targets.plain),
      guarded: summary(targets.guarded),
      control: summary(targets.control),
      medianRoundRatio: median(ratiosTo('guarded')),
      roundRatios: ratiosTo('guarded'),
      controlMedianRoundRatio: median(ratiosTo('control')),
      controlRoundRatios: ratiosTo('control'),
    };
  } finally {
    for (const target of Object.values(targets)) target.server?.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The example app, built with its own next.config set aside and one written for each variant: the same settings
// (the example's own, plus the skipped type check of every benchmark build), with and without withActionGuard().

const EXAMPLE_CONFIG_NAMES = ['next.config.ts', 'next.config.mjs', 'next.config.js'];

async function withExampleConfig(guarded, run) {
  const name = EXAMPLE_CONFIG_NAMES.find((n) => existsSync(join(EXAMPLE_DIR, n)));
  if (name === undefined) throw new Error('examples/invoices has no next.config');
  const original = join(EXAMPLE_DIR, name);
  const backup = `${original}.bench-original`;
  renameSync(original, backup);
  const restore = () => existsSync(backup) && renameSync(backup, original);
  const onInterrupt = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    writeFileSync(join(EXAMPLE_DIR, 'next.config.mjs'), nextConfigModule(guarded));
    return await run();
  } finally {
    process.off('SIGINT', onInterrupt);
    rmSync(join(EXAMPLE_DIR, 'next.config.mjs'), { force: true });
    restore();
  }
}

// ---------------------------------------------------------------------------------------------------------------

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const s = (ms) => (ms / 1000).toFixed(1);
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  mkdirSync(BENCH_DIR, { recursive: true });
  const guardedDir = join(BENCH_DIR, 'generated-guarded');
  const plainDir = join(BENCH_DIR, 'generated-plain');
  const rows = [];
  const rpsRows = [];
  if (APPS.includes('generated')) {
    const { actions, files } = generateApp(guardedDir, true);
    generateApp(plainDir, false);
    process.stderr.write(`generated ${actions} actions in ${files} "use server" files\n`);
  }
  for (const app of APPS) {
    for (const bundler of BUNDLERS) {
      const samples = { plain: [], guarded: [] };
      for (let run = 0; run < RUNS; run += 1) {
        // Alternate the order between runs so neither variant always runs on a warmer machine.
        const order = run % 2 === 0 ? ['plain', 'guarded'] : ['guarded', 'plain'];
        for (const variant of order) {
          process.stderr.write(`${app} ${bundler} ${variant} run ${run + 1}/${RUNS}…\n`);
          let result;
          if (app === 'generated') result = await coldBuild(variant === 'guarded' ? guardedDir : plainDir, bundler);
          else result = await withExampleConfig(variant === 'guarded', () => coldBuild(EXAMPLE_DIR, bundler));
          samples[variant].push(result);
          process.stderr.write(`  exit ${result.code}, ${s(result.wallMs)} s, peak ${mb(result.peakBytes)} MB\n`);
        }
        if (RPS_ROUNDS > 0 && app === 'generated' && run === 0 && samples.plain[0]?.code === 0 && samples.guarded[0]?.code === 0) {
          const rps = await compareRequestsPerSecond(plainDir, guardedDir).catch((error) => ({ error: String(error) }));
          process.stderr.write(`  requests/s: ${JSON.stringify(rps)}\n`);
          rpsRows.push({ bundler, ...rps });
        }
      }
      const ok = (xs) => xs.filter((r) => r.code === 0);
      const plain = ok(samples.plain);
      const guarded = ok(samples.guarded);
      const row = { app, bundler, runs: RUNS, failed: RUNS * 2 - plain.length - guarded.length };
      // Each run builds both variants back to back, so a run's ratio sees one machine state; the machine drifts by
      // more than the effect over a few minutes (identical builds' CPU time varies by 20%), which medians taken
      // over each variant separately do not cancel.
      const pairs = samples.plain
        .map((p, i) => [p, samples.guarded[i]])
        .filter(([p, g]) => p.code === 0 && g?.code === 0);
      if (plain.length > 0 && guarded.length > 0) {
        Object.assign(row, {
          pairedWallRatios: pairs.map(([p, g]) => g.wallMs / p.wallMs),
          pairedPeakRatios: pairs.map(([p, g]) => g.peakBytes / p.peakBytes),
          plainWallMs: median(plain.map((r) => r.wallMs)),
          guardedWallMs: median(guarded.map((r) => r.wallMs)),
          plainPeakBytes: median(plain.map((r) => r.peakBytes)),
          guardedPeakBytes: median(guarded.map((r) => r.peakBytes)),
          // Every run, in the order measured: the spread shows how much of a ratio is this machine's noise.
          plainRuns: plain.map((r) => ({ wallMs: r.wallMs, peakBytes: r.peakBytes })),
          guardedRuns: guarded.map((r) => ({ wallMs: r.wallMs, peakBytes: r.peakBytes })),
        });
      }
      rows.push(row);
    }
  }
  if (APPS.includes('example')) rmSync(join(EXAMPLE_DIR, '.next'), { recursive: true, force: true });

  const lines = [];
  lines.push('| app | bundler | wall without | wall with | wall ratio | paired wall ratio | peak mem without | peak mem with | mem ratio | paired mem ratio |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  const ratio = (x) => x.toFixed(3);
  for (const r of rows) {
    if (r.plainWallMs === undefined) {
      lines.push(`| ${r.app} | ${r.bundler} | failed builds: ${r.failed} | | | | | | | |`);
      continue;
    }
    lines.push(`| ${r.app} | ${r.bundler} | ${s(r.plainWallMs)} s | ${s(r.guardedWallMs)} s | ${ratio(r.guardedWallMs / r.plainWallMs)} | ${ratio(median(r.pairedWallRatios))} | ${mb(r.plainPeakBytes)} MB | ${mb(r.guardedPeakBytes)} MB | ${ratio(r.guardedPeakBytes / r.plainPeakBytes)} | ${ratio(median(r.pairedPeakRatios))} |`);
    if (r.plainRuns.length > 1) {
      const runs = (xs, pick, unit = '') => xs.map((x) => pick(x)).join(' ') + unit;
      lines.push(`|   runs | | ${runs(r.plainRuns, (x) => s(x.wallMs), ' s')} | ${runs(r.guardedRuns, (x) => s(x.wallMs), ' s')} | | ${runs(r.pairedWallRatios, (x) => x.toFixed(2))} | ${runs(r.plainRuns, (x) => mb(x.peakBytes), ' MB')} | ${runs(r.guardedRuns, (x) => mb(x.peakBytes), ' MB')} | | ${runs(r.pairedPeakRatios, (x) => x.toFixed(2))} |`);
    }
  }
  lines.push('');
  lines.push('| bundler | server | req/s | ratio to unguarded (totals) | median round ratio | server CPU/request | p99 | req/s per round |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const row of rpsRows) {
    if (row.error !== undefined) {
      lines.push(`| ${row.bundler} | ${row.error} | | | | | | |`);
      continue;
    }
    const servers = [
      ['unguarded', row.plain, null, null],
      ['guarded', row.guarded, row.medianRoundRatio, row.roundRatios],
      ['unguarded again (A/A control)', row.control, row.controlMedianRoundRatio, row.controlRoundRatios],
    ];
    for (const [name, server, medianRatio, ratios] of servers) {
      const versus = medianRatio === null ? '' : (server.rps / row.plain.rps).toFixed(3);
      const roundRatio = medianRatio === null ? '' : `${medianRatio.toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(' ')})`;
      lines.push(`| ${row.bundler} | ${name} | ${server.rps.toFixed(0)} | ${versus} | ${roundRatio} | ${server.cpuMsPerRequest.toFixed(3)} ms | ${server.p99Ms} ms | ${server.roundRps.join(' ')} |`);
    }
  }
  lines.push('');
  lines.push(`(requests: ${RPS_ROUNDS} rotating rounds of ${RPS_SECONDS} s per server after a 15 s warm-up each, 8 connections, loopback, all three servers up at once; the A/A control is a second server of the unguarded build, against the first)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (args.json !== undefined) writeFileSync(args.json, JSON.stringify({ rows, rpsRows }, null, 2));
}

await main();
