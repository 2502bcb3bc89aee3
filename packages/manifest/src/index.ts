/**
 * @action-guard/manifest: the signed action manifest (docs/reference.md §4) and the encryption-key helpers (docs/reference.md §5).
 * Build-time code only; the runtime imports `@action-guard/manifest/key-fingerprint` and nothing else.
 */
export type {
  ActionManifest,
  ActionRecord,
  DsseEnvelope,
  EncryptionKeySource,
  Finding,
  ManifestAction,
  ManifestConfig,
  NormalizedPolicy,
  RevalidateTarget,
  RecordFile,
  ServerReferenceEntry,
  ServerReferenceManifest,
  Severity,
} from './types.js';
export { canonicalBytes, canonicalString, canonicalForm, digestCanonical, inCanonicalOrder } from './canonical-bytes.js';
export { buildManifest, findingsForAction, isAcceptedLibraryAction, libraryOfFile, type BuildManifestInput, type BuiltManifest, type ManifestMeta } from './build-manifest.js';
export {
  writeActionManifest,
  readFreshRecords,
  ACTION_GUARD_DIR,
  recordsDirFor,
  MANIFEST_FILE,
  ENVELOPE_FILE,
  type WriteActionManifestOptions,
  type WriteActionManifestResult,
} from './write-action-manifest.js';
export {
  MANIFEST_PAYLOAD_TYPE,
  SIGNING_KEY_ENV,
  preAuthEncoding,
  signManifest,
  serializeEnvelope,
  verifyEnvelope,
  keyIdFromPublicKey,
  generateSigningKeyPair,
  parseSigningKey,
  toPublicKey,
  SigningKeyError,
  type SigningKeyPair,
  type VerifyFailure,
  type VerifyResult,
} from './dsse.js';
export { diffManifests, comparePolicies, formatRevalidateTarget, CHANGE_CLASSES, type ChangeClass, type ManifestChange, type ManifestDiff } from './diff-manifests.js';
export {
  ENCRYPTION_KEY_ENV,
  generateEncryptionKey,
  checkEncryptionKey,
  type EncryptionKeyCheck,
  type EncryptionKeyProblem,
} from './encryption-key.js';
export { fingerprintEncryptionKey, fingerprintsMatch, FINGERPRINT_PREFIX } from './key-fingerprint.js';
export { MANIFEST_FINDINGS, createFinding, formatFinding, DOCS_BASE, type ManifestFindingName } from './findings.js';
export { parseManifest, ManifestFormatError } from './parse-manifest.js';
export { writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';
export { readGitCommit, collectClientIdTokens } from './project-facts.js';
export { findActionsPassedByServerCode, withoutServerPassedActions, type UnreferencedCandidate } from './server-passed-actions.js';
