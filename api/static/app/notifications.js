// The bell in the header: the unread count, kept current from the events socket, and the list
// of notifications (level-ups, badges, the streak's news), newest first, to mark read.
import { html, shortDate, useDismiss, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { useEvents } from "./events.js";
import { GAME_EVENTS, describe } from "./game_events.js";

const PAGE = 10;

function useNotifications() {
  const [unread, setUnread] = useState(0);
  const [items, setItems] = useState(null);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor = null) => {
    try {
      const query = new URLSearchParams({ limit: PAGE });
      if (cursor) query.set("cursor", cursor);
      const [page, count] = await Promise.all([
        api(`/notifications?${query}`),
        api("/notifications/unread-count"),
      ]);
      setItems((current) => [...(cursor ? current ?? [] : []), ...page.items]);
      setNextCursor(page.next_cursor);
      setUnread(count.unread);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => { load(); }, []);
  useEvents(({ type }) => {
    // xp.gained is live only; the rest were saved as notifications before they were sent. Read
    // again once subscribed too: one sent between the first read and the subscription reached
    // no socket.
    if (type === "subscribed" || (GAME_EVENTS.has(type) && type !== "xp.gained")) load();
  });
  const markRead = async (ids) => {
    try {
      const body = ids ? { ids } : { all: true };
      const marked = await api("/notifications/read", { method: "POST", body });
      const now = new Date().toISOString();
      setItems((current) => (current ?? []).map((n) => (!ids || ids.includes(n.id) ? { ...n, read_at: n.read_at ?? now } : n)));
      setUnread(marked.unread);
    } catch (failure) {
      setError(failure.message);
    }
  };
  return { unread, items, nextCursor, error, load, markRead };
}

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const root = useRef(null);
  const { unread, items, nextCursor, error, load, markRead } = useNotifications();
  useDismiss(open, setOpen, root);  // a click elsewhere or Escape: closed, focus on the bell
  const toggle = () => {
    if (!open) load();
    setOpen(!open);
  };
  const label = unread ? `Notifications, ${unread} unread` : "Notifications";
  return html`
    <div class="bell" ref=${root}>
      <button type="button" class="quiet" aria-expanded=${open} aria-controls="notifications-panel"
        aria-label=${label} onClick=${toggle}>
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor"
          stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        ${unread > 0 && html`<span class="count" aria-hidden="true" data-testid="unread-count">${unread > 99 ? "99+" : unread}</span>`}
      </button>
      ${open && html`
        <section class="notifications-panel" id="notifications-panel" aria-labelledby="notifications-title">
          <div class="list-head">
            <h2 id="notifications-title">Notifications</h2>
            ${unread > 0 && html`<button type="button" class="quiet small" onClick=${() => markRead(null)}>Mark all as read</button>`}
          </div>
          ${error && html`<p class="error" role="alert">${error}</p>`}
          ${items && items.length === 0 && html`<p class="empty">Nothing yet. Level-ups, badges and streak news appear here.</p>`}
          <ul class="notification-list">
            ${(items ?? []).map((item) => html`<${NotificationItem} key=${item.id} item=${item} onRead=${() => markRead([item.id])} />`)}
          </ul>
          ${nextCursor && html`<button type="button" class="quiet small" onClick=${() => load(nextCursor)}>Show older</button>`}
        </section>`}
    </div>`;
}

function NotificationItem({ item, onRead }) {
  const shown = describe(item) ?? { icon: "•", title: item.type, text: "" };
  const unread = !item.read_at;
  return html`
    <li class=${unread ? "notification unread" : "notification"}>
      <span class="toast-icon" aria-hidden="true">${shown.icon}</span>
      <div>
        <p class="notification-title">${unread && html`<span class="visually-hidden">Unread: </span>`}${shown.title}</p>
        <p class="muted small">${shown.text} · ${shortDate(item.created_at)}</p>
        ${unread && html`<button type="button" class="link small" onClick=${onRead}
          aria-label=${`Mark read: ${shown.title}`}>Mark read</button>`}
      </div>
    </li>`;
}
