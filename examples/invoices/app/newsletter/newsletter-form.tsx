'use client';

import { useActionState } from 'react';
import { subscribe, type NewsletterState } from './actions';
import { FailureBanner, FieldError, fieldErrorsOf, resultOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { useSubmittedValues } from '@/components/use-submitted-values';

/** The newsletter signup: a public, rate-limited action that works with and without JavaScript. */
export function NewsletterForm() {
  const [state, formAction, pending] = useActionState(subscribe, null as NewsletterState);
  const [submitted, rememberSubmission] = useSubmittedValues();
  const emailErrors = fieldErrorsOf(state, 'email');
  const done = resultOf(state);
  return (
    <form action={formAction} onSubmit={rememberSubmission} className="inline-form" noValidate>
      <div className="field">
        <label htmlFor="newsletter-email">Email</label>
        <input
          id="newsletter-email"
          name="email"
          type="email"
          autoComplete="email"
          placeholder="you@example.com"
          defaultValue={done ? '' : (submitted.email ?? '')}
          aria-invalid={emailErrors.length > 0}
          aria-describedby={emailErrors.length ? 'newsletter-email-error' : undefined}
        />
        <FieldError id="newsletter-email-error" messages={emailErrors} />
      </div>
      <SubmitButton pending={pending} pendingLabel="Subscribing…">
        Subscribe
      </SubmitButton>
      <FailureBanner state={state} fields={['email']} />
      {done ? (
        <p className="banner banner-success" role="status">
          {done.message}
        </p>
      ) : null}
    </form>
  );
}
