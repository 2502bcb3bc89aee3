import { withoutServerPassedActions } from './server-passed-actions.js';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { writeFileAtomic } from './atomic-write.js';
import { buildManifest } from './build-manifest.js';
import { ACTION_GUARD_DIR, ENCRYPTION_KEY_ENV, ENVELOPE_FILE, MANIFEST_FILE, RECORDS_DIR_SEGMENTS, SIGNING_KEY_ENV } from '@action-guard/contracts';
import { parseSigningKey, serializeEnvelope, signManifest, SigningKeyError } from './dsse.js';
import { checkEncryptionKey } from './encryption-key.js';
import { createFinding } from './findings.js';
import { fingerprintEncryptionKey } from './key-fingerprint.js';
import {
  collectClientIdTokens,
  createFileNormalizer,
  mapConcurrently,
  READ_CONCURRENCY,
  readBuildId,
  readGitCommit,
  readIfExists,
  sha256OfFile,
} from './project-facts.js';
import type { ActionManifest, DsseEnvelope, Finding, ManifestConfig, RecordFile, ServerReferenceManifest } from './types.js';

/** Options of `writeActionManifest` (docs/architecture.md §5). */
export interface WriteActionManifestOptions {
  /** The Next project directory (`runAfterProductionCompile`'s `projectDir`). */
  projectDir: string;
  /** Next's dist directory, absolute or relative to `projectDir`. */
  distDir: string;
  bundler: 'webpack' | 'turbopack';
  nextVersion: string;
  /** `ResolvedConfig` from @action-guard/config (only the fields in `ManifestConfig` are read). */
  config: ManifestConfig;
  /** Environment to read the keys from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Creation time. @default SOURCE_DATE_EPOCH when set (reproducible builds), else now */
  now?: Date;
  /** Build id when the caller knows it. @default read from the dist directory */
  buildId?: string | null;
}

/** What `writeActionManifest` wrote and found. */
export interface WriteActionManifestResult {
  manifestPath: string;
  envelopePath: string | null;
  manifest: ActionManifest;
  /** Everything worth reporting; any `error` must fail the build. */
  findings: Finding[];
}

export { ACTION_GUARD_DIR, ENVELOPE_FILE, MANIFEST_FILE };

/**
 * Where the loader writes one record per transformed module and this step reads them (the build layout of
 * @action-guard/contracts, RECORDS_DIR_SEGMENTS). The loader (packages/next/src/loader.ts) and
 * {@link readFreshRecords} both use this one function.
 */
export function recordsDirFor(distDir: string): string {
  return path.join(distDir, ...RECORDS_DIR_SEGMENTS);
}

async function readServerReferenceManifest(distDir: string): Promise<ServerReferenceManifest> {
  const file = path.join(distDir, 'server', 'server-reference-manifest.json');
  const text = await readIfExists(file);
  // No App Router, no actions: Next writes no server-reference manifest.
  if (text === null) return { node: {}, edge: {} };
  try {
    const parsed = JSON.parse(text) as Partial<ServerReferenceManifest>;
    return { node: parsed.node ?? {}, edge: parsed.edge ?? {}, ...(typeof parsed.encryptionKey === 'string' ? { encryptionKey: parsed.encryptionKey } : {}) };
  } catch {
    // The message names the file but quotes none of it: the file holds the encryption key.
    throw new Error(`${file} is not valid JSON; rebuild with \`next build\` (the file is written by Next)`);
  }
}

function isRecordFile(value: unknown): value is RecordFile {
  const v = value as RecordFile;
  return typeof v === 'object' && v !== null && typeof v.file === 'string' && typeof v.sourceSha256 === 'string' && Array.isArray(v.actions);
}

/** Reads the loader's records, keeping only those whose source hash matches the file on disk now. */
export async function readFreshRecords(projectDir: string, distDir: string): Promise<RecordFile[]> {
  const dir = recordsDirFor(distDir);
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
  const checked = await mapConcurrently(names, READ_CONCURRENCY, async (name): Promise<RecordFile | null> => {
    const text = await readIfExists(path.join(dir, name));
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null; // a half-written record from a killed worker: the file's actions then show up as unguarded
    }
    if (!isRecordFile(parsed)) return null;
    const current = await sha256OfFile(path.resolve(projectDir, parsed.file));
    return current !== null && current === parsed.sourceSha256 ? parsed : null;
  });
  return checked.filter((record): record is RecordFile => record !== null);
}

function createdAt(options: WriteActionManifestOptions, env: Record<string, string | undefined>): string {
  if (options.now) return options.now.toISOString();
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

/**
 * The post-build step: joins Next's server-reference manifest with the transform's records, writes
 * `<distDir>/action-guard/manifest.json` (RFC 8785 bytes) and, when ACTION_GUARD_SIGNING_KEY is set,
 * `manifest.dsse.json`. Never writes, logs or returns the encryption key.
 */
export async function writeActionManifest(options: WriteActionManifestOptions): Promise<WriteActionManifestResult> {
  const env = options.env ?? process.env;
  const projectDir = path.resolve(options.projectDir);
  const distDir = path.resolve(projectDir, options.distDir);
  const findings: Finding[] = [];

  const serverManifest = await readServerReferenceManifest(distDir);
  const builtKey = serverManifest.encryptionKey;
  delete serverManifest.encryptionKey;

  const envKey = env[ENCRYPTION_KEY_ENV];
  const keyCheck = checkEncryptionKey(envKey);
  if (!keyCheck.ok && keyCheck.reason !== 'missing') {
    findings.push(createFinding('malformed-encryption-key', 'error', { message: keyCheck.problem, fix: keyCheck.fix }));
  } else if (!keyCheck.ok && options.config.encryptionKey.missing !== 'off') {
    findings.push(
      createFinding('missing-encryption-key', options.config.encryptionKey.missing === 'error' ? 'error' : 'warning', {
        message: keyCheck.problem,
        fix: keyCheck.fix,
      }),
    );
  }
  // Fingerprint the key the build actually used (Next's manifest), which equals the env key when one is set.
  const usedKey = builtKey ?? envKey;
  const encryptionKey = usedKey
    ? { fingerprint: await fingerprintEncryptionKey(usedKey), source: envKey ? ('env' as const) : ('generated' as const) }
    : null;

  const [records, clientTokens, gitCommit, buildId] = await Promise.all([
    readFreshRecords(projectDir, distDir),
    collectClientIdTokens(distDir),
    readGitCommit(projectDir),
    options.buildId !== undefined ? Promise.resolve(options.buildId) : readBuildId(distDir),
  ]);

  const built = buildManifest({
    serverReferenceManifest: serverManifest,
    records,
    meta: {
      generator: { name: 'action-guard', version: pkg.version },
      nextVersion: options.nextVersion,
      bundler: options.bundler,
      buildId,
      gitCommit,
      createdAt: createdAt(options, env),
      encryptionKey,
    },
    config: options.config,
    isReferencedByClient: (id) => clientTokens.has(id),
    normalizeFile: createFileNormalizer(projectDir, existsSync),
  });
  findings.push(...(await withoutServerPassedActions(built.findings, built.manifest.actions, projectDir)));

  const outDir = path.join(distDir, ACTION_GUARD_DIR);
  const manifestPath = path.join(outDir, MANIFEST_FILE);
  const envelopePath = path.join(outDir, ENVELOPE_FILE);
  const bytes = built.bytes;
  await writeFileAtomic(manifestPath, bytes);

  let envelope: DsseEnvelope | null = null;
  const signingKey = env[SIGNING_KEY_ENV];
  if (signingKey) {
    try {
      envelope = signManifest(bytes, parseSigningKey(signingKey));
    } catch (error) {
      if (!(error instanceof SigningKeyError)) throw error;
      findings.push(createFinding('invalid-signing-key', 'error', { message: error.message, fix: error.fix }));
    }
  } else {
    findings.push(
      createFinding('missing-signing-key', options.config.manifest.requireSignature ? 'error' : 'warning', {
        message: `${SIGNING_KEY_ENV} is not set, so ${path.relative(projectDir, manifestPath)} was written unsigned and cannot be verified`,
        fix: `create a key with \`action-guard signing-key generate --out DIR\`, keep the private key in your CI secrets as ${SIGNING_KEY_ENV}, and verify with the public key`,
      }),
    );
  }
  if (envelope) {
    await writeFileAtomic(envelopePath, `${serializeEnvelope(envelope)}\n`);
  } else {
    // Never leave an envelope from an earlier build next to a manifest it does not sign.
    await fs.rm(envelopePath, { force: true });
  }

  return { manifestPath, envelopePath: envelope ? envelopePath : null, manifest: built.manifest, findings };
}
