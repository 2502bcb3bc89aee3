/** Turns the `[id]` segment into an invoice id, or `null` for anything that is not a plain positive integer. */
export function parseInvoiceId(segment: string): number | null {
  return /^[1-9]\d{0,11}$/.test(segment) ? Number(segment) : null;
}
