import { defineRuntime, memoryStore, type GuardEvent } from '@action-guard/runtime';
import { redisStore } from '@action-guard/runtime/redis';
import { getCurrentUser } from './auth';
import type { Role } from './users';

/** What `session()` resolves to: the guard needs `id` and `roles`; `userId` saves the actions a `Number()`. */
export interface AppSession {
  id: string;
  userId: number;
  roles: Role[];
}

function logEvent(event: GuardEvent): void {
  // Successful calls are routine; denials, errors, store outages and warnings are what an operator looks for.
  // `ACTION_GUARD_LOG=all` logs every call (one JSON line each; input values are never in an event).
  const routine = event.type === 'call' && (event.outcome === 'ok' || event.outcome === 'replayed' || event.outcome === 'control-flow');
  if (routine && process.env.ACTION_GUARD_LOG !== 'all') return;
  console.info(`[action-guard] ${JSON.stringify(event)}`);
}

/**
 * The runtime every guarded action in this app calls (named by `runtime` in action-guard.config.ts).
 * One Redis store is shared by every instance when `REDIS_URL` is set; otherwise limits and idempotency keys live
 * in this process's memory, which is right for one `next start` and wrong for several.
 */
export default defineRuntime({
  session: async (): Promise<AppSession | null> => {
    const user = await getCurrentUser();
    return user === null ? null : { id: String(user.id), userId: user.id, roles: [user.role] };
  },
  store: process.env.REDIS_URL ? redisStore({ url: process.env.REDIS_URL }) : memoryStore(),
  // The peer address stamped by instrumentation.ts; a client-sent X-Forwarded-For is never trusted.
  clientIp: 'socket',
  onEvent: logEvent,
  // The caller only sees INTERNAL_ERROR and a reference; the server log gets the error under the same reference.
  onError: (error, { action, ref }) => console.error(`[action-guard] ${action} failed (ref ${ref})`, error),
});
