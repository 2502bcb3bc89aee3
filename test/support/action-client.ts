import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse, type HTMLElement } from 'node-html-parser';

/**
 * The React Flight client bundled inside the app's own `next` (so the wire format always matches the server).
 * We load the production build explicitly because `next start` serves production Flight, whatever NODE_ENV the
 * test runner has. Deep import pinned on purpose: Next exposes no public API for encoding an action call.
 * Source: next/dist/compiled/react-server-dom-webpack/client.edge.js (Next 15.5 and 16.4 alike).
 */
interface FlightClient {
  encodeReply(value: unknown, options?: { temporaryReferences?: unknown }): Promise<string | FormData>;
  createFromReadableStream(stream: ReadableStream<Uint8Array>, options: unknown): PromiseLike<unknown>;
  createTemporaryReferenceSet(): unknown;
}

function loadFlightClient(appDir: string, build: 'production' | 'development'): FlightClient {
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  const nextDir = dirname(requireFromApp.resolve('next/package.json'));
  return requireFromApp(
    join(nextDir, `dist/compiled/react-server-dom-webpack/cjs/react-server-dom-webpack-client.edge.${build}.js`),
  ) as FlightClient;
}

/**
 * The `Next-Router-State-Tree` header the browser sends from a page at `pathname` (static segments only):
 * `prepareFlightRouterStateForRequest` in next/dist/esm/client/flight-data-helpers.js strips it to
 * `[segment, parallelRoutes]` pairs ending in the `__PAGE__` leaf.
 */
export function routerStateTreeHeader(pathname: string): string {
  const segments = pathname.split('/').filter((s) => s.length > 0);
  let node: unknown[] = ['__PAGE__', {}];
  for (const segment of segments.reverse()) node = [segment, { children: node }];
  return encodeURIComponent(JSON.stringify(['', { children: node }]));
}

/** What an action request returned, raw and decoded. */
export interface ActionResponse {
  status: number;
  headers: Headers;
  /** The raw response body, for checks that nothing internal (stacks, paths) leaks. */
  body: string;
  /** The action's return value decoded from the Flight payload (`a` of the root), or undefined. */
  result: unknown;
  /**
   * What the action threw, as the client sees it: Next sends control-flow throws (`notFound()`, …) and errors as a
   * rejected result carrying only a `digest` (e.g. `NEXT_HTTP_ERROR_FALLBACK;404`) and a generic message.
   */
  thrown: { message: string; digest: string | undefined } | null;
  /** `x-action-redirect` (Next 16) or the `Location` of a 303 (Next 15.5), if the action redirected. */
  redirect: string | null;
}

/** Options for one action call. */
export interface CallOptions {
  /** The page the call is made from (the browser posts to its own URL). @default '/' */
  path?: string;
  /** Extra request headers (cookies, forged X-Forwarded-For, Origin, …). */
  headers?: Record<string, string>;
  /**
   * Connect from this local address (any of 127.0.0.0/8 on Linux), to be a second client with a real address of its
   * own: what a socket-derived client IP must tell apart, and a forged header must not.
   * @default the system's choice (127.0.0.1)
   */
  localAddress?: string;
}

/** Result of a no-JS form submission. */
export interface FormPostResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The `Location` header when the server answered with a redirect. */
  location: string | null;
}

/** Talks to a running Next app the way the browser does. */
export interface ActionClient {
  /** A fetch action: POST with `Next-Action`, body from React's `encodeReply`, response decoded as Flight. */
  call(actionId: string, args: unknown[], options?: CallOptions): Promise<ActionResponse>;
  /** The same request with a body written by hand: what a hostile client that skips React's encoder sends. */
  callRaw(actionId: string, body: string, options?: CallOptions): Promise<ActionResponse>;
  /** Fetches `path` as HTML (with optional cookies) and returns the parsed document. */
  page(path: string, headers?: Record<string, string>): Promise<{ status: number; html: string; root: HTMLElement }>;
  /**
   * Submits a form the way a browser without JavaScript does: multipart POST of the form's own hidden fields
   * (React's `$ACTION_*` fields, as server-rendered) plus `fields`, to the form's action URL.
   */
  submitForm(form: HTMLElement, pagePath: string, fields: Array<[string, string | Blob]>, headers?: Record<string, string>): Promise<FormPostResponse>;
}

/** Options for {@link createActionClient}. */
export interface ActionClientOptions {
  /** The server is `next dev`: decode its Flight answers with React's development client. @default false */
  dev?: boolean;
}

/** The parts of a fetch answer `send` reads. */
interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A POST with the given local address: Node's fetch cannot choose one, node:http can. */
async function postFrom(localAddress: string, url: URL, init: { headers: Record<string, string>; body: string | FormData }): Promise<RawResponse> {
  // Let a Request serialise the body (multipart boundary included) exactly as fetch would.
  const prepared = new Request(url, { method: 'POST', headers: init.headers, body: init.body });
  const bytes = Buffer.from(await prepared.arrayBuffer());
  const headers: Record<string, string> = Object.fromEntries(prepared.headers);
  headers['content-length'] = String(bytes.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', headers, localAddress, timeout: 60_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one);
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within 60 s`)));
    req.on('error', reject);
    req.end(bytes);
  });
}

/** Creates an {@link ActionClient} for the app in `appDir` served at `baseUrl`. */
export function createActionClient(baseUrl: string, appDir: string, clientOptions: ActionClientOptions = {}): ActionClient {
  const flight = loadFlightClient(appDir, clientOptions.dev === true ? 'development' : 'production');
  // The payload's rendered tree (`f`) references client components by module id and chunk list. A null module
  // map makes the decoder take those references as they are, and the two loader hooks it then calls resolve to
  // nothing: the test only reads the action's result `a`, so no client module is ever executed here.
  const consumerManifest = { moduleMap: null, serverModuleMap: null, moduleLoading: null };
  const hooks = globalThis as { __webpack_chunk_load__?: unknown; __next_require__?: unknown };
  hooks.__webpack_chunk_load__ ??= () => Promise.resolve();
  hooks.__next_require__ ??= () => ({});

  async function send(
    actionId: string,
    body: string | FormData,
    options: CallOptions,
    temporaryReferences: unknown,
  ): Promise<ActionResponse> {
    const path = options.path ?? '/';
    const url = new URL(path, baseUrl);
    const headers = {
      Accept: 'text/x-component',
      'Next-Action': actionId,
      'Next-Router-State-Tree': routerStateTreeHeader(url.pathname),
      ...options.headers,
    };
    let response: RawResponse;
    if (options.localAddress === undefined) {
      const answer = await fetch(url, { method: 'POST', redirect: 'manual', headers, body, signal: AbortSignal.timeout(60_000) });
      response = { status: answer.status, headers: answer.headers, text: await answer.text() };
    } else {
      response = await postFrom(options.localAddress, url, { headers, body });
    }
    const { text } = response;
    const redirect =
      response.headers.get('x-action-redirect') ?? (response.status === 303 ? response.headers.get('location') : null);
    let result: unknown;
    let thrown: ActionResponse['thrown'] = null;
    if ((response.headers.get('content-type') ?? '').startsWith('text/x-component')) {
      const root = (await flight.createFromReadableStream(new Response(text).body!, {
        serverConsumerManifest: consumerManifest,
        temporaryReferences,
      })) as { a?: unknown } | null;
      try {
        result = root?.a === undefined ? undefined : await root.a;
      } catch (error) {
        const { message, digest } = error as { message: string; digest?: string };
        thrown = { message, digest };
      }
    }
    return { status: response.status, headers: response.headers, body: text, result, thrown, redirect };
  }

  return {
    async call(actionId, args, options = {}) {
      const temporaryReferences = flight.createTemporaryReferenceSet();
      const body = await flight.encodeReply(args, { temporaryReferences });
      return send(actionId, body, options, temporaryReferences);
    },

    callRaw(actionId, body, options = {}) {
      return send(actionId, body, options, flight.createTemporaryReferenceSet());
    },

    async page(path, headers = {}) {
      const response = await fetch(new URL(path, baseUrl), { headers, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
      const html = await response.text();
      return { status: response.status, html, root: parse(html) };
    },

    async submitForm(form, pagePath, fields, headers = {}) {
      const data = new FormData();
      for (const input of form.querySelectorAll('input[type=hidden]')) {
        const name = input.getAttribute('name');
        if (name !== undefined) data.append(name, input.getAttribute('value') ?? '');
      }
      for (const [name, value] of fields) data.append(name, value);
      const target = new URL(form.getAttribute('action') ?? pagePath, new URL(pagePath, baseUrl));
      const response = await fetch(target, {
        method: 'POST',
        redirect: 'manual',
        headers,
        body: data,
        signal: AbortSignal.timeout(60_000),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: await response.text(),
        location: response.headers.get('location'),
      };
    },
  };
}
