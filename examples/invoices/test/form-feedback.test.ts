import { createFailure } from '@action-guard/runtime';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { FailureBanner, fieldErrorsOf, resultOf } from '../components/form-feedback';

const banner = (state: unknown, fields?: string[]) => renderToStaticMarkup(createElement(FailureBanner, { state, fields }));

describe('showing guard failures', () => {
  test('nothing is shown before a submission or after a success', () => {
    expect(banner(null)).toBe('');
    expect(banner({ ok: true, feedbackId: 1 })).toBe('');
  });

  test('an app object shaped like a failure is not mistaken for one', () => {
    expect(banner({ ok: false, error: { code: 'FORBIDDEN', message: 'x' } })).toBe('');
    expect(resultOf({ ok: false, message: 'That email and password do not match an account.' })).toEqual({
      ok: false,
      message: 'That email and password do not match an account.',
    });
  });

  test('a rate limit says when to try again', () => {
    const html = banner(createFailure('RATE_LIMITED', { retryAfter: 20 }));
    expect(html).toContain('data-failure-code="RATE_LIMITED"');
    expect(html).toContain('Try again in <strong data-retry-after="20">20 seconds</strong>');
    expect(banner(createFailure('RATE_LIMITED', { retryAfter: 61 }))).toContain('2 minutes');
  });

  test('field errors stay beside their fields and the banner points at them', () => {
    const failure = createFailure('INVALID_INPUT', { fieldErrors: { amount: ['Enter an amount like 1200 or 1200.50.'] }, formErrors: [] });
    expect(fieldErrorsOf(failure, 'amount')).toEqual(['Enter an amount like 1200 or 1200.50.']);
    expect(fieldErrorsOf(failure, 'note')).toEqual([]);
    const html = banner(failure, ['amount', 'note']);
    expect(html).toContain('Please correct the highlighted fields.');
    expect(html).not.toContain('Enter an amount');
  });

  test('errors for fields the form does not show are listed in the banner, never lost', () => {
    const failure = createFailure('INVALID_INPUT', { fieldErrors: { idempotencyKey: ['Too short.'] }, formErrors: ['Form-wide problem.'] });
    const html = banner(failure, ['amount', 'note']);
    expect(html).toContain('Some of the submitted values are not valid.');
    expect(html).toContain('<p>Form-wide problem.</p><p>Too short.</p>');
  });

  test('an internal error shows its reference so support can find the server log', () => {
    expect(banner(createFailure('INTERNAL_ERROR', { ref: 'ag_123' }))).toContain('Reference: ag_123');
  });
});
