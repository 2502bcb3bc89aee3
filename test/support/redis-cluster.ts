import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort, isPortFree } from './free-port.js';

const run = promisify(execFile);
const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const CLI_BIN = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';

/** One node of the cluster. */
export interface ClusterNode {
  port: number;
  url: string;
  pid: number;
}

/** A Redis Cluster of three masters and three replicas this test process started on 127.0.0.1. */
export interface RedisClusterHandle {
  nodes: ClusterNode[];
  /** `redis://127.0.0.1:<port>` of every node (all of them are root nodes). */
  urls: string[];
  /** The hash slot of `key` (CLUSTER KEYSLOT). */
  keySlot(key: string): Promise<number>;
  /** The port of the master serving `slot`, as a live node sees it now (null while none does). */
  masterOf(slot: number): Promise<number | null>;
  /** Resolves once every replica of the master on `port` has acknowledged all it wrote so far (bounded: 10 s). */
  replicated(port: number): Promise<void>;
  /** SIGKILLs one node (a crash: no failover handshake) and waits until it has exited. */
  kill(port: number): Promise<void>;
  /** Stops every node that is still running and removes their directories. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(CLI_BIN, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis cluster: ${what} within ${timeoutMs} ms${lastError === null ? '' : `: ${String(lastError)}`}`);
}

/**
 * Starts six redis-servers with `--cluster-enabled yes` (each in its own temp dir, on free 127.0.0.1 ports), joins
 * them with `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes` and waits until every node reports
 * `cluster_state:ok`. `nodeTimeoutMs` is `cluster-node-timeout`: how long a silent master takes to be failed over.
 * Slots of a dead master are refused while no master serves them, the rest keep answering
 * (`cluster-require-full-coverage no`).
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'ag-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const output: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      [...children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < 6) {
      const port = await getFreePort();
      // The cluster bus listens on port + 10000: both must be free, and distinct from the other nodes'.
      if (port + 10_000 > 65_535 || ports.includes(port) || ports.includes(port + 10_000) || ports.includes(port - 10_000) || !(await isPortFree(port + 10_000))) continue;
      ports.push(port);
    }
    for (const port of ports) {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawn(
        REDIS_BIN,
        [
          '--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--save', '', '--appendonly', 'no',
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000), '--cluster-require-full-coverage', 'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      live.add(child);
      child.once('exit', () => live.delete(child));
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(`[${port}] ${chunk}`));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(`[${port}] ${chunk}`));
      children.set(port, child);
    }
    for (const port of ports) await waitFor(`node ${port} answers PING`, 10_000, async () => ((await cli(port, 'PING')).trim() === 'PONG' ? true : null));
    await run(CLI_BIN, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    for (const port of ports) {
      await waitFor(`node ${port} reports cluster_state:ok`, 30_000, async () => ((await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : null));
    }
    // A replica that has not finished its first sync cannot be promoted (it has no data age to offer), so a master
    // killed right after start-up would never be failed over: wait until every replica's link to its master is up.
    for (const port of ports) {
      await waitFor(`node ${port} is a master or a synced replica`, 30_000, async () => {
        const info = await cli(port, 'INFO', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up') ? true : null;
      });
    }
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${output.join('')}`);
  }

  const running = (): number[] => [...children].filter(([, child]) => child.exitCode === null && child.signalCode === null).map(([port]) => port);
  return {
    nodes: [...children].map(([port, child]) => ({ port, url: `redis://127.0.0.1:${port}`, pid: child.pid! })),
    urls: [...children.keys()].map((port) => `redis://127.0.0.1:${port}`),
    async keySlot(key) {
      return Number((await cli(running()[0]!, 'CLUSTER', 'KEYSLOT', key)).trim());
    },
    async masterOf(slot) {
      // CLUSTER SHARDS would be neater; CLUSTER NODES works on every Redis 7: `<id> <ip:port@bus> <flags> … <slots>`.
      for (const port of running()) {
        try {
          const lines = (await cli(port, 'CLUSTER', 'NODES')).trim().split('\n');
          for (const line of lines) {
            const fields = line.split(' ');
            const flags = fields[2] ?? '';
            if (!flags.split(',').includes('master') || flags.includes('fail')) continue;
            for (const range of fields.slice(8)) {
              const [from, to = from] = range.split('-').map(Number);
              if (from !== undefined && to !== undefined && slot >= from && slot <= to) return Number(fields[1]!.split(':')[1]!.split('@')[0]);
            }
          }
          return null;
        } catch {
          // That node is down too; ask the next.
        }
      }
      return null;
    },
    async replicated(port) {
      await waitFor(`the replicas of ${port} catch up`, 10_000, async () => {
        const info = await cli(port, 'INFO', 'replication');
        const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
        const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((match) => Number(match[1]));
        return replicas.length > 0 && replicas.every((replica) => replica >= offset) ? true : null;
      });
    },
    async kill(port) {
      const child = children.get(port);
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    stop,
  };
}
