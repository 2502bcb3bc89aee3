import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { SignOutButton } from './sign-in/sign-out-button';
import { getCurrentUser } from '@/lib/auth';
import './globals.css';

/** Title and description of every page. */
export const metadata: Metadata = {
  title: { default: 'Ledgerly — invoices', template: '%s · Ledgerly' },
  description: 'A small invoicing app whose Server Actions are guarded by action-guard.',
};

/** The frame of every page: the header with navigation and the signed-in user. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Ledgerly
          </Link>
          <nav aria-label="Main">
            {user ? (
              <>
                <Link href="/invoices">Invoices</Link>
                <Link href="/invoices/new">New invoice</Link>
                <Link href="/feedback">Feedback</Link>
                {user.role === 'admin' ? <Link href="/admin">Admin</Link> : null}
              </>
            ) : null}
          </nav>
          <div className="session">
            {user ? (
              <>
                <span className="who">
                  {user.name} <span className={`badge badge-${user.role}`}>{user.role}</span>
                </span>
                <SignOutButton />
              </>
            ) : (
              <Link href="/sign-in" className="button button-secondary">
                Sign in
              </Link>
            )}
          </div>
        </header>
        <main className="container">{children}</main>
        <footer className="site-footer">Every Server Action on this site is checked by action-guard before it runs.</footer>
      </body>
    </html>
  );
}
