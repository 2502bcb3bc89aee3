import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// next.config is evaluated in Next's main process and again in its workers, so what the plugin loads there is paid
// several times per build. The transform (Babel's parser) belongs in the loader only.
test("loading the plugin the way next.config does never loads the transform's parser", () => {
  const script = `
    const { createRequire } = require('node:module');
    const requireHere = createRequire(${JSON.stringify(path.join(packageDir, 'package.json'))});
    requireHere('@action-guard/next');
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify({
      parser: loaded.some((file) => file.includes('@babel/parser')),
      transform: loaded.some((file) => /crates-free-js-transform[\\\\/]dist[\\\\/]index/.test(file)),
      plugin: loaded.some((file) => /packages[\\\\/]next[\\\\/]dist[\\\\/]index/.test(file)),
    }));
  `;
  const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  expect(result).toEqual({ parser: false, transform: false, plugin: true });
});
