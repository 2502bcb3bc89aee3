/** Header the instrumentation hook stamps with the socket's peer address (see `registerClientIpStamp`). */
export const CLIENT_IP_HEADER = 'x-action-guard-client-ip';

/**
 * Header the instrumentation hook stamps beside `CLIENT_IP_HEADER`: an HMAC of the address under a key this process
 * drew at random when the hook was registered. A client can send both headers, but cannot make a signature that
 * verifies, so a request that reached the action without passing through the stamp (an https or http2 server the
 * hook does not wrap, a custom server, a second process) is never trusted for its address.
 */
export const CLIENT_IP_SIGNATURE_HEADER = 'x-action-guard-client-ip-signature';

/**
 * Where `registerClientIpStamp()` leaves the verifier of its signatures: on `globalThis` under a registry symbol,
 * because instrumentation.ts and the actions are bundled separately (Next may even bundle the runtime into several
 * chunks), yet run in one realm of one process. Present only in a process that installed the stamp.
 * Invariant: instrumentation.ts writes this shape; `readSocketAddress` below reads it.
 */
export const CLIENT_IP_STAMP_REGISTRY = Symbol.for('action-guard.client-ip-stamp.verifier');

/** What the stamp leaves in the registry. */
export interface ClientIpStampVerifier {
  /** Whether `signature` is this process's signature of `address`. */
  verify(address: string, signature: string): boolean;
}

function stampVerifier(): ClientIpStampVerifier | null {
  const verifier = (globalThis as { [CLIENT_IP_STAMP_REGISTRY]?: ClientIpStampVerifier })[CLIENT_IP_STAMP_REGISTRY];
  return typeof verifier?.verify === 'function' ? verifier : null;
}

/** Where the client address comes from. */
export type ClientIpOption =
  | 'socket'
  | { trustProxyHeader: string; hops: number }
  | { trustProxyHeader: string; proxies: readonly string[] }
  | { trustedProxy: { header: string; hops: number } }
  | { trustedProxy: { header: string; proxies: readonly string[] } }
  | { header: string }
  | ((headers: Headers) => string | null);

/** A resolved reader: headers in, address (or null when none can be trusted) out, and why when none. */
export interface ClientIpReader {
  /** The caller's address, or null when no trustworthy one is known. */
  read(headers: Headers): string | null;
  /** Why `read(headers)` gave null, and how to fix it: for the one log line and event. */
  explainMissing(headers: Headers): string;
}

const FIXES =
  'Fix: call registerClientIpStamp() from instrumentation.ts register() (Node.js runtime), or, behind a proxy you ' +
  "control that overwrites the header, set defineRuntime({ clientIp: { trustProxyHeader: 'x-forwarded-for', hops: 1 } }), " +
  'or pass clientIp: (headers) => address.';

/**
 * The default (`'socket'`): the address stamped by `registerClientIpStamp()`, trusted only when this process
 * installed the stamp and its signature verifies. Otherwise the header is just something a client sent.
 */
function socketReader(): ClientIpReader {
  return {
    read(headers) {
      const verifier = stampVerifier();
      if (verifier === null) return null;
      const address = headers.get(CLIENT_IP_HEADER);
      const signature = headers.get(CLIENT_IP_SIGNATURE_HEADER);
      if (address === null || signature === null || !verifier.verify(address, signature)) return null;
      return normalizeAddress(address);
    },
    explainMissing(headers) {
      if (stampVerifier() === null) {
        return (
          'registerClientIpStamp() was not called in this process, so an x-action-guard-client-ip header can only have ' +
          `come from the client (forgeable) and is ignored. ${FIXES}`
        );
      }
      return (
        `this request carries no valid stamp from this process (${headers.has(CLIENT_IP_HEADER) ? 'a forged or foreign signature' : 'no stamp at all'}): ` +
        'it did not pass through the http(s).Server registerClientIpStamp() wraps (an http2 or custom server?). ' +
        FIXES
      );
    },
  };
}

function normalizeAddress(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  // IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what Node reports for IPv4 peers on a dual-stack socket).
  return trimmed.toLowerCase().startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

function splitList(value: string | null): string[] {
  if (value === null) return [];
  return value.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

function proxyReader(where: string, proxy: { header?: unknown; hops?: unknown; proxies?: unknown }): ClientIpReader {
  if (typeof proxy.header !== 'string' || proxy.header === '') {
    throw new TypeError(`defineRuntime: "${where}" must name a header, e.g. "x-forwarded-for".`);
  }
  const header = proxy.header.toLowerCase();
  if (proxy.hops !== undefined) {
    const hops = proxy.hops;
    if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 1) {
      throw new TypeError(`defineRuntime: "clientIp.hops" must be a positive integer (the number of proxies you run in front of the app).`);
    }
    // Each trusted proxy appends the address it received from; the client is `hops` entries from the right.
    // Fewer entries than hops means the request skipped a proxy: nothing in it can be trusted.
    return {
      read(headers) {
        const entries = splitList(headers.get(header));
        return entries.length < hops ? null : normalizeAddress(entries[entries.length - hops]);
      },
      explainMissing: (headers) =>
        `the trusted proxy header ${header} has ${splitList(headers.get(header)).length} entries, fewer than the ${hops} hop(s) configured: ` +
        'the request did not come through your proxies. ' + FIXES,
    };
  }
  if (Array.isArray(proxy.proxies) && proxy.proxies.every((entry) => typeof entry === 'string')) {
    const trusted = new Set((proxy.proxies as string[]).map((entry) => normalizeAddress(entry)));
    // Walk from the right past our own proxies; the first address not in the list is the client's.
    return {
      read(headers) {
        const entries = splitList(headers.get(header)).map(normalizeAddress);
        for (let index = entries.length - 1; index >= 0; index--) {
          if (!trusted.has(entries[index] ?? null)) return entries[index] ?? null;
        }
        return null;
      },
      explainMissing: () => `the trusted proxy header ${header} names no address outside the configured proxies. ${FIXES}`,
    };
  }
  throw new TypeError('defineRuntime: "clientIp" with a trusted proxy header needs "hops" (a positive integer) or "proxies" (a list of addresses).');
}

/** Validates the `clientIp` option and turns it into a reader; throws a TypeError naming the valid forms. */
export function resolveClientIp(option: ClientIpOption | undefined): ClientIpReader {
  const forms =
    "'socket', { trustProxyHeader, hops }, { trustProxyHeader, proxies }, { header }, or a function of the headers";
  if (option === undefined || option === 'socket') return socketReader();
  if (typeof option === 'function') {
    return {
      read: (headers) => {
        const address = option(headers);
        return typeof address === 'string' ? normalizeAddress(address) : null;
      },
      explainMissing: () => `the clientIp function returned no address. ${FIXES}`,
    };
  }
  if (typeof option !== 'object' || option === null) {
    throw new TypeError(`defineRuntime: "clientIp" must be ${forms}.`);
  }
  if ('trustProxyHeader' in option) {
    const valid = ['trustProxyHeader', 'hops', 'proxies'];
    for (const key of Object.keys(option)) {
      if (!valid.includes(key)) throw new TypeError(`defineRuntime: unknown option "clientIp.${key}". Valid options: ${valid.join(', ')}.`);
    }
    const { trustProxyHeader, hops, proxies } = option as { trustProxyHeader?: unknown; hops?: unknown; proxies?: unknown };
    return proxyReader('clientIp.trustProxyHeader', { header: trustProxyHeader, hops, proxies });
  }
  if ('trustedProxy' in option) {
    const proxy = option.trustedProxy as { header?: unknown; hops?: unknown; proxies?: unknown } | null;
    if (typeof proxy !== 'object' || proxy === null) throw new TypeError(`defineRuntime: "clientIp" must be ${forms}.`);
    return proxyReader('clientIp.trustedProxy.header', proxy);
  }
  if ('header' in option && typeof option.header === 'string' && option.header !== '') {
    const header = option.header.toLowerCase();
    return {
      read: (headers) => normalizeAddress(splitList(headers.get(header))[0]),
      explainMissing: () => `the request has no ${header} header (clientIp: { header: '${header}' }). ${FIXES}`,
    };
  }
  throw new TypeError(`defineRuntime: "clientIp" must be ${forms}.`);
}
