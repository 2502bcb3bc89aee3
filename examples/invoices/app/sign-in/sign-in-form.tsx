'use client';

import { useActionState } from 'react';
import { signIn, type SignInState } from './actions';
import { FailureBanner, FieldError, fieldErrorsOf, resultOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { useSubmittedValues } from '@/components/use-submitted-values';

/** Email and password form; `next` is where to go after signing in. */
export function SignInForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(signIn, null as SignInState);
  // Only the email comes back after a rejected attempt; a password is never put back into the page.
  const [submitted, rememberSubmission] = useSubmittedValues();
  const emailErrors = fieldErrorsOf(state, 'email');
  const passwordErrors = fieldErrorsOf(state, 'password');
  const rejected = resultOf(state);
  return (
    <form action={formAction} onSubmit={rememberSubmission} className="card stack" noValidate>
      <input type="hidden" name="next" value={next} />
      <div className="field">
        <label htmlFor="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          defaultValue={submitted.email ?? ''}
          aria-invalid={emailErrors.length > 0}
          aria-describedby={emailErrors.length ? 'email-error' : undefined}
        />
        <FieldError id="email-error" messages={emailErrors} />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          aria-invalid={passwordErrors.length > 0}
          aria-describedby={passwordErrors.length ? 'password-error' : undefined}
        />
        <FieldError id="password-error" messages={passwordErrors} />
      </div>
      <FailureBanner state={state} fields={['email', 'password']} />
      {rejected ? (
        <p className="banner banner-error" role="alert">
          {rejected.message}
        </p>
      ) : null}
      <SubmitButton pending={pending} pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}
