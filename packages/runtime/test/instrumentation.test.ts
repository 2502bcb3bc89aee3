import { createServer, request } from 'node:http';
import { expect, test } from 'vitest';
import { CLIENT_IP_HEADER } from '../src/index.js';
import { registerClientIpStamp } from '../src/instrumentation.js';

test('registerClientIpStamp stamps each request with the socket address and drops a client-sent copy', async () => {
  await registerClientIpStamp();
  await registerClientIpStamp(); // a second registration must not wrap twice
  const seen: (string | string[] | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers[CLIENT_IP_HEADER], req.headers['x-forwarded-for']);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { [CLIENT_IP_HEADER]: '6.6.6.6', 'x-forwarded-for': '6.6.6.6' } },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
  // The forged stamp is replaced by the real peer; X-Forwarded-For is left alone (the runtime ignores it by default).
  expect(seen).toEqual(['127.0.0.1', '6.6.6.6']);
});
