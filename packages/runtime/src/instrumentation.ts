import {
  CLIENT_IP_HEADER,
  CLIENT_IP_SIGNATURE_HEADER,
  CLIENT_IP_STAMP_REGISTRY,
  type ClientIpStampVerifier,
} from './client-ip.js';

// Node only: call it from `instrumentation.ts` `register()` when `process.env.NEXT_RUNTIME === 'nodejs'`.
// Why the socket: `next start` (16.4.6, base-server.js) only fills in a missing X-Forwarded-For and passes a
// client-sent one through unchanged; a wrapped `emit` sees each request before Next does, in the same process
// (verified under `next start`; see "Client IP" in packages/runtime/README.md).

interface IncomingLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string } | null;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type ServerPrototype = { emit: Emit } & Record<symbol, unknown>;

interface NodeCrypto {
  randomBytes(size: number): Uint8Array;
  createHmac(algorithm: string, key: Uint8Array): { update(data: string): { digest(encoding: 'base64url'): string } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

// A new name for the signed stamp: a server prototype patched by an older copy (unsigned stamp) is wrapped again.
const PATCHED = Symbol.for('action-guard.client-ip-stamp.signed');

// The events that hand a server an incoming request: 'request', and the two Node emits instead of it when a client
// sends `Expect:` and the server listens for them. Each must be stamped, or a listener could see a client's copy.
const REQUEST_EVENTS = new Set<string | symbol>(['request', 'checkContinue', 'checkExpectation']);

/**
 * Stamps every incoming HTTP(S) request with `x-action-guard-client-ip` = the socket's peer address and
 * `x-action-guard-client-ip-signature` = its HMAC under a key drawn at random for this process, after deleting any
 * copy of either header the client sent. The runtime's default `clientIp: 'socket'` trusts the address only when
 * this process installed the stamp and the signature verifies. Idempotent (also across bundled copies).
 */
export async function registerClientIpStamp(): Promise<void> {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const load = <T>(id: string): T | undefined => process?.getBuiltinModule?.(id) as T | undefined;
  const http = load<{ Server: { prototype: ServerPrototype } }>('node:http');
  const https = load<{ Server: { prototype: ServerPrototype } }>('node:https');
  const crypto = load<NodeCrypto>('node:crypto');
  if (http === undefined || crypto === undefined) {
    throw new Error('registerClientIpStamp() runs in the Node.js runtime only (guard it with NEXT_RUNTIME === "nodejs").');
  }
  const holder = globalThis as { [CLIENT_IP_STAMP_REGISTRY]?: ClientIpStampVerifier };
  // The verifier and the patches are installed together, below, with nothing awaited in between.
  if (holder[CLIENT_IP_STAMP_REGISTRY] !== undefined) return;
  const prototypes = [http.Server.prototype, https?.Server.prototype].filter((prototype) => prototype !== undefined);

  // Never leaves this closure: not in a header, not on globalThis (only the verifier is).
  const key = crypto.randomBytes(32);
  const sign = (address: string): string => crypto.createHmac('sha256', key).update(address).digest('base64url');
  const encoder = new TextEncoder();
  holder[CLIENT_IP_STAMP_REGISTRY] = Object.freeze({
    verify(address: string, signature: string): boolean {
      const expected = encoder.encode(sign(address));
      const given = encoder.encode(signature);
      return expected.length === given.length && crypto.timingSafeEqual(expected, given);
    },
  });

  for (const prototype of prototypes) {
    if (prototype[PATCHED] === true) continue;
    const original = prototype.emit;
    prototype.emit = function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (REQUEST_EVENTS.has(event)) {
        const request = args[0] as IncomingLike | undefined;
        if (request !== undefined && typeof request.headers === 'object' && request.headers !== null) {
          // Node lower-cases header names and joins repeats, so one delete removes every client-sent copy.
          delete request.headers[CLIENT_IP_HEADER];
          delete request.headers[CLIENT_IP_SIGNATURE_HEADER];
          const address = request.socket?.remoteAddress;
          if (typeof address === 'string' && address !== '') {
            request.headers[CLIENT_IP_HEADER] = address;
            request.headers[CLIENT_IP_SIGNATURE_HEADER] = sign(address);
          }
        }
      }
      return original.call(this, event, ...args);
    };
    prototype[PATCHED] = true;
  }
}
