/**
 * The manifest's own shapes: Next's server-reference manifest as far as we read it, the signed manifest, its
 * findings and the config fields the manifest step reads. The policy, the action record and the record file are
 * the shared shapes of @action-guard/contracts, re-exported here.
 */
import type { NormalizedPolicy, PrintableFinding, Severity } from '@action-guard/contracts';

export type { ActionRecord, NormalizedPolicy, RecordFile, RevalidateTarget, Severity } from '@action-guard/contracts';

/** One entry of Next's `server-reference-manifest.json` (`node` or `edge` map), as far as we read it. */
export interface ServerReferenceEntry {
  workers: Record<string, unknown>;
  filename: string;
  exportedName: string;
  layer?: Record<string, string>;
}

/** Next's `server-reference-manifest.json`; `encryptionKey` is read only to fingerprint it, never copied. */
export interface ServerReferenceManifest {
  node: Record<string, ServerReferenceEntry>;
  edge: Record<string, ServerReferenceEntry>;
  encryptionKey?: string;
}

/** Where the build's encryption key came from (docs/reference.md §5). */
export type EncryptionKeySource = 'env' | 'generated';

/** One action of the signed manifest (docs/reference.md §4). */
export interface ManifestAction {
  /** Next's real action id (42 hex characters). */
  id: string;
  /** `<file>#<export>`, or the transform's reorder-stable ref for inline actions. */
  ref: string;
  file: string;
  /** The exported name, `default`, or null for an inline action or inline "use cache" function. */
  exportName: string | null;
  /** `cache`: a "use cache" function (callable by ID; `@public` only, arguments validated by guardCache). */
  kind: 'export' | 'inline' | 'cache';
  /** 1-based line, 0-based column of the function; null when the transform never saw the action. */
  location: { line: number; column: number } | null;
  /** Null when the transform never saw the action (it is then unguarded). */
  policy: NormalizedPolicy | null;
  /** `sha256:<hex>` of the policy's RFC 8785 bytes, or null with the policy. */
  policyDigest: string | null;
  /** Route bundles that hold the action, sorted. */
  workers: string[];
  /** Runtimes whose server bundles register the action. */
  runtimes: Array<'node' | 'edge'>;
  referencedByClient: boolean;
  guarded: boolean;
  /**
   * The checks (e.g. `missing-auth-decision`) whose findings action-guard.baseline.json accepts for this action,
   * sorted; the key is absent for an action the baseline does not touch (and in manifests built before it).
   */
  baselined?: string[];
}

/** The manifest written to `.next/action-guard/manifest.json` (docs/reference.md §4). */
export interface ActionManifest {
  schemaVersion: 1;
  generator: { name: string; version: string };
  next: { version: string };
  bundler: 'webpack' | 'turbopack';
  buildId: string | null;
  gitCommit: string | null;
  createdAt: string;
  encryptionKey: { fingerprint: string; source: EncryptionKeySource } | null;
  actions: ManifestAction[];
}

/** A problem the manifest step or a CLI command reports; same fields as a transform diagnostic where they apply. */
export interface Finding extends PrintableFinding {
  /** Stable code, e.g. `AG301`. */
  code: string;
  /** Kebab-case name, e.g. `unguarded-action`. */
  name: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
  docs: string;
  /** Project-relative file the finding is about, when there is one. */
  file: string | null;
  line: number | null;
  column: number | null;
  /** The action the finding is about, when there is one. */
  ref: string | null;
}

/**
 * The fields of `ResolvedConfig` (@action-guard/config, docs/architecture.md §2) the manifest step reads.
 * Typed structurally so that this package does not depend on the config package.
 */
export interface ManifestConfig {
  root?: string;
  manifest: { requireSignature: boolean; failOnUnguarded: boolean; libraryActions?: readonly string[] };
  encryptionKey: { missing: Severity };
}

/** A DSSE envelope (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md). */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: Array<{ keyid: string; sig: string }>;
}
