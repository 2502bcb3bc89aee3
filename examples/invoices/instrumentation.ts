/**
 * Runs once when the server starts. In the Node.js runtime it registers action-guard's client-IP stamp: each
 * request gets the socket's peer address in a header the guard reads, and any client-sent copy is dropped, so a
 * forged `X-Forwarded-For` cannot reset a `by:ip` rate limit (Next passes that header through unchanged).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { registerClientIpStamp } = await import('@action-guard/runtime/instrumentation');
    await registerClientIpStamp();
  }
}
