// Next's control flow thrown by a body (redirect(), notFound(), forbidden(), unauthorized(); docs/next-internals.md
// §7): such a throw is not a failure. Under an idempotency key it is stored like a result, so a replay throws it again.
import { deserializeResult } from '../idempotency.js';

/** The prefix of a stored result that is a thrown control-flow digest rather than a value. */
export const THROWN_PREFIX = '!throw:';
const REPLAYABLE_DIGESTS = ['NEXT_REDIRECT', 'NEXT_HTTP_ERROR_FALLBACK'];

/** The digest of a redirect/notFound/forbidden/unauthorized throw, else null. */
export function replayableDigest(error: unknown): string | null {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && REPLAYABLE_DIGESTS.some((prefix) => digest.startsWith(prefix)) ? digest : null;
}

/** A stored result as the body gave it: its value, or the control-flow error it threw, thrown again. */
export function replayStored(text: string): unknown {
  if (text.startsWith(THROWN_PREFIX)) {
    const digest = text.slice(THROWN_PREFIX.length);
    // Next recognises its control flow by `digest` alone (isRedirectError / isHTTPAccessFallbackError).
    throw Object.assign(new Error(digest.split(';')[0]), { digest });
  }
  return deserializeResult(text);
}
