import type { Metadata } from 'next';
import { RoleForm } from './role-form';
import { requireAdmin } from '@/lib/auth';
import { listFeedback } from '@/lib/feedback';
import { countSubscribers } from '@/lib/newsletter';
import { listUsers } from '@/lib/users';

/** Page title. */
export const metadata: Metadata = { title: 'Admin' };

/**
 * The admin area. The page checks the role itself (pages are not Server Actions); the actions in this folder are
 * covered by the `app/admin/**` directory rule in action-guard.config.ts.
 */
export default async function AdminPage() {
  const admin = await requireAdmin();
  const users = listUsers();
  const feedback = listFeedback();
  const subscribers = countSubscribers();
  return (
    <div className="stack-lg">
      <h1>Admin</h1>
      <section className="card stack">
        <h2>People</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-user-id={user.id}>
                <td>
                  {user.name}
                  {user.id === admin.id ? <span className="muted"> (you)</span> : null}
                </td>
                <td>{user.email}</td>
                <td>
                  <RoleForm userId={user.id} role={user.role} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card stack">
        <h2>Latest feedback</h2>
        {feedback.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <ul className="feedback-list">
            {feedback.map((item) => (
              <li key={item.id}>
                <span className="badge">{item.topic}</span> <strong>{item.userName}</strong>{' '}
                <span className="muted">{item.createdAt.slice(0, 16).replace('T', ' ')} UTC</span>
                <p>{item.message}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>Newsletter</h2>
        <p>
          <strong>{subscribers}</strong> {subscribers === 1 ? 'address receives' : 'addresses receive'} the newsletter.
        </p>
      </section>
    </div>
  );
}
