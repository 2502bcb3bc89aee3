import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Unit tests of the app's own pure parts (sessions, passwords, money, schemas, the database, authorization).
// The app as a whole is driven through real builds by the end-to-end suite in /test.
export default defineProject({
  resolve: { alias: { '@': path.dirname(fileURLToPath(import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
  },
});
