import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { getFreePort } from './free-port.js';

/** A redis-server this test process started on 127.0.0.1. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** The TCP port it listens on (kept across `restart()`). */
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it runs without persistence) and waits until it answers PING. */
  restart(): Promise<void>;
}

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Resolves when something on `port` answers a Redis PING with PONG. */
async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function launch(port: number): { child: ChildProcess; output: () => string } {
  // No persistence: tests own their data, and `--save ''` keeps the server from writing dump files into the cwd.
  const child = spawn(
    REDIS_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  const chunks: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.once('error', (error) => chunks.push(String(error)));
  return { child, output: () => chunks.join('') };
}

async function waitUntilReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited before answering PING:\n${output()}`);
    }
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** Spawns Debian's redis-server on a free 127.0.0.1 port and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const port = await getFreePort();
  let current = launch(port);
  await waitUntilReady(port, current.child, current.output);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => terminate(current.child),
    async restart() {
      await terminate(current.child);
      current = launch(port);
      await waitUntilReady(port, current.child, current.output);
    },
  };
}
