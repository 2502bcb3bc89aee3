/** Where sign-in goes when the visitor was not headed anywhere in particular. */
export const DEFAULT_RETURN_PATH = '/invoices';

// One leading slash, then no slash or backslash right after it, and no backslash, whitespace or control character
// anywhere: browsers read `\` as `/` and silently drop tabs and newlines, so `/\evil.example` and `/<TAB>/evil.example`
// would both become the protocol-relative `//evil.example`.
const SAME_SITE_PATH = /^\/(?![/\\])[^\\\s\u0000-\u001f\u007f]*$/;

/** The path to continue to after sign-in: `value` if it is a same-site path, else {@link DEFAULT_RETURN_PATH}. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && SAME_SITE_PATH.test(value) ? value : DEFAULT_RETURN_PATH;
}
