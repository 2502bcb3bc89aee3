import { describe, expect, test } from 'vitest';
import { DEFAULT_RETURN_PATH, safeReturnPath } from '../lib/return-path';

describe('the path sign-in continues to', () => {
  test('keeps same-site paths with their query', () => {
    expect(safeReturnPath('/invoices/3/edit')).toBe('/invoices/3/edit');
    expect(safeReturnPath('/invoices?page=2')).toBe('/invoices?page=2');
  });

  test.each(['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'https://evil.example', 'invoices', ''])(
    'refuses %j, which a browser could read as another site',
    (value) => {
      expect(safeReturnPath(value)).toBe(DEFAULT_RETURN_PATH);
    },
  );

  test('falls back when the field is missing or not text', () => {
    expect(safeReturnPath(undefined)).toBe(DEFAULT_RETURN_PATH);
    expect(safeReturnPath(['/a', '/b'])).toBe(DEFAULT_RETURN_PATH);
  });
});
