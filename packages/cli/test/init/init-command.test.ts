import { describe, expect, test } from 'vitest';
import { init } from '../../src/commands/init.js';
import { memoryContext, run } from '../helpers.js';

const pkg = (deps: Record<string, string>) => JSON.stringify({ name: 'app', dependencies: { next: '16.0.0', react: '19.0.0', ...deps } });

const authJsApp = {
  '/project/package.json': pkg({ 'next-auth': '5.0.0-beta.29', zod: '^3.25.0' }),
  '/project/tsconfig.json': '{}',
  '/project/next.config.ts': "import type { NextConfig } from 'next';\n\nconst nextConfig: NextConfig = {};\n\nexport default nextConfig;\n",
  '/project/auth.ts': "import NextAuth from 'next-auth';\nexport const { handlers, auth, signIn, signOut } = NextAuth({ providers: [] });\n",
  '/project/app/page.tsx': 'export default function Page() { return null; }\n',
};

describe('action-guard init', () => {
  test('prints a diff and writes nothing without --write', async () => {
    const { ctx, volume } = memoryContext(authJsApp);
    const result = await init({}, ctx);
    expect(result.changes.map((c) => c.file)).toEqual(['next.config.ts', 'action-guard.config.ts', 'lib/action-guard.ts']);
    expect(result.changes[0]!.diff).toContain('+export default withActionGuard()(nextConfig);');
    expect(result.changes[0]!.diff).toContain('-export default nextConfig;');
    expect(volume.existsSync('/project/lib/action-guard.ts')).toBe(false);
    expect(result.authLibrary).toBe('authjs');
    expect(result.nextSteps.join('\n')).toMatch(/baseline[\s\S]*suggest[\s\S]*docs\/adopting\.md/);
  });

  test('--write applies it, wires Auth.js auth() from the app, and a second run changes nothing', async () => {
    const { ctx, read } = memoryContext(authJsApp);
    const first = await run(['init', '--write'], ctx);
    expect(first.code).toBe(0);
    expect(read('action-guard.config.ts')).toBe("export default {\n  runtime: './lib/action-guard.ts',\n};\n");
    const runtime = read('lib/action-guard.ts');
    expect(runtime).toContain("import { auth } from '../auth';");
    expect(runtime).toContain('const session = await auth();');
    const config = read('next.config.ts');
    const second = await init({ write: true }, ctx);
    expect(second.changes).toEqual([]);
    expect(second.unchanged.map((u) => u.file)).toEqual(['next.config.ts', 'action-guard.config.ts', 'lib/action-guard.ts']);
    expect(read('next.config.ts')).toBe(config);
  });

  test('uses src/lib in a src/ layout and wires each known library', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ '@clerk/nextjs': '^6.0.0' }, 'clerk', /from '@clerk\/nextjs\/server'[\s\S]*const \{ userId \} = await auth\(\)/],
      [{ '@supabase/ssr': '^0.6.0', '@supabase/supabase-js': '^2.0.0' }, 'supabase', /createServerClient[\s\S]*supabase\.auth\.getUser\(\)/],
      [{ 'iron-session': '^8.0.0' }, 'iron-session', /getIronSession<\{ userId\?: string \}>\(await cookies\(\)/],
      [{}, 'unknown', /session: async \(\): Promise<Session \| null> => null,/],
    ];
    for (const [deps, library, wiring] of cases) {
      const { ctx, read } = memoryContext({
        '/project/package.json': pkg(deps),
        '/project/tsconfig.json': '{}',
        '/project/next.config.mjs': 'export default {};\n',
        '/project/src/app/page.tsx': 'export default function Page() { return null; }\n',
      });
      const result = await init({ write: true }, ctx);
      expect(result.authLibrary).toBe(library);
      expect(read('action-guard.config.ts')).toContain("runtime: './src/lib/action-guard.ts'");
      expect(read('src/lib/action-guard.ts')).toMatch(wiring);
      // Only Clerk's provider registers the library's own actions in the app (measured: test/fixtures/adopt-clerk).
      const accepted = /manifest: \{ libraryActions: \['@clerk\/nextjs'\] \}/.test(read('action-guard.config.ts'));
      expect(accepted).toBe(library === 'clerk');
    }
  });

  test('better-auth imports the app’s own auth instance; without one found, session() is the typed null', async () => {
    const files = {
      '/project/package.json': pkg({ 'better-auth': '^1.2.0' }),
      '/project/tsconfig.json': '{}',
      '/project/next.config.ts': 'export default {};\n',
      '/project/src/app/page.tsx': '',
      '/project/src/lib/auth.ts': "import { betterAuth } from 'better-auth';\nexport const auth = betterAuth({});\n",
    };
    const { ctx, read } = memoryContext(files);
    await init({ write: true }, ctx);
    expect(read('src/lib/action-guard.ts')).toMatch(/import \{ auth \} from '\.\/auth';[\s\S]*auth\.api\.getSession\(\{ headers: await headers\(\) \}\)/);
    const { '/project/src/lib/auth.ts': _, ...withoutAuth } = files;
    const bare = memoryContext(withoutAuth);
    await init({ write: true }, bare.ctx);
    expect(bare.read('src/lib/action-guard.ts')).toContain('=> null,');
  });

  test('a config it cannot edit exits 1 with the two lines, and writes the other files', async () => {
    const { ctx, read } = memoryContext({
      '/project/package.json': pkg({}),
      '/project/next.config.js': 'const c = {};\nmodule.exports = c;\nmodule.exports = { ...c };\n',
    });
    const out = await run(['init', '--write'], ctx);
    expect(out.code, out.stdout).toBe(1);
    expect(out.stdout).toContain("const { withActionGuard } = require('@action-guard/next');");
    expect(out.stdout).toContain('assigns module.exports 2 times');
    expect(read('action-guard.config.mjs')).toContain("runtime: './lib/action-guard.js'");
    expect(read('lib/action-guard.js')).toContain('session: async () => null,');
  });

  test('refuses a directory that is not a Next.js app', async () => {
    const { ctx } = memoryContext({ '/project/package.json': JSON.stringify({ name: 'lib' }) });
    const out = await run(['init'], ctx);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('does not depend on next');
  });
});
