const formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Formats integer cents as dollars, e.g. `480000` → `$4,800.00`. */
export function formatCents(cents: number): string {
  return formatter.format(cents / 100);
}

/** Formats cents for an input's value, e.g. `480000` → `4800.00`. */
export function centsToInput(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** Parses a validated amount like `4800` or `4800.5` into integer cents without floating-point rounding. */
export function parseAmountToCents(amount: string): number {
  const [whole, fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
