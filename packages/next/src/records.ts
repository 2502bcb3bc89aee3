import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordFile } from '@action-guard/contracts';

/** What the loader learnt about one module, written to disk because loaders run in worker processes. */
export type ModuleRecord = RecordFile;

/** Hex sha256 of a string or bytes. */
export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The record file of `file` (posix, root-relative): `<recordsDir>/<sha256(file)>.json`. */
export function recordPathFor(recordsDir: string, file: string): string {
  return path.join(recordsDir, `${sha256(file)}.json`);
}

/**
 * Writes a record atomically: a temp file in the same directory, then a rename. Several worker processes may
 * write the same record at once (one per layer); readers must only ever see a whole file.
 */
export function writeModuleRecord(recordsDir: string, record: ModuleRecord): string {
  mkdirSync(recordsDir, { recursive: true });
  const target = recordPathFor(recordsDir, record.file);
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(record));
  renameSync(temp, target);
  return target;
}
