import { describe, expect, test } from 'vitest';
import { centsToInput, formatCents, parseAmountToCents } from '../lib/money';

describe('money', () => {
  test('amounts become integer cents without floating-point drift', () => {
    expect(parseAmountToCents('1200')).toBe(120000);
    expect(parseAmountToCents('1200.5')).toBe(120050);
    expect(parseAmountToCents('0.07')).toBe(7);
    expect(parseAmountToCents('19.99')).toBe(1999);
  });

  test('cents are shown as dollars and written back into inputs', () => {
    expect(formatCents(480000)).toBe('$4,800.00');
    expect(centsToInput(120050)).toBe('1200.50');
  });
});
