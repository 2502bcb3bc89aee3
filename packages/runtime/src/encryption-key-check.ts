// The variable `withActionGuard()` sets through next.config `env` at build time (Next inlines it into the server
// bundles): the fingerprint of the build's encryption key, or `generated`. Its name lives in @action-guard/contracts.
import { BUILD_KEY_FINGERPRINT_ENV } from '@action-guard/contracts';
import { fingerprintEncryptionKey, fingerprintsMatch } from '@action-guard/manifest/key-fingerprint';

export { BUILD_KEY_FINGERPRINT_ENV };

/** The message of a mismatch; never contains the key. */
export type KeyMismatchReporter = (message: string) => void;

/**
 * Compares the key this server runs with against the one the build used, once per runtime instance.
 *
 * Why: Next salts every action id with the key and encrypts inline actions' captured values with it; at run time
 * it uses `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` when set and the build's key otherwise
 * (next/dist/server/app-render/encryption-utils.js). A server whose key differs from the build's fails to decrypt
 * every captured value in prerendered HTML and open tabs, with an opaque `OperationError`. Saying so once, loudly,
 * turns that into a named cause.
 *
 * `buildFingerprint` and `runningKey` are read by the caller (see {@link readKeyEnvironment}) so tests can pass them.
 */
export function createEncryptionKeyCheck(
  read: () => { buildFingerprint: string | undefined; runningKey: string | undefined },
  report: KeyMismatchReporter,
): () => Promise<void> {
  let done: Promise<void> | null = null;
  // The promise settles once the comparison is made; callers on the hot path do not wait for it.
  return () => (done ??= compare());

  async function compare(): Promise<void> {
    const { buildFingerprint, runningKey } = read();
    // Not built by withActionGuard (a unit test, a script): there is nothing to compare against.
    if (!buildFingerprint) return;
    // No runtime key: Next falls back to the build's own key, which matches by construction.
    if (!runningKey) return;
    if (buildFingerprint === 'generated') {
      report(
        'action-guard: this build generated its own encryption key, but the server runs with NEXT_SERVER_ACTIONS_ENCRYPTION_KEY set. ' +
          'Captured values of inline actions in prerendered pages will not decrypt. Build and run with the same key ' +
          '(`action-guard keys generate`, then set it for both `next build` and `next start`).',
      );
      return;
    }
    let running: string;
    try {
      running = await fingerprintEncryptionKey(runningKey);
    } catch {
      return; // No WebCrypto: nothing can be compared; the call itself goes on.
    }
    if (fingerprintsMatch(running, buildFingerprint)) return;
    report(
      `action-guard: NEXT_SERVER_ACTIONS_ENCRYPTION_KEY differs from the key this build used (running ${running}, ` +
        `built with ${buildFingerprint}). Action ids and captured values of inline actions will not match; ` +
        'run with the key the build used, or rebuild with this one (`action-guard keys check --manifest .next/action-guard`).',
    );
  }
}

/**
 * Reads both values from the environment. `process.env.ACTION_GUARD_BUILD_KEY_FINGERPRINT` is written as a literal
 * member access so Next's define step can inline it; the key itself is read at run time and never inlined.
 */
export function readKeyEnvironment(): { buildFingerprint: string | undefined; runningKey: string | undefined } {
  if (typeof process === 'undefined' || !process.env) return { buildFingerprint: undefined, runningKey: undefined };
  return {
    buildFingerprint: process.env.ACTION_GUARD_BUILD_KEY_FINGERPRINT,
    // Split so no bundler define can ever inline the secret into a bundle.
    runningKey: process.env['NEXT_SERVER_ACTIONS_' + 'ENCRYPTION_KEY'],
  };
}
