import { spawn, type ChildProcess } from 'node:child_process';

/** Process groups this test process started and has not yet stopped; killed on exit so nothing outlives a crash. */
const liveGroups = new Set<number>();

process.once('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the whole process group: `next start` forks workers that must die with it.
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Options for {@link spawnGroup}. */
export interface SpawnGroupOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

/** A child process running in its own process group, with its combined output kept in memory. */
export interface GroupProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far, interleaved as it arrived. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process exits. */
  exited: Promise<number | null>;
  /** Sends SIGTERM to the group, then SIGKILL after `graceMs`, and resolves when the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `command` in a new process group so that the group (and every worker it forks) can be stopped at once. */
export function spawnGroup(command: string, args: string[], options: SpawnGroupOptions): GroupProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  liveGroups.add(pid);
  const chunks: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      chunks.push(String(error));
      resolve(null);
    });
  });
  void exited.then(() => {
    // The leader is gone; make sure no worker of its group lingers either.
    killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  });
  return {
    child,
    output: () => chunks.join(''),
    exited,
    async stop(graceMs = 5_000) {
      if (!liveGroups.has(pid)) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The outcome of a process run to completion by {@link runToCompletion}. */
export interface CompletedProcess {
  exitCode: number | null;
  output: string;
  durationMs: number;
  timedOut: boolean;
}

/** Runs a command to completion, killing its whole group if it runs longer than `timeoutMs`. */
export async function runToCompletion(
  command: string,
  args: string[],
  options: SpawnGroupOptions & { timeoutMs: number },
): Promise<CompletedProcess> {
  const started = performance.now();
  const proc = spawnGroup(command, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop();
  }, options.timeoutMs);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  return { exitCode, output: proc.output(), durationMs: performance.now() - started, timedOut };
}
