// Practice sets: every set the tutor wrote, to reopen and take again.
import { html, shortDate, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { PassageDialog } from "./passage.js";
import { Quiz } from "./quiz.js";

export function PracticeView({ setId }) {
  return setId ? html`<${PracticeSet} setId=${setId} />` : html`<${PracticeSets} />`;
}

function PracticeSets() {
  const [items, setItems] = useState(null);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor) => {
    try {
      const query = new URLSearchParams({ limit: 20 });
      if (cursor) query.set("cursor", cursor);
      const page = await api(`/practice-sets?${query}`);
      setItems((current) => [...(cursor ? current : []), ...page.items]);
      setNextCursor(page.next_cursor);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => { load(null); }, []);
  return html`
    <div class="page practice">
      <h1>Practice sets</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <section class="card">
        ${items && items.length === 0 && html`
          <p class="empty">No practice sets yet. In the <a href="#/tutor">tutor</a>, choose <strong>Practice</strong> and name a topic.</p>`}
        <ul class="sets">
          ${(items ?? []).map((set) => html`
            <li key=${set.id}>
              <a href=${`#/practice/${set.id}`}>${set.topic}</a>
              <span class="muted small">${set.requested - set.dropped} of ${set.requested} questions · ${shortDate(set.created_at)}</span>
            </li>`)}
        </ul>
        ${nextCursor && html`<button type="button" class="quiet" onClick=${() => load(nextCursor)}>Show more</button>`}
      </section>
    </div>`;
}

function PracticeSet({ setId }) {
  const [set, setSet] = useState(null);
  const [error, setError] = useState(null);
  const [source, setSource] = useState(null);
  useEffect(() => {
    api(`/practice-sets/${setId}`).then(setSet).catch((failure) =>
      setError(failure.status === 404 ? "This practice set does not exist (or is not yours)." : failure.message));
  }, [setId]);
  return html`
    <div class="page practice">
      <p><a href="#/practice">← All practice sets</a></p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${set && html`
        <h1>${set.topic}</h1>
        <p class="muted">${set.questions.length} questions · ${shortDate(set.created_at)} · written by ${set.model_id}</p>
        <section class="card"><${Quiz} questions=${set.questions} onSource=${setSource} idPrefix="set" /></section>`}
      <${PassageDialog} source=${source} onClose=${() => setSource(null)} />
    </div>`;
}
