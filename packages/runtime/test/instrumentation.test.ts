import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { CLIENT_IP_HEADER, CLIENT_IP_SIGNATURE_HEADER, defineRuntime, isActionFailure } from '../src/index.js';
import { registerClientIpStamp } from '../src/instrumentation.js';
import { meta } from './helpers.js';

// This process installs the stamp, as an app's instrumentation.ts does.

const byIp = meta({ policy: { auth: 'public', publicReason: 'signup', rateLimit: { limit: 1, windowSeconds: 60, by: 'ip' } } });

function codeOf(result: unknown): string | null {
  return isActionFailure(result) ? result.error.code : null;
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) if (typeof value === 'string') headers.set(name, value);
  return headers;
}

// A server whose handler hands each request's headers (as Next's headers() would see them) to `onRequest`.
let onRequest: (headers: Headers) => Promise<unknown> = async () => null;
const server = createServer((req, res) => {
  void onRequest(toHeaders(req.headers)).then((result) => res.end(JSON.stringify(result ?? null)));
});
let port = 0;

function send(headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  await registerClientIpStamp();
  await registerClientIpStamp(); // a second registration must not wrap twice or change the key
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
});

test('registerClientIpStamp stamps each request with the socket address and its signature, dropping client-sent copies', async () => {
  onRequest = async (headers) => [headers.get(CLIENT_IP_HEADER), headers.get(CLIENT_IP_SIGNATURE_HEADER), headers.get('x-forwarded-for')];
  const [address, signature, xff] = (await send({ [CLIENT_IP_HEADER]: '6.6.6.6', [CLIENT_IP_SIGNATURE_HEADER]: 'forged', 'x-forwarded-for': '6.6.6.6' })) as string[];
  expect(address).toBe('127.0.0.1');
  expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // X-Forwarded-For is left alone (the runtime never trusts it by default).
  expect(xff).toBe('6.6.6.6');
});

describe('by:ip behind the stamp', () => {
  test('attack: forged X-Forwarded-For, x-real-ip and stamp headers do not move a client out of its own bucket', async () => {
    const runtime = defineRuntime({ session: () => null, headers: () => currentHeaders, tracing: false });
    let currentHeaders = new Headers();
    onRequest = async (headers) => {
      currentHeaders = headers;
      return codeOf(await runtime.guard(byIp, [], async () => 'ok')) ?? 'ok';
    };
    expect(await send()).toBe('ok');
    for (let attempt = 0; attempt < 3; attempt++) {
      const forged = `203.0.113.${attempt}`;
      expect(await send({ 'x-forwarded-for': forged, 'x-real-ip': forged, [CLIENT_IP_HEADER]: forged, [CLIENT_IP_SIGNATURE_HEADER]: 'x' })).toBe(
        'RATE_LIMITED',
      );
    }
  });

  test('attack: headers that never passed through the stamp (forged, or a real signature moved to another address) are not trusted', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    onRequest = async (headers) => headers.get(CLIENT_IP_SIGNATURE_HEADER);
    const realSignature = (await send()) as string;
    let headers = new Headers({ [CLIENT_IP_HEADER]: '198.51.100.4', [CLIENT_IP_SIGNATURE_HEADER]: realSignature });
    const runtime = defineRuntime({ session: () => null, headers: () => headers, tracing: false });
    const body = vi.fn(async () => 'ok');
    expect(codeOf(await runtime.guard(byIp, [], body))).toBe('INTERNAL_ERROR');
    headers = new Headers({ [CLIENT_IP_HEADER]: '198.51.100.4', [CLIENT_IP_SIGNATURE_HEADER]: 'A'.repeat(43) });
    expect(codeOf(await runtime.guard(byIp, [], body))).toBe('INTERNAL_ERROR');
    headers = new Headers({ [CLIENT_IP_HEADER]: '198.51.100.4' });
    expect(codeOf(await runtime.guard(byIp, [], body))).toBe('INTERNAL_ERROR');
    expect(body).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toContain('this request carries no valid stamp from this process (a forged or foreign signature)');
    // The genuine pair verifies.
    headers = new Headers({ [CLIENT_IP_HEADER]: '127.0.0.1', [CLIENT_IP_SIGNATURE_HEADER]: realSignature });
    expect(await runtime.guard(byIp, [], body)).toBe('ok');
    error.mockRestore();
  });

  test('a request sent with Expect: 100-continue (the checkContinue event) is stamped too', async () => {
    const seen: (string | undefined)[] = [];
    const continuing = createServer();
    continuing.on('checkContinue', (req, res) => {
      seen.push(req.headers[CLIENT_IP_HEADER] as string | undefined);
      res.writeContinue();
      req.resume().on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => continuing.listen(0, '127.0.0.1', resolve));
    const continuingPort = (continuing.address() as { port: number }).port;
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: continuingPort, method: 'POST', path: '/', headers: { expect: '100-continue', [CLIENT_IP_HEADER]: '6.6.6.6' } },
          (res) => res.resume().on('end', resolve),
        );
        req.on('continue', () => req.end('body'));
        req.on('error', reject);
      });
    } finally {
      continuing.close();
    }
    expect(seen).toEqual(['127.0.0.1']);
  });
});
