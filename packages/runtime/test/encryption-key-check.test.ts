import { randomBytes } from 'node:crypto';
import { fingerprintEncryptionKey } from '@action-guard/manifest/key-fingerprint';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEncryptionKeyCheck } from '../src/encryption-key-check.js';
import { defineRuntime } from '../src/index.js';
import { eventLog, meta } from './helpers.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

/** Runs the check with the given environment and collects what it reports, after its async fingerprint settles. */
async function reportsFor(buildFingerprint: string | undefined, runningKey: string | undefined): Promise<string[]> {
  const reports: string[] = [];
  const check = createEncryptionKeyCheck(() => ({ buildFingerprint, runningKey }), (message) => reports.push(message));
  await Promise.all([check(), check()]);
  return reports;
}

describe('the running encryption key against the build key', () => {
  test('stays quiet when the server runs with the key the build used', async () => {
    expect(await reportsFor(await fingerprintEncryptionKey(keyA), keyA)).toEqual([]);
  });

  test('reports a different key once, naming both fingerprints and never the key', async () => {
    const reports = await reportsFor(await fingerprintEncryptionKey(keyA), keyB);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(await fingerprintEncryptionKey(keyB));
    expect(reports[0]).toContain(await fingerprintEncryptionKey(keyA));
    expect(reports[0]).not.toContain(keyA);
    expect(reports[0]).not.toContain(keyB);
  });

  test('reports a key set at run time when the build generated its own', async () => {
    const reports = await reportsFor('generated', keyB);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/generated its own encryption key/);
  });

  test('stays quiet with no runtime key (Next falls back to the build key) or outside a guarded build', async () => {
    expect(await reportsFor(await fingerprintEncryptionKey(keyA), undefined)).toEqual([]);
    expect(await reportsFor('generated', undefined)).toEqual([]);
    expect(await reportsFor(undefined, keyB)).toEqual([]);
  });
});

describe('defineRuntime', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  test('emits one encryption-key-mismatch warning for a server running with another key, and the call still runs', async () => {
    vi.stubEnv('ACTION_GUARD_BUILD_KEY_FINGERPRINT', await fingerprintEncryptionKey(keyA));
    vi.stubEnv('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY', keyB);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = eventLog();
    const runtime = defineRuntime({ session: () => ({ id: 'u1' }), headers: () => new Headers(), tracing: false, onEvent: log.onEvent });
    expect(await runtime.guard(meta(), [], async () => 'ran')).toBe('ran');
    expect(await runtime.guard(meta(), [], async () => 'ran again')).toBe('ran again');
    await vi.waitFor(() => expect(log.events.filter((e) => e.type === 'warning')).toHaveLength(1));
    const warning = log.events.find((e) => e.type === 'warning');
    expect(warning).toMatchObject({ type: 'warning', code: 'encryption-key-mismatch' });
    expect(JSON.stringify(log.events)).not.toContain(keyB);
    expect(error).toHaveBeenCalledTimes(1);
  });
});
