import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isActionFailure, type ActionFailure, type FailureCode } from '@action-guard/runtime/client';
import { expect } from 'vitest';
import { createActionClient, type ActionClient, type ActionResponse } from './action-client.js';
import { WORKSPACE_ROOT, findActionId, startNextServer, type NextServer } from './next-app.js';

/** The example app under test (examples/invoices; see its README for users, routes and actions). */
export const INVOICES_DIR = join(WORKSPACE_ROOT, 'examples/invoices');

/** The seeded accounts of the example (examples/invoices/lib/db.ts `SEED_USERS`). */
export const USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password' },
  bob: { email: 'bob@example.com', password: 'bob-password' },
  admin: { email: 'admin@example.com', password: 'admin-password' },
} as const;

/** The seeded invoices: 1 and 2 are Alice's (2 is paid), 3 is Bob's (lib/db.ts `seed`). */
export const INVOICES = { aliceOpen: 1, alicePaid: 2, bobOpen: 3 } as const;

/** The example's actions as `file#export`, looked up in Next's server-reference manifest after each build. */
export const ACTIONS = {
  signIn: ['app/sign-in/actions.ts', 'signIn'],
  signOut: ['app/sign-in/actions.ts', 'signOut'],
  createInvoice: ['app/invoices/actions.ts', 'createInvoice'],
  updateInvoice: ['app/invoices/actions.ts', 'updateInvoice'],
  deleteInvoice: ['app/invoices/actions.ts', 'deleteInvoice'],
  setInvoiceStatus: ['app/invoices/actions.ts', 'setInvoiceStatus'],
  recordPayment: ['app/invoices/actions.ts', 'recordPayment'],
  sendFeedback: ['app/feedback/actions.ts', 'sendFeedback'],
  subscribe: ['app/newsletter/actions.ts', 'subscribe'],
  changeUserRole: ['app/admin/actions.ts', 'changeUserRole'],
} as const satisfies Record<string, readonly [string, string]>;

/** The name of one of the example's actions. */
export type ActionName = keyof typeof ACTIONS;

/** The action IDs of the current build of the example. */
export function readActionIds(): Record<ActionName, string> {
  const ids = {} as Record<ActionName, string>;
  for (const [name, [file, exportName]] of Object.entries(ACTIONS)) {
    ids[name as ActionName] = findActionId(INVOICES_DIR, file, exportName);
  }
  return ids;
}

/** A FormData from a plain record (what a browser sends for a form with these fields). */
export function formData(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}

/** A valid create-invoice form, with overrides. */
export function invoiceFields(overrides: Record<string, string | Blob> = {}): FormData {
  return formData({ customer: 'Initech', description: 'TPS report audit', amount: '1200.50', dueDate: '2027-02-01', ...overrides });
}

/** A valid payment form for `invoiceId` with a fresh idempotency key unless one is given. */
export function paymentFields(invoiceId: number, overrides: Record<string, string> = {}): FormData {
  return formData({ invoiceId: String(invoiceId), amount: '10.00', note: 'Card', idempotencyKey: `pay-${randomUUID()}`, ...overrides });
}

/** Read-only access to the example's SQLite file, to check what an action did (or did not do) to the data. */
export interface InvoicesDb {
  count(sql: string, ...params: unknown[]): number;
  get<T>(sql: string, ...params: unknown[]): T | undefined;
}

function openDb(file: string): InvoicesDb {
  // The example's own better-sqlite3 (a native module built by its install), opened read-only per query so
  // the server's writes are always visible.
  const Database = createRequire(join(INVOICES_DIR, 'package.json'))('better-sqlite3') as new (
    file: string,
    options: { readonly: boolean; fileMustExist: boolean },
  ) => { prepare(sql: string): { get(...params: unknown[]): unknown }; close(): void };
  const run = <T>(sql: string, params: unknown[]): T | undefined => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).get(...params) as T | undefined;
    } finally {
      db.close();
    }
  };
  return {
    count: (sql, ...params) => Number(Object.values(run<Record<string, unknown>>(sql, params) ?? { n: 0 })[0]),
    get: (sql, ...params) => run(sql, params),
  };
}

/** A running instance of the example with its own fresh database, and signed-in sessions for the seed users. */
export interface InvoicesInstance {
  server: NextServer;
  client: ActionClient;
  ids: Record<ActionName, string>;
  db: InvoicesDb;
  /** `Cookie` header values of the signed-in seed users. */
  cookies: Record<keyof typeof USERS, string>;
  dbPath: string;
  stop(): Promise<void>;
}

/** Options for {@link startInvoices}. */
export interface StartInvoicesOptions {
  /** Share this database file instead of a fresh one (several instances of one deployment). */
  dbPath?: string;
  /** Reuse these sessions instead of signing in (sign-in is rate limited per IP). */
  cookies?: Record<keyof typeof USERS, string>;
  env?: Record<string, string | undefined>;
}

/** Signs `user` in through the real sign-in action and returns the session cookie (`name=value`). */
export async function signIn(client: ActionClient, signInId: string, user: keyof typeof USERS): Promise<string> {
  const { email, password } = USERS[user];
  const response = await client.call(signInId, [null, formData({ email, password })], { path: '/sign-in' });
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('invoices_session='));
  if (cookie === undefined) {
    throw new Error(`signing in ${email} set no session cookie (status ${response.status}): ${response.body.slice(0, 500)}`);
  }
  return cookie.split(';')[0]!;
}

/** Starts `next start` for the current build of the example with a database of its own. */
export async function startInvoices(options: StartInvoicesOptions = {}): Promise<InvoicesInstance> {
  const ownDir = options.dbPath === undefined ? mkdtempSync(join(tmpdir(), 'ag-e2e-invoices-')) : null;
  const dbPath = options.dbPath ?? join(ownDir!, 'invoices.sqlite');
  const server = await startNextServer({
    appDir: INVOICES_DIR,
    env: { INVOICES_DB_PATH: dbPath, ACTION_GUARD_LOG: 'all', ...options.env },
  });
  try {
    const client = createActionClient(server.url, INVOICES_DIR);
    const ids = readActionIds();
    const cookies = options.cookies ?? {
      alice: await signIn(client, ids.signIn, 'alice'),
      bob: await signIn(client, ids.signIn, 'bob'),
      admin: await signIn(client, ids.signIn, 'admin'),
    };
    return {
      server,
      client,
      ids,
      db: openDb(dbPath),
      cookies,
      dbPath,
      async stop() {
        await server.stop();
        if (ownDir !== null) rmSync(ownDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

// What must never reach a client in a failure: stack frames, file paths, module internals.
const LEAK_PATTERNS: RegExp[] = [
  /\n\s+at [\w$.<>]+ \(/, // a V8 stack frame
  /\bat (async )?[\w$.]+ \((\/|file:)/,
  /\/work\//,
  new RegExp(WORKSPACE_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  /node_modules/,
  /\.next\/server/,
  /\.(ts|tsx|js|mjs):\d+/,
  /SQLITE_|sqlite/i,
];

/** Asserts that a raw response body carries no stack trace, path or internal detail. */
export function expectNoLeak(body: string): void {
  for (const pattern of LEAK_PATTERNS) expect(body, `body matched ${pattern}`).not.toMatch(pattern);
}

/** Asserts that `response` is a guard failure with `code`, with a body that leaks nothing; returns the failure. */
export function expectFailure(response: ActionResponse, code: FailureCode): ActionFailure {
  expect(response.status, response.body.slice(0, 500)).toBe(200);
  expect(isActionFailure(response.result), `expected a failure, got ${JSON.stringify(response.result)}`).toBe(true);
  const failure = response.result as ActionFailure;
  expect(failure.error.code).toBe(code);
  expect(failure.error.message.length).toBeGreaterThan(0);
  expectNoLeak(response.body);
  return failure;
}
