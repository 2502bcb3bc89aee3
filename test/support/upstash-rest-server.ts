// A local endpoint speaking Upstash's Redis REST protocol in front of a real redis-server, so the real @upstash/redis
// client (and upstashStore() through it) can be tested without the hosted service. Test support only, never shipped.
//
// The protocol as documented (https://upstash.com/docs/redis/features/restapi, https://upstash.com/blog/pipeline):
// - Auth: `Authorization: Bearer <token>` (or the `_token` query parameter); otherwise 401.
// - A command: `POST /` with a JSON array body `["SET","k","v"]`, or path style `GET|POST /set/k/v` (a POST body is
//   appended as the last argument). Answer `{ "result": … }` with 200, or `{ "error": "…" }` with 400 when the
//   command fails or is malformed.
// - `POST /pipeline`: a JSON array of commands; the answer is an array of `{ result }` / `{ error }` in order, 200.
//   `POST /multi-exec`: the same, executed as one MULTI/EXEC transaction.
// - `Upstash-Encoding: base64` (which @upstash/redis sends by default): every string in the result is base64 of its
//   UTF-8 bytes, except the status reply "OK". Integers stay JSON numbers, nil is null, arrays keep their shape.
// - Methods other than HEAD, GET, POST and PUT get 405.
// What Upstash does when its own storage is unreachable is not documented; this server answers 500 with
// `{ "error": … }`, which the client raises as an UpstashError like any other failure.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { getFreePort } from './free-port.js';

/** The running endpoint. */
export interface UpstashRestServerHandle {
  /** `http://127.0.0.1:<port>`: pass as `url` to `new Redis({ url, token })`. */
  url: string;
  token: string;
  /** HTTP requests answered so far (every request, whatever its outcome), by path. */
  requests: { total: number; byPath: Map<string, number>; commands: string[][] };
  /** Stops accepting requests and closes the Redis connection. */
  stop(): Promise<void>;
}

type Reply = string | number | null | Reply[] | RedisReplyError;

class RedisReplyError {
  constructor(readonly message: string) {}
}

/** One RESP2 connection: commands are written in order and replies matched in order (Redis answers in order). */
class RespConnection {
  private socket: Socket | null = null;
  private buffer = Buffer.alloc(0);
  private pending: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];

  constructor(private readonly port: number) {}

  /** Sends commands in one write (so a MULTI…EXEC block cannot interleave with another request's commands). */
  send(commands: string[][]): Promise<Reply[]> {
    const socket = this.open();
    const replies = commands.map(() => new Promise<Reply>((resolve, reject) => this.pending.push({ resolve, reject })));
    socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    if (this.socket !== null) return this.socket;
    const socket = connect({ host: '127.0.0.1', port: this.port });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parseReply(this.buffer, 0);
        if (parsed === null) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.pending.shift()?.resolve(parsed.value);
      }
    });
    const fail = (error: Error): void => {
      if (this.socket === socket) this.socket = null;
      socket.destroy();
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection to Redis closed')));
    return socket;
  }
}

function encodeCommand(args: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function parseReply(buffer: Buffer, start: number): { value: Reply; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd === -1) return null;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  switch (type) {
    case '+':
      return { value: line, end: lineEnd + 2 };
    case '-':
      return { value: new RedisReplyError(line), end: lineEnd + 2 };
    case ':':
      return { value: Number(line), end: lineEnd + 2 };
    case '$': {
      const length = Number(line);
      if (length === -1) return { value: null, end: lineEnd + 2 };
      if (buffer.length < lineEnd + 2 + length + 2) return null;
      return { value: buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + length), end: lineEnd + 2 + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count === -1) return { value: null, end: lineEnd + 2 };
      const items: Reply[] = [];
      let at = lineEnd + 2;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, at);
        if (item === null) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** A reply as JSON, strings base64-encoded when the client asked for it (except "OK"). */
function toJson(reply: Exclude<Reply, RedisReplyError>, base64: boolean): unknown {
  if (Array.isArray(reply)) return reply.map((item) => (item instanceof RedisReplyError ? { error: item.message } : toJson(item, base64)));
  if (typeof reply === 'string' && base64 && reply !== 'OK') return Buffer.from(reply, 'utf8').toString('base64');
  return reply;
}

function isCommand(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.every((part) => ['string', 'number', 'boolean'].includes(typeof part));
}

/** Starts the endpoint on a free 127.0.0.1 port, forwarding to the redis-server on `redisPort`. */
export async function startUpstashRestServer(options: { redisPort: number; token?: string }): Promise<UpstashRestServerHandle> {
  const token = options.token ?? `test-token-${crypto.randomUUID()}`;
  const redis = new RespConnection(options.redisPort);
  const requests = { total: 0, byPath: new Map<string, number>(), commands: [] as string[][] };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.total++;
    requests.byPath.set(url.pathname, (requests.byPath.get(url.pathname) ?? 0) + 1);
    if (!['HEAD', 'GET', 'POST', 'PUT'].includes(request.method ?? '')) return send(405, { error: 'Method not allowed' });
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('_token');
    if (bearer !== token) return send(401, { error: 'Unauthorized' });
    const base64 = String(request.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';

    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');

    const pathParts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const batch = pathParts.length === 1 && (pathParts[0] === 'pipeline' || pathParts[0] === 'multi-exec') ? pathParts[0] : null;
    let commands: string[][];
    try {
      if (batch !== null) {
        const body = JSON.parse(text) as unknown;
        if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) return send(400, { error: 'ERR invalid request body: expected an array of commands' });
        commands = body.map((command) => command.map(String));
      } else if (pathParts.length > 0) {
        commands = [[...pathParts, ...(text.length > 0 ? [text] : [])]];
      } else {
        const body = JSON.parse(text) as unknown;
        if (!isCommand(body)) return send(400, { error: 'ERR invalid request body: expected a command array' });
        commands = [body.map(String)];
      }
    } catch {
      return send(400, { error: 'ERR failed to parse the request body as JSON' });
    }
    requests.commands.push(...commands);

    let replies: Reply[];
    try {
      if (batch === 'multi-exec') {
        const all = await redis.send([['MULTI'], ...commands, ['EXEC']]);
        const exec = all.at(-1)!;
        const queued = all.slice(1, -1).find((reply) => reply instanceof RedisReplyError);
        if (queued !== undefined || exec instanceof RedisReplyError || exec === null) {
          return send(400, { error: (queued as RedisReplyError | undefined)?.message ?? (exec as RedisReplyError | null)?.message ?? 'EXECABORT' });
        }
        replies = exec as Reply[];
      } else {
        replies = await redis.send(commands);
      }
    } catch (error) {
      return send(500, { error: `ERR the database is unreachable: ${(error as Error).message}` });
    }
    const answer = (reply: Reply): { result: unknown } | { error: string } =>
      reply instanceof RedisReplyError ? { error: reply.message } : { result: toJson(reply, base64) };
    if (batch !== null) return send(200, replies.map(answer));
    const single = answer(replies[0]!);
    send('error' in single ? 400 : 200, single);
  }

  const port = await getFreePort();
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    async stop() {
      redis.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
