import { join } from 'node:path';
import { BUNDLERS, WORKSPACE_ROOT } from '../support/next-app.js';
import { defineRevalidateSuite } from './revalidate-suite.js';

const appDir = join(WORKSPACE_ROOT, 'test/fixtures/revalidate-app');

// Next 16 (the workspace's Next); e2e/next15.test.ts runs the same suite on next 15.5.
for (const bundler of BUNDLERS) defineRevalidateSuite('next 16', bundler, () => appDir);
