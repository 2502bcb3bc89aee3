import Link from 'next/link';
import { NewsletterForm } from './newsletter/newsletter-form';
import { getCurrentUser } from '@/lib/auth';

/** The public landing page: what the product is, a way in, and the newsletter. */
export default async function HomePage() {
  const user = await getCurrentUser();
  return (
    <div className="stack-lg">
      <section className="hero">
        <h1>Invoices that get paid.</h1>
        <p className="lead">
          Ledgerly keeps your invoices, payments and reminders in one place. Every change goes through a Server
          Action whose policy — who may call it, what input it accepts, how often — is written next to it and
          enforced before it runs.
        </p>
        {user ? (
          <Link href="/invoices" className="button button-primary">
            Go to your invoices
          </Link>
        ) : (
          <Link href="/sign-in" className="button button-primary">
            Sign in
          </Link>
        )}
      </section>
      <section className="card stack">
        <h2>Product news</h2>
        <p className="muted">One email a month about new features. No account needed.</p>
        <NewsletterForm />
      </section>
    </div>
  );
}
