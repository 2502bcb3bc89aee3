// The policy file read by `withActionGuard()` at build time and by `action-guard audit`, so both apply the same
// rules. Tags written above each action add to these floors; they can never weaken them.
const config = {
  // Server module whose default export is `defineRuntime({...})`: sessions, the store, events.
  runtime: './lib/action-guard.ts',
  rules: {
    // Every action under app/admin needs the admin role, whether or not its JSDoc says so.
    'app/admin/**': { role: ['admin'] },
  },
};

export default config;
