/**
 * Shapes shared by the manifest builder, the signer, the differ and their callers.
 *
 * `ActionRecord`, `NormalizedPolicy` and the config fields are typed here structurally (docs/architecture.md §1–§3)
 * rather than imported, because `@action-guard/manifest` must not depend on the transform or the config package:
 * both `next` and `cli` depend on us, and the runtime imports our edge-safe subpath.
 */

/** Policy as the transform normalises it (docs/architecture.md §1); the manifest stores it verbatim. */
export interface NormalizedPolicy {
  auth: 'public' | 'required';
  publicReason: string | null;
  roles: string[];
  authorize: string | null;
  /** One schema per client-supplied parameter, joined with `, ` (a rest parameter's as `...Name`); diffed by position. */
  schema: string | null;
  dedupe: { source: 'key' | 'header' | 'input'; name: string | null; ttlSeconds: number } | null;
  rateLimit: { limit: number; windowSeconds: number; by: 'user' | 'ip' | 'global' } | null;
  fromRules: string[];
  /** `@revalidates` targets, sorted; absent when none (manifests written before the tag have none). Diffed as a set. */
  revalidates?: RevalidateTarget[];
}

/** One `@revalidates` target: `value` is a route or a tag with `{field}` placeholders; `profile` only for tags. */
export interface RevalidateTarget {
  kind: 'path' | 'layout' | 'tag';
  value: string;
  profile: string | null;
}

/** What the transform learned about one action (docs/architecture.md §1). */
export interface ActionRecord {
  ref: string;
  file: string;
  exportName: string | null;
  /** `cache`: a "use cache" function Next registers as `$$RSC_SERVER_CACHE_<inlineIndex>` (guarded by guardCache). */
  kind: 'export' | 'inline' | 'cache';
  inlineIndex: number | null;
  loc: { line: number; column: number };
  policy: NormalizedPolicy;
  guarded: boolean;
  /** Checks whose findings action-guard.baseline.json accepts for this action (sorted); absent when none. */
  baselined?: string[];
}

/** One file's records as the loader persists them under `<distDir>/cache/action-guard/records/` (docs/architecture.md §3). */
export interface RecordFile {
  file: string;
  sourceSha256: string;
  actions: ActionRecord[];
}

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
export interface Finding {
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

/** Severity as config spells it. */
export type Severity = 'error' | 'warn' | 'off';

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
