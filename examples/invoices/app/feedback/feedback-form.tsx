'use client';

import { useActionState } from 'react';
import { sendFeedback, type FeedbackState } from './actions';
import { FailureBanner, FieldError, fieldErrorsOf, resultOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { useSubmittedValues } from '@/components/use-submitted-values';

/** The feedback form: rate limited per user, so the fourth message in a minute shows when to try again. */
export function FeedbackForm() {
  const [state, formAction, pending] = useActionState(sendFeedback, null as FeedbackState);
  const [submitted, rememberSubmission] = useSubmittedValues();
  const sent = resultOf(state);
  const topicErrors = fieldErrorsOf(state, 'topic');
  const messageErrors = fieldErrorsOf(state, 'message');
  return (
    <form action={formAction} onSubmit={rememberSubmission} className="card stack" noValidate>
      <FailureBanner state={state} fields={['topic', 'message']} />
      {sent ? (
        <p className="banner banner-success" role="status">
          Thanks — feedback #{sent.feedbackId} reached the team.
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="topic">Topic</label>
        {/* Keyed by the value it should show: a remount is the reliable way to move a <select>'s default. */}
        <select
          key={sent ? 'sent' : (submitted.topic ?? '')}
          id="topic"
          name="topic"
          defaultValue={sent ? '' : (submitted.topic ?? '')}
          aria-invalid={topicErrors.length > 0}
          aria-describedby={topicErrors.length ? 'topic-error' : undefined}
        >
          <option value="">Choose…</option>
          <option value="bug">Something is broken</option>
          <option value="idea">An idea</option>
          <option value="billing">Billing</option>
          <option value="other">Something else</option>
        </select>
        <FieldError id="topic-error" messages={topicErrors} />
      </div>
      <div className="field">
        <label htmlFor="message">Message</label>
        <textarea
          id="message"
          name="message"
          rows={5}
          defaultValue={sent ? '' : (submitted.message ?? '')}
          aria-invalid={messageErrors.length > 0}
          aria-describedby={messageErrors.length ? 'message-error' : undefined}
        />
        <FieldError id="message-error" messages={messageErrors} />
      </div>
      <SubmitButton pending={pending} pendingLabel="Sending…">
        Send feedback
      </SubmitButton>
    </form>
  );
}
