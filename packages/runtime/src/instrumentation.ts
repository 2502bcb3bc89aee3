import { CLIENT_IP_HEADER } from './client-ip.js';

// Node only: call it from `instrumentation.ts` `register()` when `process.env.NEXT_RUNTIME === 'nodejs'`.
// Verified under `next start` 16.4.6 (shared/NEXT-INTERNALS.md, "the socket address can reach an action"):
// `next start` forwards a client-sent X-Forwarded-For unchanged, so the peer address must come from the socket.

interface IncomingLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string } | null;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

const PATCHED = Symbol.for('action-guard.client-ip-stamp');

/**
 * Stamps every incoming HTTP request with `x-action-guard-client-ip` = the socket's peer address, after deleting
 * any copy the client sent, so the runtime's default `clientIp: 'socket'` can trust it. Idempotent.
 */
export async function registerClientIpStamp(): Promise<void> {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const http = process?.getBuiltinModule?.('node:http') as { Server: { prototype: { emit: Emit } & Record<symbol, unknown> } } | undefined;
  if (http === undefined) {
    throw new Error('registerClientIpStamp() runs in the Node.js runtime only (guard it with NEXT_RUNTIME === "nodejs").');
  }
  const prototype = http.Server.prototype;
  if (prototype[PATCHED] === true) return;
  const original = prototype.emit;
  prototype.emit = function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const request = args[0] as IncomingLike | undefined;
      if (request !== undefined && typeof request.headers === 'object') {
        delete request.headers[CLIENT_IP_HEADER];
        const address = request.socket?.remoteAddress;
        if (typeof address === 'string' && address !== '') request.headers[CLIENT_IP_HEADER] = address;
      }
    }
    return original.call(this, event, ...args);
  };
  prototype[PATCHED] = true;
}
