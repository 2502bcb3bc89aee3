import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hashPassword } from './passwords';

/** The open SQLite database: `better-sqlite3` is synchronous, so every query is a plain function call. */
export type Db = Database.Database;

/** Where the database lives unless `INVOICES_DB_PATH` says otherwise (git-ignored). */
export const DEFAULT_DB_PATH = path.join(process.cwd(), 'data', 'invoices.sqlite');

/** The accounts every fresh database starts with; the README lists the same ones. */
export const SEED_USERS = [
  { email: 'alice@example.com', name: 'Alice Martin', password: 'alice-password', role: 'member' },
  { email: 'bob@example.com', name: 'Bob Okafor', password: 'bob-password', role: 'member' },
  { email: 'admin@example.com', name: 'Ada Admin', password: 'admin-password', role: 'admin' },
] as const;

// Each entry moves the schema one version forward; `PRAGMA user_version` records how far a file has come, so
// running them again on an up-to-date file does nothing. Never edit a shipped entry: append a new one.
const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('member', 'admin')),
        created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      -- AUTOINCREMENT: a deleted invoice's id is never handed to a new one, so old links and bookmarks can
      -- never open somebody else's newer invoice.
      CREATE TABLE invoices (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        customer     TEXT NOT NULL,
        description  TEXT NOT NULL DEFAULT '',
        amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
        due_date     TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('open', 'paid')) DEFAULT 'open',
        reminded_at  TEXT,
        created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX invoices_owner ON invoices(owner_id);
      -- idempotency_key is recorded for audit but deliberately not UNIQUE: exactly-once payments are the
      -- guard's @dedupe promise, and this example exists to show (and let the end-to-end suite prove) that.
      CREATE TABLE payments (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        invoice_id      INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
        amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
        note            TEXT NOT NULL DEFAULT '',
        idempotency_key TEXT NOT NULL,
        recorded_by     INTEGER NOT NULL REFERENCES users(id),
        recorded_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX payments_invoice ON payments(invoice_id);
      CREATE TABLE feedback (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        topic      TEXT NOT NULL,
        message    TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE TABLE newsletter_subscribers (
        email      TEXT PRIMARY KEY COLLATE NOCASE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
    `);
    seed(db);
  },
];

function seed(db: Db): void {
  const insertUser = db.prepare(
    'INSERT INTO users (email, name, password_hash, role) VALUES (@email, @name, @passwordHash, @role)',
  );
  const ids = new Map<string, number | bigint>();
  for (const user of SEED_USERS) {
    const result = insertUser.run({ ...user, passwordHash: hashPassword(user.password) });
    ids.set(user.email, result.lastInsertRowid);
  }
  const insertInvoice = db.prepare(
    `INSERT INTO invoices (owner_id, customer, description, amount_cents, due_date, status)
     VALUES (@ownerId, @customer, @description, @amountCents, @dueDate, @status)`,
  );
  // Invoice ids 1–2 are Alice's, 3 is Bob's: the README and the end-to-end suite rely on that order.
  insertInvoice.run({ ownerId: ids.get('alice@example.com'), customer: 'Northwind Traders', description: 'Website redesign, phase 1', amountCents: 480000, dueDate: '2026-12-15', status: 'open' });
  insertInvoice.run({ ownerId: ids.get('alice@example.com'), customer: 'Contoso Ltd', description: 'Monthly support retainer', amountCents: 95000, dueDate: '2026-11-30', status: 'paid' });
  insertInvoice.run({ ownerId: ids.get('bob@example.com'), customer: 'Fabrikam Inc', description: 'Data migration', amountCents: 1250000, dueDate: '2027-01-10', status: 'open' });
  db.prepare(
    `INSERT INTO payments (invoice_id, amount_cents, note, idempotency_key, recorded_by) VALUES (2, 95000, 'Bank transfer', 'seed-payment-1', ?)`,
  ).run(ids.get('alice@example.com'));
}

/** Opens the database at `file` and brings its schema up to date (safe to call on an existing file). */
export function openDatabase(file: string): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // `next build` and `next start` may open the file from several workers at once; wait instead of failing.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  // IMMEDIATE takes the write lock before reading user_version, so two processes never run the same step twice.
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < MIGRATIONS.length; version++) {
      MIGRATIONS[version]!(db);
    }
    if (current < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  run.immediate();
}

// Kept on globalThis so `next dev`'s module reloads reuse one connection instead of leaking a new one per edit.
const holder = globalThis as { __invoicesDb?: { file: string; db: Db } };

/** The process-wide connection, opened (and migrated) on first use. */
export function getDb(): Db {
  // turbopackIgnore: the path comes from the environment at run time; without the hint Turbopack would trace the
  // whole project into the server output to be safe.
  const file = path.resolve(/*turbopackIgnore: true*/ process.env.INVOICES_DB_PATH || DEFAULT_DB_PATH);
  if (holder.__invoicesDb === undefined || holder.__invoicesDb.file !== file) {
    holder.__invoicesDb = { file, db: openDatabase(file) };
  }
  return holder.__invoicesDb.db;
}
