import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the cookie that carries the signed session. */
export const SESSION_COOKIE = 'invoices_session';

/** How long a sign-in lasts. */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** The secret used when `SESSION_SECRET` is unset: fine on a laptop, never in production (the README says so). */
export const DEV_SESSION_SECRET = 'dev-only-invoices-session-secret-do-not-deploy';

let warnedAboutDefault = false;

function secret(): string {
  const configured = process.env.SESSION_SECRET;
  if (configured) return configured;
  if (process.env.NODE_ENV === 'production' && !warnedAboutDefault) {
    warnedAboutDefault = true;
    console.warn('[invoices] SESSION_SECRET is not set: sessions are signed with the public development secret.');
  }
  return DEV_SESSION_SECRET;
}

function sign(payload: string): string {
  return createHmac('sha256', secret()).update(payload).digest('base64url');
}

/** Makes the cookie value `v1.<userId>.<expiresAtSeconds>.<hmac>` for a user. */
export function createSessionToken(userId: number, now = Date.now()): string {
  const payload = `v1.${userId}.${Math.floor(now / 1000) + SESSION_MAX_AGE_SECONDS}`;
  return `${payload}.${sign(payload)}`;
}

/** Returns the user id a cookie value vouches for, or `null` when it is malformed, forged or expired. */
export function readSessionToken(token: string | undefined, now = Date.now()): number | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return null;
  const [version, userId, expiresAt, signature] = parts as [string, string, string, string];
  const expected = Buffer.from(sign(`${version}.${userId}.${expiresAt}`));
  const actual = Buffer.from(signature);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  if (!/^\d+$/.test(userId) || !/^\d+$/.test(expiresAt)) return null;
  if (Number(expiresAt) * 1000 <= now) return null;
  return Number(userId);
}
