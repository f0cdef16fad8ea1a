// The sidebar of past conversations, most recently active first, paged by cursor.
import { html, shortDate, useCallback, useEffect, useState } from "./lib.js";
import { api } from "./api.js";

export function useConversations() {
  const [items, setItems] = useState([]);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const refresh = useCallback(async () => {
    try {
      const page = await api("/conversations?limit=20");
      setItems(page.items);
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }, []);
  const loadMore = useCallback(async () => {
    try {
      const page = await api(`/conversations?limit=20&cursor=${encodeURIComponent(nextCursor)}`);
      setItems((current) => [...current, ...page.items.filter((c) => !current.some((x) => x.id === c.id))]);
      setNextCursor(page.next_cursor);
    } catch (failure) {
      setError(failure.message);
    }
  }, [nextCursor]);
  useEffect(() => { refresh(); }, [refresh]);
  return { items, nextCursor, error, refresh, loadMore };
}

export function ConversationList({ conversations, currentId, onNew }) {
  return html`
    <nav class="history" aria-label="Conversations">
      <button type="button" class="new-conversation" onClick=${onNew}>+ New conversation</button>
      ${conversations.error && html`<p class="error" role="alert">${conversations.error}</p>`}
      ${conversations.items.length === 0 && html`<p class="muted small">Your conversations will be listed here.</p>`}
      <ul>
        ${conversations.items.map((c) => html`
          <li key=${c.id}>
            <a href=${`#/tutor/${c.id}`} aria-current=${c.id === currentId ? "page" : null}>
              <span class="title">${c.title}</span>
              <span class="muted small">${shortDate(c.updated_at)}</span>
            </a>
          </li>`)}
      </ul>
      ${conversations.nextCursor && html`<button type="button" class="quiet small" onClick=${conversations.loadMore}>Older conversations</button>`}
    </nav>`;
}
