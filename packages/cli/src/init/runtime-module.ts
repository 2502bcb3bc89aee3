/**
 * The runtime module `init` writes (`lib/action-guard.ts`, or `src/lib/…`): `defineRuntime()` with a `session()` wired
 * to the auth library the app's package.json names. Every template returns `{ id }` or `null`, the shape the runtime
 * checks field by field (packages/runtime/src/session-shape.ts): a wrong shape is an `INTERNAL_ERROR` with a log
 * line naming the field, so the wiring below must be right for each library, not merely type-check.
 */

/** An auth library `init` knows how to wire, or `unknown`. */
export type AuthLibrary = 'authjs' | 'clerk' | 'supabase' | 'better-auth' | 'iron-session' | 'unknown';

/** What the template needs to know about the app. */
export interface RuntimeTemplateInput {
  library: AuthLibrary;
  /**
   * Import specifier, relative to the runtime module, of the app's own auth object (Auth.js: the file that calls
   * `NextAuth()` and exports `auth`; better-auth: the file that exports `auth = betterAuth()`); null when not found.
   */
  authImport: string | null;
  /** `.ts` or `.js` runtime module (a JavaScript app gets JavaScript). */
  typescript: boolean;
}

/**
 * Package names that identify each library in package.json, in the order init checks them. `libraryActions`: the
 * packages whose own Server Actions Next registers in every app using the library (Clerk's `<ClerkProvider>` imports
 * its cache and keyless actions), which init accepts in config `manifest.libraryActions` so that the first build
 * does not fail on actions the app never wrote (docs/adopting.md, "Libraries that ship Server Actions").
 */
export const AUTH_PACKAGES: ReadonlyArray<{ library: Exclude<AuthLibrary, 'unknown'>; packages: string[]; libraryActions?: string[] }> = [
  { library: 'clerk', packages: ['@clerk/nextjs'], libraryActions: ['@clerk/nextjs'] },
  { library: 'supabase', packages: ['@supabase/ssr'] },
  { library: 'better-auth', packages: ['better-auth'] },
  { library: 'iron-session', packages: ['iron-session'] },
  { library: 'authjs', packages: ['next-auth'] },
];

/** Which library the app uses, from its dependencies (next-auth only from v5: v4's `getServerSession` needs the app's options). */
export function detectAuthLibrary(dependencies: Record<string, string>): AuthLibrary {
  for (const { library, packages } of AUTH_PACKAGES) {
    for (const name of packages) {
      const range = dependencies[name];
      if (range === undefined) continue;
      if (name === 'next-auth' && !/(^|[^\d.])5\./.test(range) && !/beta|latest|next/.test(range)) continue;
      return library;
    }
  }
  return 'unknown';
}

const HEADER = "import { defineRuntime, memoryStore } from '@action-guard/runtime';";

// A store shared by every instance belongs here as soon as the app runs more than one (packages/runtime/README.md).
const TAIL = ['  store: memoryStore(),', '  onEvent: (event) => console.info(JSON.stringify(event)),', '});', ''];

function sessionBody(input: RuntimeTemplateInput): { imports: string[]; lines: string[] } {
  const ts = input.typescript;
  switch (input.library) {
    case 'authjs':
      if (input.authImport === null) break;
      return {
        imports: [`import { auth } from '${input.authImport}';`],
        lines: [
          '  // Auth.js v5: auth() is the session or null. user.id is set by an adapter or a session callback; the email',
          '  // stands in until then. Add `roles` (an array of strings) here when you use @role.',
          '  session: async () => {',
          '    const session = await auth();',
          '    const id = session?.user?.id ?? session?.user?.email;',
          '    return id ? { id } : null;',
          '  },',
        ],
      };
    case 'clerk':
      return {
        imports: ["import { auth } from '@clerk/nextjs/server';"],
        lines: [
          '  // Clerk: userId is null for a signed-out caller. For @role, return the roles you keep in the session claims.',
          '  session: async () => {',
          '    const { userId } = await auth();',
          '    return userId ? { id: userId } : null;',
          '  },',
        ],
      };
    case 'supabase':
      return {
        imports: ["import { createServerClient } from '@supabase/ssr';", "import { cookies } from 'next/headers';"],
        lines: [
          '  // Supabase: getUser() asks the Auth server to verify the cookie (getSession() would trust it unverified).',
          '  // Setting cookies is the middleware\'s job; a Server Action only reads them here.',
          '  session: async () => {',
          '    const cookieStore = await cookies();',
          `    const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL${ts ? '!' : ''}, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY${ts ? '!' : ''}, {`,
          '      cookies: { getAll: () => cookieStore.getAll(), setAll: () => {} },',
          '    });',
          '    const { data } = await supabase.auth.getUser();',
          '    return data.user ? { id: data.user.id } : null;',
          '  },',
        ],
      };
    case 'better-auth':
      if (input.authImport === null) break;
      return {
        imports: [`import { auth } from '${input.authImport}';`, "import { headers } from 'next/headers';"],
        lines: [
          '  // better-auth: getSession() reads the session cookie from the request headers; null when signed out.',
          '  session: async () => {',
          '    const result = await auth.api.getSession({ headers: await headers() });',
          '    return result ? { id: result.user.id } : null;',
          '  },',
        ],
      };
    case 'iron-session':
      return {
        imports: ["import { getIronSession } from 'iron-session';", "import { cookies } from 'next/headers';"],
        lines: [
          '  // iron-session: use the same password and cookieName as the rest of the app, and the field that holds the user.',
          '  session: async () => {',
          `    const data = await getIronSession${ts ? '<{ userId?: string }>' : ''}(await cookies(), {`,
          `      password: process.env.SESSION_PASSWORD${ts ? ' as string' : ''},`,
          "      cookieName: 'session',",
          '    });',
          '    return data.userId ? { id: data.userId } : null;',
          '  },',
        ],
      };
    case 'unknown':
      break;
  }
  return {
    imports: ts ? ["import type { Session } from '@action-guard/runtime';"] : [],
    lines: [
      '  // Return { id: string, roles?: string[] } for a signed-in caller (from your auth library), null otherwise.',
      `  session: async ()${ts ? ': Promise<Session | null>' : ''} => null,`,
    ],
  };
}

/** The text of the runtime module for this app. */
export function renderRuntimeModule(input: RuntimeTemplateInput): string {
  const { imports, lines } = sessionBody(input);
  return [HEADER, ...imports, '', 'export default defineRuntime({', ...lines, ...TAIL].join('\n');
}

/** The packages whose own actions `init` accepts for `library` (AUTH_PACKAGES `libraryActions`). */
export function libraryActionsOf(library: AuthLibrary): string[] {
  return AUTH_PACKAGES.find((entry) => entry.library === library)?.libraryActions ?? [];
}

/**
 * The text of `action-guard.config.ts` (or `.mjs` in a JavaScript app) naming the runtime module, and the libraries
 * whose own Server Actions the app accepts unguarded.
 */
export function renderConfigFile(runtimePath: string, typescript: boolean, libraryActions: readonly string[] = []): string {
  return [
    ...(typescript ? [] : ['/** @type {import(\'@action-guard/config\').Options} */']),
    'export default {',
    `  runtime: './${runtimePath}',`,
    ...(libraryActions.length
      ? [
          '  // Server Actions the library itself registers (not the app\'s): listed by every build, not AG301 errors.',
          `  manifest: { libraryActions: [${libraryActions.map((name) => `'${name}'`).join(', ')}] },`,
        ]
      : []),
    '};',
    '',
  ].join('\n');
}
