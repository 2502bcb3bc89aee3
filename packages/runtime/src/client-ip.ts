/** Header the instrumentation hook stamps with the socket's peer address (see `registerClientIpStamp`). */
export const CLIENT_IP_HEADER = 'x-action-guard-client-ip';

/** The shared bucket every caller falls into when no trustworthy address is known. */
export const UNKNOWN_IP = 'unknown-ip';

/** Where the client address comes from. */
export type ClientIpOption =
  | 'socket'
  | { trustedProxy: { header: string; hops: number } }
  | { trustedProxy: { header: string; proxies: readonly string[] } }
  | { header: string }
  | ((headers: Headers) => string | null);

/** A resolved reader: headers in, address (or null when unknown) out. */
export type ClientIpReader = (headers: Headers) => string | null;

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

/** Validates the `clientIp` option and turns it into a reader; throws a TypeError naming the valid forms. */
export function resolveClientIp(option: ClientIpOption | undefined): ClientIpReader {
  const forms =
    "'socket', { trustedProxy: { header, hops } }, { trustedProxy: { header, proxies } }, { header }, or a function";
  if (option === undefined || option === 'socket') {
    return (headers) => normalizeAddress(headers.get(CLIENT_IP_HEADER));
  }
  if (typeof option === 'function') return (headers) => normalizeAddress(option(headers));
  if (typeof option !== 'object' || option === null) {
    throw new TypeError(`defineRuntime: "clientIp" must be ${forms}.`);
  }
  if ('trustedProxy' in option) {
    const proxy = option.trustedProxy as { header?: unknown; hops?: unknown; proxies?: unknown };
    if (typeof proxy?.header !== 'string' || proxy.header === '') {
      throw new TypeError('defineRuntime: "clientIp.trustedProxy.header" must name a header, e.g. "x-forwarded-for".');
    }
    const header = proxy.header.toLowerCase();
    if ('hops' in proxy) {
      const hops = proxy.hops;
      if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 1) {
        throw new TypeError('defineRuntime: "clientIp.trustedProxy.hops" must be a positive integer.');
      }
      // Each trusted proxy appends the address it received from; the client is `hops` entries from the right.
      // Fewer entries than hops means the request skipped a proxy: nothing in it can be trusted.
      return (headers) => {
        const entries = splitList(headers.get(header));
        return entries.length < hops ? null : normalizeAddress(entries[entries.length - hops]);
      };
    }
    if (Array.isArray(proxy.proxies) && proxy.proxies.every((entry) => typeof entry === 'string')) {
      const trusted = new Set((proxy.proxies as string[]).map((entry) => normalizeAddress(entry)));
      // Walk from the right past our own proxies; the first address not in the list is the client's.
      return (headers) => {
        const entries = splitList(headers.get(header)).map(normalizeAddress);
        for (let index = entries.length - 1; index >= 0; index--) {
          if (!trusted.has(entries[index] ?? null)) return entries[index] ?? null;
        }
        return null;
      };
    }
    throw new TypeError('defineRuntime: "clientIp.trustedProxy" needs "hops" (a positive integer) or "proxies" (a list of addresses).');
  }
  if ('header' in option && typeof option.header === 'string' && option.header !== '') {
    const header = option.header.toLowerCase();
    return (headers) => normalizeAddress(splitList(headers.get(header))[0]);
  }
  throw new TypeError(`defineRuntime: "clientIp" must be ${forms}.`);
}
