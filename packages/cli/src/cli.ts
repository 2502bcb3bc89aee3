import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import type { CommandModule, Format } from './command.js';
import { defaultContext, type CommandContext } from './context.js';
import { CliError } from './errors.js';
import { COMMANDS, findCommand, type CommandSpec } from './registry.js';
import { displaySafe, escapeControl, escapeJsonText } from './render/escape.js';

/** Where the entry writes; tests capture it. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `action-guard ${pkg.version}: build-time policy guard for Next.js Server Actions`,
    '',
    'Usage: action-guard <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --format (see `action-guard <command> --help`) and --help.',
    'Exit codes: 0 fine, 1 a finding or failed verification, 2 bad usage or configuration.',
  ].join('\n');
}

function commandHelp(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' VALUE' : ''}  ${o.help}`);
  return [`Usage: action-guard ${spec.usage}`, '', spec.summary, '', ...options, `  --format ${spec.formats.join('|')}  output format (default table)`].join('\n');
}

function parse(spec: CommandSpec, rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }])),
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const valid = [...Object.keys(spec.options), 'format', 'help'].map((o) => `--${o}`).join(', ');
    throw new CliError(`${spec.name}: ${(error as Error).message}`, `valid options: ${valid}; see \`action-guard ${spec.name} --help\``);
  }
}

/**
 * Runs the CLI: finds the command, lazy-loads it, runs it for data, renders the data in the chosen format and
 * prints it. Returns the exit code (0 fine, 1 finding or failed verification, 2 bad usage or config).
 */
export async function runCli(argv: readonly string[], io: CliIo, context: Partial<CommandContext> = {}): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(`${usage()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const found = findCommand(argv);
  try {
    if (!found) {
      const known = COMMANDS.map((c) => c.name).join(', ');
      throw new CliError(`unknown command: ${argv.slice(0, 2).join(' ')}`, `use one of: ${known}; see \`action-guard --help\``);
    }
    const { spec, rest } = found;
    const parsed = parse(spec, rest);
    if (parsed.values.help) {
      io.stdout(`${commandHelp(spec)}\n`);
      return 0;
    }
    if (parsed.positionals.length > spec.maxPositionals) {
      throw new CliError(`${spec.name}: unexpected argument ${JSON.stringify(parsed.positionals[spec.maxPositionals])}`, `usage: action-guard ${spec.usage}`);
    }
    const format = (parsed.values.format ?? 'table') as Format;
    if (!spec.formats.includes(format)) {
      throw new CliError(`${spec.name}: --format ${String(parsed.values.format)} is not supported`, `use --format ${spec.formats.join('|')}`);
    }
    const module = await spec.load();
    const ctx = defaultContext(context);
    const result = await module.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }, ctx);
    io.stdout(`${renderSafely(module, format, result)}\n`);
    return module.exitCode(result);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(escapeControl(`action-guard: ${error.message}\nfix: ${error.fix}\n`, { keepNewlines: true }));
      return error.exitCode;
    }
    const fsError = describeFsError(error);
    if (fsError) {
      io.stderr(escapeControl(`action-guard: ${fsError}\nfix: check the path and its permissions\n`, { keepNewlines: true }));
      return 2;
    }
    const message = error instanceof Error ? error.stack ?? error.message : String(error);
    io.stderr(escapeControl(`action-guard: internal error (please report it): ${message}\n`, { keepNewlines: true }));
    return 2;
  }
}

/**
 * The one place output is made safe (render/escape.ts): people's formats get a result whose every string is escaped,
 * then the text is checked again; JSON keeps the exact values and only spells the characters JSON.stringify leaves
 * raw as \uXXXX. SARIF is JSON read by people (code-scanning alerts), so it gets both.
 */
function renderSafely<T>(module: CommandModule<T>, format: Format, result: T): string {
  const render = module.render[format] ?? module.render.table;
  if (format === 'json') return escapeJsonText(render(result));
  if (format === 'sarif') return escapeJsonText(render(displaySafe(result)));
  return escapeControl(render(displaySafe(result)), { keepNewlines: true });
}

/** A file-system error from Node (a path that cannot be read or written) as one line, without a stack. */
function describeFsError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException | null;
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.syscall !== 'string') return null;
  return e.path ? `cannot ${e.syscall} ${e.path}: ${e.code}` : `${e.syscall} failed: ${e.code}`;
}
