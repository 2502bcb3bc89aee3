import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    redis: 'src/redis.ts',
    client: 'src/client.ts',
    default: 'src/default.ts',
    instrumentation: 'src/instrumentation.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['next', 'redis', '@opentelemetry/api'],
});
