import type { Metadata } from 'next';
import { FeedbackForm } from './feedback-form';
import { requireUser } from '@/lib/auth';

/** Page title. */
export const metadata: Metadata = { title: 'Feedback' };

/** Tell the team what works and what does not. */
export default async function FeedbackPage() {
  await requireUser('/feedback');
  return (
    <div className="narrow stack">
      <h1>Feedback</h1>
      <p className="muted">Found a bug or have an idea? We read everything. (Up to three messages a minute.)</p>
      <FeedbackForm />
    </div>
  );
}
