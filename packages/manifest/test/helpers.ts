import type { ActionManifest, ManifestAction, NormalizedPolicy } from '../src/types.js';

/** A policy that requires auth and nothing else; tests override the fields they are about. */
export function policy(overrides: Partial<NormalizedPolicy> = {}): NormalizedPolicy {
  return {
    auth: 'required',
    publicReason: null,
    roles: [],
    authorize: null,
    schema: null,
    dedupe: null,
    rateLimit: null,
    fromRules: [],
    ...overrides,
  };
}

let counter = 0;
/** A 42-hex action id that is unique per call unless `seed` is given. */
export function actionId(seed?: string): string {
  const base = (seed ?? `x${counter++}`).split('').map((c) => c.charCodeAt(0).toString(16)).join('');
  return `40${base}`.padEnd(42, '0').slice(0, 42);
}

/** A manifest action with a guarded policy. */
export function action(ref: string, overrides: Partial<ManifestAction> = {}): ManifestAction {
  const [file = 'app/actions.ts', exportName = 'save'] = ref.split('#');
  return {
    id: actionId(ref),
    ref,
    file,
    exportName,
    kind: 'export',
    location: { line: 3, column: 0 },
    policy: policy(),
    policyDigest: null,
    workers: ['app/page'],
    runtimes: ['node'],
    referencedByClient: true,
    guarded: true,
    ...overrides,
  };
}

/** A manifest around the given actions. */
export function manifestOf(actions: ManifestAction[]): ActionManifest {
  return {
    schemaVersion: 1,
    generator: { name: 'action-guard', version: '0.0.0-test' },
    next: { version: '16.4.6' },
    bundler: 'turbopack',
    buildId: 'test-build',
    gitCommit: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    encryptionKey: null,
    actions,
  };
}

/** A small seeded generator (mulberry32) of numbers in [0, 1), so a failing generated case reproduces. */
export function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
