import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    redis: 'src/redis.ts',
    upstash: 'src/upstash.ts',
    client: 'src/client.ts',
    default: 'src/default.ts',
    instrumentation: 'src/instrumentation.ts',
    internal: 'src/internal.ts',
    // The two variants of #host-modules (package.json `imports`): kept as files of their own, not bundled into the
    // entries, so that the bundler consuming the runtime picks one by its conditions.
    'host-modules': 'src/host-modules.ts',
    'host-modules.react-server': 'src/host-modules.react-server.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['next', '@redis/client', '@upstash/redis', '@opentelemetry/api', '#host-modules'],
});
