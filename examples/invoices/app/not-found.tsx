import Link from 'next/link';

/** What a missing page, a missing invoice and someone else's invoice all look like. */
export default function NotFound() {
  return (
    <div className="narrow stack">
      <h1>Not found</h1>
      <p className="muted">There is nothing here, or it is not yours to see.</p>
      <p>
        <Link href="/invoices">Back to invoices</Link>
      </p>
    </div>
  );
}
