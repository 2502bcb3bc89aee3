import { describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from '../lib/passwords';

describe('password hashing', () => {
  const stored = hashPassword('correct horse battery staple');

  test('the right password verifies', async () => {
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
  });

  test('a wrong password does not verify', async () => {
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  test('an unknown user (no stored hash) never verifies, whatever the password', async () => {
    expect(await verifyPassword('', null)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
  });

  test('the same password hashes differently each time (a fresh salt)', () => {
    expect(hashPassword('same')).not.toBe(hashPassword('same'));
  });

  test('a corrupted hash never verifies', async () => {
    expect(await verifyPassword('correct horse battery staple', 'md5$abc')).toBe(false);
  });
});
