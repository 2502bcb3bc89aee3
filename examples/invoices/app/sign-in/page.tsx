import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from './sign-in-form';
import { getCurrentUser } from '@/lib/auth';
import { safeReturnPath } from '@/lib/return-path';

/** Page title. */
export const metadata: Metadata = { title: 'Sign in' };

/** The sign-in page; a signed-in visitor goes straight on to where they were headed. */
export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = safeReturnPath((await searchParams).next);
  if (await getCurrentUser()) redirect(next);
  return (
    <div className="narrow stack">
      <h1>Sign in</h1>
      <SignInForm next={next} />
      <details className="card muted">
        <summary>Demo accounts</summary>
        <ul>
          <li>
            <code>alice@example.com</code> / <code>alice-password</code> (member)
          </li>
          <li>
            <code>bob@example.com</code> / <code>bob-password</code> (member)
          </li>
          <li>
            <code>admin@example.com</code> / <code>admin-password</code> (admin)
          </li>
        </ul>
      </details>
    </div>
  );
}
