// Admin: students asking to teach (approve), teacher invite codes (create; shown once), and the
// audit log with filters, paged by cursor. The navigation shows it to admins only.
import { html, shortDate, useCallback, useEffect, useState } from "./lib.js";
import { api } from "./api.js";

const ACTIONS = [
  "sign_in", "sign_in.failed", "user.registered", "password.changed", "sessions.ended",
  "role.changed", "teacher.requested", "teacher.approved", "teacher_invite.created", "document.deleted",
];

/** A cursor-paged admin list: the first page, more on demand; reloaded when `query` or
 * `reloadKey` changes. */
function usePaged(path, query, reloadKey = 0) {
  const [items, setItems] = useState([]);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(async (cursor = null) => {
    const params = new URLSearchParams({ ...query, limit: "20", ...(cursor ? { cursor } : {}) });
    try {
      const page = await api(`${path}?${params}`);
      setItems((current) => (cursor ? [...current, ...page.items] : page.items));
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }, [path, JSON.stringify(query), reloadKey]);
  useEffect(() => { load(); }, [load]);
  return { items, nextCursor, error, reload: () => load(), more: () => load(nextCursor) };
}

function TeacherRequests({ onApproved }) {
  const requests = usePaged("/admin/teacher-requests", {});
  const [status, setStatus] = useState(null);
  async function approve(request) {
    try {
      await api(`/admin/teacher-requests/${request.id}/approve`, { method: "POST" });
      setStatus(`${request.email} is now a teacher.`);
      requests.reload();
      onApproved();
    } catch (failure) {
      setStatus(failure.message);
    }
  }
  return html`
    <section class="card" aria-labelledby="requests-title">
      <h2 id="requests-title">Teacher requests</h2>
      ${requests.error && html`<p class="error" role="alert">${requests.error}</p>`}
      ${status && html`<p class="muted" role="status">${status}</p>`}
      ${requests.items.length === 0 && html`<p class="empty">No one is waiting.</p>`}
      <ul class="admin-list">
        ${requests.items.map((request) => html`
          <li key=${request.id} class="admin-row">
            <span><strong>${request.display_name ?? request.email}</strong>
              <span class="muted small"> ${request.email} · asked ${shortDate(request.requested_at)}</span></span>
            <button type="button" class="small" onClick=${() => approve(request)}
              aria-label=${`Approve ${request.email}`}>Approve</button>
          </li>`)}
      </ul>
      ${requests.nextCursor && html`<button type="button" class="quiet small" onClick=${requests.more}>More requests</button>`}
    </section>`;
}

function InviteForm({ onCreated }) {
  const [invite, setInvite] = useState(null);
  const [error, setError] = useState(null);
  async function create(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {
      max_uses: Number(form.get("max_uses")),
      expires_in_days: Number(form.get("expires_in_days")),
      note: form.get("note").trim(),
    };
    try {
      setInvite(await api("/admin/teacher-invites", { method: "POST", body }));
      setError(null);
      onCreated();
    } catch (failure) {
      setError(failure.message);
    }
  }
  return html`
    <section class="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite teachers</h2>
      <form class="row" onSubmit=${create}>
        <label>Sign-ups it allows <input name="max_uses" type="number" min="1" max="1000" value="1" required /></label>
        <label>Days it lasts <input name="expires_in_days" type="number" min="1" max="365" value="7" required /></label>
        <label>For whom <span class="muted">(optional)</span> <input name="note" maxlength="200" /></label>
        <button type="submit">Create invite code</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${invite && html`
        <div class="invite-code" role="status">
          <p>Code: <code>${invite.code}</code></p>
          <p class="muted small">Shown this once: give it to the teacher. ${invite.max_uses} sign-up(s) until
            ${shortDate(invite.expires_at)}.</p>
        </div>`}
    </section>`;
}

/** A datetime-local value (the admin's zone) as an ISO instant, or null when empty. */
function instant(value) {
  return value ? new Date(value).toISOString() : null;
}

function AuditLog({ version }) {
  const [filters, setFilters] = useState({});
  const events = usePaged("/admin/audit", filters, version);
  function apply(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const chosen = {
      action: form.get("action"),
      user_id: form.get("user_id").trim(),
      since: instant(form.get("since")),
      until: instant(form.get("until")),
    };
    setFilters(Object.fromEntries(Object.entries(chosen).filter(([, value]) => value)));
  }
  return html`
    <section class="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form class="row" onSubmit=${apply} aria-label="Filter the audit log">
        <label>Action
          <select name="action">
            <option value="">Any</option>
            ${ACTIONS.map((action) => html`<option value=${action}>${action}</option>`)}
          </select>
        </label>
        <label>Account id <input name="user_id" pattern="[0-9a-fA-F-]{36}" placeholder="as actor or subject" /></label>
        <label>From <input name="since" type="datetime-local" /></label>
        <label>Until <input name="until" type="datetime-local" /></label>
        <button type="submit">Filter</button>
      </form>
      ${events.error && html`<p class="error" role="alert">${events.error}</p>`}
      ${events.items.length === 0 && !events.error && html`<p class="empty">No events match.</p>`}
      ${events.items.length > 0 && html`
        <div class="table-scroll">
          <table class="audit">
            <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">By</th>
              <th scope="col">Account</th><th scope="col">Email</th><th scope="col">Address</th><th scope="col">Details</th></tr></thead>
            <tbody>
              ${events.items.map((e) => html`
                <tr key=${e.id}>
                  <td>${shortDate(e.at)}</td><td><code>${e.action}</code></td>
                  <td class="id">${e.actor_id ?? "—"}</td><td class="id">${e.subject_id ?? "—"}</td>
                  <td>${e.email ?? ""}</td><td>${e.ip ?? ""}</td>
                  <td class="small">${Object.keys(e.details).length ? JSON.stringify(e.details) : ""}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>`}
      ${events.nextCursor && html`<button type="button" class="quiet small" onClick=${events.more}>Older events</button>`}
    </section>`;
}

export function AdminView() {
  // Approving or inviting adds audit events: the log reloads to show them.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  return html`
    <h1>Admin</h1>
    <${TeacherRequests} onApproved=${changed} />
    <${InviteForm} onCreated=${changed} />
    <${AuditLog} version=${version} />`;
}
