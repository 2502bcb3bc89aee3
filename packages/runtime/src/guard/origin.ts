// Before the pipeline: `origin: 'strict'` rejects action requests without an Origin header (Next lets them through).
import { deny } from './denial.js';
import { readCallHeaders, type GuardCall, type RuntimeContext } from './call.js';

/** Whether `headers` belong to a Server Action request rather than a page render calling an action directly. */
export function looksLikeActionRequest(headers: Headers): boolean {
  // `headers()` cannot tell the method. Fetch actions carry `next-action`; no-JS form posts are form-encoded.
  // A page render (a Server Component calling an action directly) has neither, so strict mode leaves it alone.
  if (headers.has('next-action')) return true;
  const type = headers.get('content-type') ?? '';
  return type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded');
}

/** Denies `ORIGIN_REJECTED` in strict mode for an action request without Origin; nothing to do otherwise. */
export async function checkOrigin(context: RuntimeContext, call: GuardCall): Promise<void> {
  const headers = await readCallHeaders(context, call);
  if (looksLikeActionRequest(headers) && !headers.has('origin')) deny('ORIGIN_REJECTED');
}
