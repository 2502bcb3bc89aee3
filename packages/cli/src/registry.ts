import type { CommandModule, Format } from './command.js';

/** An option of a command, as `node:util` parseArgs takes it, with the line `--help` prints. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
}

/** A registered command: how it is called, and how to load it (lazily, so `--help` loads nothing). */
export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  maxPositionals: number;
  formats: readonly Format[];
  load: () => Promise<CommandModule<any>>;
}

const FORMAT_ALL = ['table', 'json', 'sarif', 'markdown'] as const;
const FORMAT_BASIC = ['table', 'json'] as const;

/** Every command of the CLI (docs/reference.md §6). */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'audit',
    usage: 'audit [--cwd DIR] [--fail-on-stale] [--format table|json|sarif|markdown]',
    summary: 'analyse every Server Action with the build’s transform and config, without building',
    options: {
      cwd: { type: 'string', help: 'project root (default: current directory)' },
      'fail-on-stale': { type: 'boolean', help: 'exit 1 when action-guard.baseline.json lists findings that no longer occur' },
    },
    maxPositionals: 0,
    formats: FORMAT_ALL,
    load: async () => (await import('./commands/audit.js')).command,
  },
  {
    name: 'init',
    usage: 'init [--cwd DIR] [--write]',
    summary: 'adopt action-guard in an existing app: wrap next.config, write the config and a runtime module (prints a diff)',
    options: {
      cwd: { type: 'string', help: 'project root (default: current directory)' },
      write: { type: 'boolean', help: 'apply the changes (default: only print the diff)' },
    },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/init.js')).command,
  },
  {
    name: 'baseline',
    usage: 'baseline [--cwd DIR] [--prune]',
    summary: 'record today’s findings in action-guard.baseline.json (build and audit report them as warnings); --prune drops fixed ones',
    options: {
      cwd: { type: 'string', help: 'project root (default: current directory)' },
      prune: { type: 'boolean', help: 'only remove entries whose finding no longer occurs; never add one' },
    },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/baseline.js')).command,
  },
  {
    name: 'suggest',
    usage: 'suggest [--cwd DIR] [--write]',
    summary: 'propose @requiresAuth / @role / @schema, with evidence, from what each unguarded action’s body already does',
    options: {
      cwd: { type: 'string', help: 'project root (default: current directory)' },
      write: { type: 'boolean', help: 'merge the tags into the JSDoc blocks and prune the baseline entries they resolve' },
    },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/suggest.js')).command,
  },
  {
    name: 'manifest show',
    usage: 'manifest show [FILE] [--format table|json|markdown]',
    summary: 'print a manifest (default .next/action-guard/manifest.json)',
    options: {},
    maxPositionals: 1,
    formats: ['table', 'json', 'markdown'],
    load: async () => (await import('./commands/manifest-show.js')).command,
  },
  {
    name: 'manifest verify',
    usage: 'manifest verify [ENVELOPE|DIR] --public-key FILE|VALUE [--format table|json]',
    summary: 'check the DSSE signature of a manifest (default .next/action-guard)',
    options: { 'public-key': { type: 'string', help: 'Ed25519 public key: a PEM file, or the key itself as base64 of the PEM or --public-key="$(cat key.pem)"' } },
    maxPositionals: 1,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/manifest-verify.js')).command,
  },
  {
    name: 'manifest diff',
    usage: 'manifest diff OLD NEW [--fail-on added,removed,added-public,weakened] [--format table|json|sarif|markdown]',
    summary: 'classify every change between two manifests',
    options: { 'fail-on': { type: 'string', help: 'change classes that exit 1 (default added-public,weakened; "none" for never)' } },
    maxPositionals: 2,
    formats: FORMAT_ALL,
    load: async () => (await import('./commands/manifest-diff.js')).command,
  },
  {
    name: 'keys generate',
    usage: 'keys generate [--env-file FILE]',
    summary: 'make a NEXT_SERVER_ACTIONS_ENCRYPTION_KEY (printed, or appended to an env file)',
    options: { 'env-file': { type: 'string', help: 'append the key to this env file instead of printing it' } },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/keys.js')).generateCommand,
  },
  {
    name: 'keys check',
    usage: 'keys check [--manifest FILE]',
    summary: 'validate the key in the environment; with --manifest, that the build used it',
    options: { manifest: { type: 'string', help: 'manifest (or its directory) to compare fingerprints with' } },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/keys.js')).checkCommand,
  },
  {
    name: 'keys fingerprint',
    usage: 'keys fingerprint',
    summary: 'print the fingerprint of the key in the environment',
    options: {},
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/keys.js')).fingerprintCommand,
  },
  {
    name: 'keys rotate',
    usage: 'keys rotate --env-file FILE [--manifest FILE]',
    summary: 'replace the key in an env file, keep the previous one, and print the impact',
    options: {
      'env-file': { type: 'string', help: 'env file to edit in place' },
      manifest: { type: 'string', help: 'manifest of the current deploy, to count affected actions' },
    },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/keys.js')).rotateCommand,
  },
  {
    name: 'signing-key generate',
    usage: 'signing-key generate --out DIR',
    summary: 'make an Ed25519 key pair for signing manifests',
    options: { out: { type: 'string', help: 'directory for manifest-signing.key.pem and .pub.pem' } },
    maxPositionals: 0,
    formats: FORMAT_BASIC,
    load: async () => (await import('./commands/signing-key.js')).command,
  },
];

/** Finds the command named by the leading words of argv (`manifest verify …`). */
export function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | null {
  for (const spec of COMMANDS) {
    const words = spec.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { spec, rest: argv.slice(words.length) };
  }
  return null;
}
