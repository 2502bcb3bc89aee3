import { isInsideLoaderReach } from '@action-guard/contracts';
import { canonicalForm, canonicalString, digestText, utf8Bytes } from './canonical-bytes.js';
import { createFinding } from './findings.js';
import type {
  ActionManifest,
  ActionRecord,
  EncryptionKeySource,
  Finding,
  ManifestAction,
  ManifestConfig,
  NormalizedPolicy,
  RecordFile,
  ServerReferenceEntry,
  ServerReferenceManifest,
} from './types.js';

/** Build facts recorded at the top of the manifest. */
export interface ManifestMeta {
  generator: { name: string; version: string };
  nextVersion: string;
  bundler: 'webpack' | 'turbopack';
  buildId: string | null;
  gitCommit: string | null;
  createdAt: string;
  encryptionKey: { fingerprint: string; source: EncryptionKeySource } | null;
}

/** Input of `buildManifest`: everything already read from disk, so the join itself is pure and testable. */
export interface BuildManifestInput {
  /** Next's server-reference manifest; its `encryptionKey` is ignored. */
  serverReferenceManifest: Pick<ServerReferenceManifest, 'node' | 'edge'>;
  /** Fresh record files only (the caller drops stale ones). */
  records: RecordFile[];
  meta: ManifestMeta;
  config: Pick<ManifestConfig, 'manifest'>;
  /** Whether client JavaScript mentions an action id; defaults to "no client references known". */
  isReferencedByClient?: (id: string) => boolean;
  /** Maps Next's `filename` to a posix path relative to the project root; defaults to identity. */
  normalizeFile?: (filename: string) => string;
}

// Next names hoisted inline actions `$$RSC_SERVER_ACTION_<n>` (INLINE_ACTION_PREFIX in
// next/dist/esm/server/app-render/action-handler.js); the transform records the same n as `inlineIndex`.
const INLINE_EXPORT = /^\$\$RSC_SERVER_ACTION_(\d+)$/;
// "use cache" functions are registered as `$$RSC_SERVER_CACHE_<n>` (same counter); the transform records the n of a
// `cache` record as its `inlineIndex` too. A client layer may name an export of a "use cache" module by its export name.
const CACHE_EXPORT = /^\$\$RSC_SERVER_CACHE_(\d+)$/;

/** One file's records, by export name, by inline index and by cache-function index. */
interface FileRecords {
  byExport: Map<string, ActionRecord>;
  byInline: Map<number, ActionRecord>;
  byCache: Map<number, ActionRecord>;
}

// Worker lists are short (an action lives in a handful of route bundles), so they are sorted by insertion, in UTF-16
// code-unit order like the default sort: a Set, or an `includes` check plus one sort() call per action, were a fifth
// of the join's time at 10,000 actions.

/** Sorts a short list of strings in place and returns it. */
function sortInPlace(list: string[]): string[] {
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let at = i;
    for (; at > 0 && list[at - 1]! > item; at--) list[at] = list[at - 1]!;
    list[at] = item;
  }
  return list;
}

/** Adds `item` to a sorted list of unique strings, keeping it sorted and unique. */
function insertSorted(list: string[], item: string): void {
  let at = list.length;
  while (at > 0 && list[at - 1]! > item) at--;
  if (at > 0 && list[at - 1] === item) return;
  list.splice(at, 0, item);
}

const POLICY_KEYS = new Set(['auth', 'authorize', 'dedupe', 'fromRules', 'publicReason', 'rateLimit', 'roles', 'schema']);
const isPolicyKey = (key: string) => POLICY_KEYS.has(key);

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown) => v === null || typeof v === 'string';
const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
// A value JSON.stringify writes exactly as RFC 8785 does, with no object to order and nothing it would drop or refuse.
const isJsonScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v);

// The transform's NormalizedPolicy, rebuilt with its keys in RFC 8785 order and serialised with one
// JSON.stringify. Policies are the one per-action object whose key order we do not control (records are JSON the
// loader wrote), and ordering them generically was the hot spot of a 10,000-action manifest. The literal below is
// RFC 8785 text only if every value is a string, null, a finite number or an array of strings, so that is checked;
// a policy of any other shape goes through the generic path. (Writing the text from a template instead of calling
// JSON.stringify was faster warm but slower on a build's first and only run, and no faster in the benchmark.)
function orderPolicy(policy: NormalizedPolicy): { value: NormalizedPolicy; text: string; inKeyOrder: boolean } {
  const keys = Object.keys(policy);
  const { dedupe, rateLimit, revalidates } = policy;
  // `revalidates` is present only when an action has targets (older policies never have it).
  const wellFormed =
    keys.length === POLICY_KEYS.size + (revalidates === undefined ? 0 : 1) &&
    keys.every((key) => isPolicyKey(key) || key === 'revalidates') &&
    (revalidates === undefined ||
      (Array.isArray(revalidates) &&
        revalidates.every((t) => typeof t === 'object' && t !== null && Object.keys(t).length === 3 && isString(t.kind) && isString(t.value) && isStringOrNull(t.profile)))) &&
    isString(policy.auth) &&
    isStringOrNull(policy.authorize) &&
    isStringOrNull(policy.publicReason) &&
    isStringOrNull(policy.schema) &&
    Array.isArray(policy.roles) && policy.roles.every(isString) &&
    Array.isArray(policy.fromRules) && policy.fromRules.every(isString) &&
    (dedupe === null || (typeof dedupe === 'object' && Object.keys(dedupe).length === 3 && isString(dedupe.source) && isStringOrNull(dedupe.name) && isFiniteNumber(dedupe.ttlSeconds))) &&
    (rateLimit === null || (typeof rateLimit === 'object' && Object.keys(rateLimit).length === 3 && isString(rateLimit.by) && isFiniteNumber(rateLimit.limit) && isFiniteNumber(rateLimit.windowSeconds)));
  // The generic path may have to leave the value unordered (array-index-like keys), so it never counts as ordered.
  if (!wellFormed) return { ...canonicalForm(policy), inKeyOrder: false };
  const value: NormalizedPolicy = {
    auth: policy.auth,
    authorize: policy.authorize,
    dedupe: dedupe ? { name: dedupe.name, source: dedupe.source, ttlSeconds: dedupe.ttlSeconds } : null,
    fromRules: [...policy.fromRules],
    publicReason: policy.publicReason,
    rateLimit: rateLimit ? { by: rateLimit.by, limit: rateLimit.limit, windowSeconds: rateLimit.windowSeconds } : null,
    ...(revalidates === undefined ? {} : { revalidates: revalidates.map((t) => ({ kind: t.kind, profile: t.profile, value: t.value })) }),
    roles: [...policy.roles],
    schema: policy.schema,
  };
  return { value, text: JSON.stringify(value), inKeyOrder: true };
}

// The fields of an entry taken from the inputs as they are: JSON scalars in every record our loader writes.
function hasScalarFields(action: ManifestAction): boolean {
  const { location } = action;
  return (
    isJsonScalar(action.exportName) && isJsonScalar(action.file) && isJsonScalar(action.guarded) && isJsonScalar(action.kind) &&
    isJsonScalar(action.ref) && isJsonScalar(action.referencedByClient) &&
    (location === null || (isFiniteNumber(location.column) && isFiniteNumber(location.line)))
  );
}

/**
 * The npm package of a file under `node_modules/` (the last such segment: pnpm nests them), or null for app code.
 * `manifest.libraryActions` names packages this way (docs/adopting.md, "Libraries that ship Server Actions").
 */
export function libraryOfFile(file: string): string | null {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1 || at + 1 >= parts.length) return null;
  const first = parts[at + 1]!;
  return first.startsWith('@') ? (at + 2 < parts.length ? `${first}/${parts[at + 2]}` : null) : first;
}

/** Whether `action` is one of a library's own actions that config `manifest.libraryActions` accepts unguarded. */
export function isAcceptedLibraryAction(action: Pick<ManifestAction, 'file' | 'guarded'>, libraryActions: readonly string[] = []): boolean {
  if (action.guarded || libraryActions.length === 0) return false;
  const library = libraryOfFile(action.file);
  return library !== null && libraryActions.includes(library);
}

/**
 * The findings one manifest entry carries: unguarded (the transform never saw it, or could not wrap it) and
 * registered-but-unreferenced. Derived from the entry alone, so the build and `action-guard audit` (which reads the
 * last build's manifest) report them with the same words.
 */
export function findingsForAction(action: ManifestAction, unguardedSeverity: 'error' | 'warning', libraryActions: readonly string[] = []): Finding[] {
  const findings: Finding[] = [];
  // Accepted by name in config: listed once per build instead (packages/next post-build), never silently.
  if (isAcceptedLibraryAction(action, libraryActions)) return findings;
  // Most entries have nothing to report; they return before building the location (10,000 objects per build).
  if (action.guarded && (action.referencedByClient || action.kind !== 'export')) return findings;
  const where = {
    file: action.file,
    line: action.location?.line ?? null,
    column: action.location ? action.location.column + 1 : null,
    ref: action.ref,
  };
  const what = action.kind === 'cache' ? 'the "use cache" function' : 'the Server Action';
  if (!action.guarded && action.policy === null) {
    const outside = !isInsideLoaderReach(action.file);
    findings.push(
      createFinding('unguarded-action', unguardedSeverity, {
        ...where,
        message: `Next registered ${what} ${action.ref} (id ${action.id}), but the action-guard transform never saw it${outside ? ' (it lives outside the app code the transform runs on)' : ''}, so it runs with no policy`,
        fix: outside
          ? `call it from a guarded action of your own instead of importing it into the app; if the library itself registers it (a provider component that imports it), accept that package's actions with manifest.libraryActions: ['${libraryOfFile(action.file) ?? '<package>'}']`
          : 'if next.config is not wrapped with withActionGuard(), wrap it; otherwise this is a Server Action the transform did not recognise, or a file its bundler rule did not reach (the build names which): declare it as `export async function name(…) {…}` in a "use server" file and rebuild',
      }),
    );
  } else if (!action.guarded) {
    findings.push(
      createFinding('unguarded-action', unguardedSeverity, {
        ...where,
        message: `${what} ${action.ref} is registered but was not wrapped, because the transform reported an error for it`,
        fix: 'fix the action-guard errors reported for this file, then rebuild',
      }),
    );
  }
  // Inline actions exist because a Server Component renders them, so only exports can be dead endpoints.
  if (!action.referencedByClient && action.kind === 'export') {
    findings.push(
      createFinding('unreferenced-action', 'warning', {
        ...where,
        message: `${action.ref} is registered and callable by id, but no client JavaScript references it (vercel/next.js#63804)`,
        fix: 'remove the export if nothing uses it; if only server code calls it, move it out of the "use server" module (it needs no endpoint); its policy applies meanwhile',
      }),
    );
  }
  return findings;
}

/** What `buildManifest` returns. */
export interface BuiltManifest {
  manifest: ActionManifest;
  findings: Finding[];
  /** The manifest's RFC 8785 bytes, equal to `canonicalBytes(manifest)` for the manifest as returned. */
  bytes: Uint8Array;
}

/**
 * Joins Next's registered actions with the transform's records into the manifest and its canonical bytes. Every id
 * in Next's manifest (node and edge) yields exactly one entry; ids without a guarded record are findings.
 */
export function buildManifest(input: BuildManifestInput): BuiltManifest {
  const normalizeFile = input.normalizeFile ?? ((f: string) => f);
  const isReferenced = input.isReferencedByClient ?? (() => false);
  const findings: Finding[] = [];

  // Records by file, then by export name or inline index. (Nested maps rather than one map keyed by a joined
  // string: joining built and hashed a new string per lookup, a quarter of the join's time at 10,000 actions.)
  const byFile = new Map<string, FileRecords>();
  for (const recordFile of input.records) {
    for (const action of recordFile.actions) {
      let records = byFile.get(action.file);
      if (!records) {
        records = { byExport: new Map(), byInline: new Map(), byCache: new Map() };
        byFile.set(action.file, records);
      }
      if (action.kind === 'inline' && action.inlineIndex !== null) records.byInline.set(action.inlineIndex, action);
      else if (action.kind === 'cache') {
        if (action.inlineIndex !== null) records.byCache.set(action.inlineIndex, action);
        if (action.exportName !== null) records.byExport.set(action.exportName, action);
      } else if (action.exportName !== null) records.byExport.set(action.exportName, action);
    }
  }

  // One entry per id: an action bundled for both runtimes is listed under node and edge with the same id. Workers
  // stay sorted and unique as they arrive; the first entry's list is Object.keys' own array sorted in place (arrays
  // of exact size, instead of grown ones, left a fifth fewer young-generation collections at 10,000 actions).
  const registered = new Map<string, { id: string; entry: ServerReferenceEntry; workers: string[]; runtimes: Array<'node' | 'edge'> }>();
  for (const runtime of ['edge', 'node'] as const) {
    const entries = input.serverReferenceManifest[runtime] ?? {};
    for (const id of Object.keys(entries)) {
      const entry = entries[id]!;
      let seen = registered.get(id);
      if (!seen) {
        registered.set(id, { id, entry, workers: sortInPlace(Object.keys(entry.workers ?? {})), runtimes: [runtime] });
        continue;
      }
      for (const worker of Object.keys(entry.workers ?? {})) insertSorted(seen.workers, worker);
      seen.runtimes.push(runtime);
    }
  }

  const severity = input.config.manifest.failOnUnguarded ? 'error' : 'warning';
  const actions: ManifestAction[] = [];
  // Whether JSON.stringify(manifest) is already its RFC 8785 text (see the end of this function).
  let inKeyOrder = true;
  for (const { id, entry, workers, runtimes } of registered.values()) {
    const file = normalizeFile(entry.filename);
    const inline = INLINE_EXPORT.exec(entry.exportedName);
    const cache = inline ? null : CACHE_EXPORT.exec(entry.exportedName);
    const records = byFile.get(file);
    const record = inline
      ? records?.byInline.get(Number(inline[1]))
      : cache
        ? records?.byCache.get(Number(cache[1]))
        : records?.byExport.get(entry.exportedName);
    // Objects are built with their keys in RFC 8785 order so that canonical serialisation needs no copy and no
    // check (the hot path of a 10,000-action manifest); the literal's key order below is therefore alphabetical.
    const policy = record ? orderPolicy(record.policy) : null;
    const action: ManifestAction = {
      ...(record?.baselined?.length ? { baselined: [...record.baselined] } : {}),
      exportName: record ? record.exportName : inline || cache ? null : entry.exportedName,
      file,
      guarded: record?.guarded ?? false,
      id,
      kind: record?.kind ?? (inline ? 'inline' : cache ? 'cache' : 'export'),
      location: record ? { column: record.loc.column, line: record.loc.line } : null,
      policy: policy ? policy.value : null,
      policyDigest: policy ? digestText(policy.text) : null,
      ref: record?.ref ?? `${file}#${entry.exportedName}`,
      referencedByClient: isReferenced(id),
      runtimes,
      workers,
    };
    actions.push(action);
    inKeyOrder &&= (policy === null || policy.inKeyOrder) && hasScalarFields(action);

    for (const finding of findingsForAction(action, severity, input.config.manifest.libraryActions)) findings.push(finding);
  }

  actions.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < actions.length; i++) {
    const previous = actions[i - 1]!;
    const current = actions[i]!;
    if (previous.ref === current.ref) {
      findings.push(
        createFinding('duplicate-action-ref', 'error', {
          message: `two registered actions share the ref ${current.ref} (ids ${previous.id} and ${current.id}), so the manifest cannot tell them apart`,
          fix: 'make sure the transform runs on every layer (server and client) so that each action gets exactly one id, then rebuild',
          file: current.file,
          ref: current.ref,
        }),
      );
    }
  }

  const meta = input.meta;
  const manifest: ActionManifest = {
    actions,
    buildId: meta.buildId,
    bundler: meta.bundler,
    createdAt: meta.createdAt,
    encryptionKey: meta.encryptionKey ? { fingerprint: meta.encryptionKey.fingerprint, source: meta.encryptionKey.source } : null,
    generator: { name: meta.generator.name, version: meta.generator.version },
    gitCommit: meta.gitCommit,
    next: { version: meta.nextVersion },
    schemaVersion: 1,
  };
  // Every object above was built here with its keys in RFC 8785 order, so when every value taken from the inputs is
  // a JSON scalar, JSON.stringify writes the canonical text itself. This skips canonicalString's walk over the whole
  // manifest, which checks exactly that (docs/measurements.md#manifest-canonical-fast-path). Otherwise the walk
  // decides.
  inKeyOrder &&= [meta.buildId, meta.bundler, meta.createdAt, meta.generator.name, meta.generator.version, meta.gitCommit, meta.nextVersion].every(isJsonScalar) &&
    (meta.encryptionKey === null || (isJsonScalar(meta.encryptionKey.fingerprint) && isJsonScalar(meta.encryptionKey.source)));
  const bytes = utf8Bytes(inKeyOrder ? JSON.stringify(manifest) : canonicalString(manifest));
  return { manifest, findings, bytes };
}
