import { AsyncLocalStorage } from 'node:async_hooks';
import { build } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { ensureBuilt } from './fixtures/ensure-built.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

// The scenario runs INSIDE the Edge VM: the built ESM entry plus zod, bundled for the browser platform (so any
// `node:` import would fail the bundle), evaluated with only Web APIs available.
const scenario = `
import { defineRuntime, getValidatedInput, isActionFailure } from ${JSON.stringify(join(packageDir, 'dist', 'index.js'))};
import { z } from 'zod';

const schema = z.object({ title: z.string().min(2), qty: z.coerce.number() });
const meta = (policy) => ({
  ref: 'app/edge.ts#save', file: 'app/edge.ts', exportName: 'save', kind: 'export', line: 1, column: 0,
  policy: { auth: 'required', publicReason: null, roles: [], authorize: null, schema: 'schema', dedupe: null, rateLimit: null, fromRules: [], ...policy },
  schema: () => schema, authorize: null,
});

globalThis.runScenario = async () => {
  const runtime = defineRuntime({ session: () => ({ id: 'edge-user' }), headers: () => new Headers(), tracing: false });
  const form = new FormData();
  form.append('title', 'Hello');
  form.append('qty', '2');
  let executions = 0;
  const action = meta({ dedupe: { source: 'input', name: null, ttlSeconds: 60 }, rateLimit: { limit: 5, windowSeconds: 60, by: 'user' } });
  const body = async () => { executions++; return { input: getValidatedInput(schema), at: new Date(0) }; };
  const first = await runtime.guard(action, [form], body);
  const replay = await runtime.guard(action, [form], body);
  const invalid = await runtime.guard(meta({}), [{ title: 'x', qty: 1 }], async () => 'never');
  let redirected = null;
  try {
    await runtime.guard(meta({}), [{ title: 'ok', qty: 1 }], async () => { throw Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;push;/done;307;' }); });
  } catch (error) { redirected = error.digest; }
  return {
    first: { ...first, at: first.at instanceof Date },
    replayEqual: JSON.stringify(replay) === JSON.stringify(first) && replay.at instanceof Date,
    executions,
    invalid: isActionFailure(invalid) ? invalid.error : null,
    redirected,
  };
};
`;

let bundle: string;
let bundledInputs: string[];
beforeAll(async () => {
  ensureBuilt();
  const result = await build({
    stdin: { contents: scenario, resolveDir: packageDir, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    // Next provides these inside its own bundles; in the VM their dynamic imports simply fail and the runtime copes.
    external: ['next/*', '@opentelemetry/api', '@redis/client'],
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
  bundledInputs = Object.keys(result.metafile.inputs);
}, 120_000);

test('the runtime bundles for the Edge without any node: import', () => {
  expect(bundledInputs.some((input) => input.includes('dist/index.js') || input.includes('dist/chunk-'))).toBe(true);
  expect(bundledInputs.filter((input) => input.startsWith('node:') || /(^|\/)node_modules\/(node-|@types\/node)/.test(input))).toEqual([]);
  expect(bundle).not.toMatch(/\brequire\(["']node:/);
  expect(bundle).not.toMatch(/\bimport\(["']node:/);
});

test('a guarded call runs inside an Edge VM with the memory store: validation, idempotency, rate limit, control flow', async () => {
  const reachedBuiltins: string[] = [];
  const vm = new EdgeRuntime({
    extend: (context) => {
      // What Next's Edge sandbox does (next/dist/server/web/sandbox/context.js): expose AsyncLocalStorage globally.
      Object.assign(context, { AsyncLocalStorage });
      // A `process` whose getBuiltinModule provides nothing and records what was asked for: the runtime must work on
      // Web APIs alone (WebCrypto instead of node:crypto, the global AsyncLocalStorage instead of node:async_hooks).
      Object.assign(context, { process: { env: {}, getBuiltinModule: (id: string) => void reachedBuiltins.push(id) } });
      return context;
    },
  });
  vm.evaluate(bundle);
  const result = await vm.evaluate<Promise<Record<string, unknown>>>('runScenario()');
  expect(JSON.parse(JSON.stringify(result))).toEqual({
    first: { input: { title: 'Hello', qty: 2 }, at: true },
    replayEqual: true,
    executions: 1,
    invalid: expect.objectContaining({ code: 'INVALID_INPUT', fieldErrors: { title: [expect.any(String)] } }),
    redirected: 'NEXT_REDIRECT;push;/done;307;',
  });
  expect(reachedBuiltins).not.toContain('node:async_hooks');
});
