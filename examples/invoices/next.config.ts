import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withActionGuard } from '@action-guard/next';
import type { NextConfig } from 'next';

// The workspace root: @action-guard/* are symlinked workspace packages, and Turbopack only resolves files inside
// its root (and output tracing only copies files inside its root), so both must see the whole monorepo.
const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const nextConfig: NextConfig = {
  reactStrictMode: true,
  turbopack: { root: workspaceRoot },
  outputFileTracingRoot: workspaceRoot,
  // No serverExternalPackages entry for the Redis client: withActionGuard() keeps `@redis/client` external itself.
};

export default withActionGuard()(nextConfig);
