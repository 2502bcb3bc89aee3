import type { ActionManifest } from './types.js';

/** Raised when a file is not an action-guard manifest; the message says which field is wrong. */
export class ManifestFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestFormatError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses manifest JSON (text or a parsed value) and checks the fields the CLI relies on, so that a wrong file
 * (Next's own server-reference manifest, an envelope, a truncated download) is named as such instead of crashing later.
 */
export function parseManifest(input: string | unknown): ActionManifest {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new ManifestFormatError('it is not valid JSON');
    }
  }
  if (!isObject(value)) throw new ManifestFormatError('it is not a JSON object');
  if ('payloadType' in value && 'signatures' in value) {
    throw new ManifestFormatError('it is a DSSE envelope, not a manifest (pass manifest.json, or use `manifest verify` for the envelope)');
  }
  if ('node' in value && 'edge' in value) {
    throw new ManifestFormatError("it is Next's server-reference-manifest.json, not action-guard's manifest.json");
  }
  if (value.schemaVersion !== 1) throw new ManifestFormatError(`schemaVersion is ${JSON.stringify(value.schemaVersion)}, this CLI reads 1`);
  if (!Array.isArray(value.actions)) throw new ManifestFormatError('"actions" is not an array');
  value.actions.forEach((action, index) => {
    if (!isObject(action)) throw new ManifestFormatError(`actions[${index}] is not an object`);
    for (const field of ['id', 'ref', 'file'] as const) {
      if (typeof action[field] !== 'string') throw new ManifestFormatError(`actions[${index}].${field} is not a string`);
    }
    if (typeof action.guarded !== 'boolean') throw new ManifestFormatError(`actions[${index}].guarded is not a boolean`);
    if (action.policy !== null && !isObject(action.policy)) throw new ManifestFormatError(`actions[${index}].policy is not an object or null`);
  });
  return value as unknown as ActionManifest;
}
