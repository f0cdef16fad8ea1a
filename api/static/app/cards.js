// Flashcards: #/cards lists the decks; #/cards/<deck> is a deck (settings, new cards, its cards,
// statistics); #/cards/<deck>?review=1 (or #/cards?review=all) reviews what is due.
import { html, pages, useCallback, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { href, navigate } from "./router.js";
import { DeckTools } from "./deck_tools.js";
import { ReviewSession } from "./review.js";

export function CardsView({ id, params }) {
  if (params.get("review")) return html`<${ReviewSession} deckId=${id} />`;
  if (id) return html`<${DeckPage} deckId=${id} />`;
  return html`<${DeckList} />`;
}

function usePaged(path) {
  const [items, setItems] = useState([]);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(async (cursor = null) => {
    try {
      const page = await api(`${path}${path.includes("?") ? "&" : "?"}limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      setItems((current) => (cursor ? [...current, ...page.items] : page.items));
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }, [path]);
  useEffect(() => { load(); }, [load]);
  return { items, nextCursor, error, reload: () => load(), more: () => load(nextCursor) };
}

function DeckList() {
  const decks = usePaged("/decks");
  return html`
    <div class="page flashcards">
      <div class="list-head">
        <h1>Flashcards</h1>
        <a class="button" href=${href("cards", null, { review: "all" })}>Review all decks</a>
      </div>
      <section class="card" aria-labelledby="new-deck">
        <h2 id="new-deck">New deck</h2>
        <${DeckForm} submitLabel="Create deck" onSaved=${decks.reload} />
      </section>
      <section aria-labelledby="your-decks">
        <h2 id="your-decks">Your decks</h2>
        ${decks.error && html`<p class="error" role="alert">${decks.error}</p>`}
        ${decks.items.length === 0 && !decks.error && html`<p class="empty">No decks yet: create one above.</p>`}
        <ul class="decks">
          ${decks.items.map((deck) => html`
            <li key=${deck.id} class="card deck-row">
              <a class="deck-name" href=${href("cards", deck.id)}>${deck.name}</a>
              <${DeckCounts} deck=${deck} />
              ${deck.exam_date && html`<span class="badge">Exam ${deck.exam_date}</span>`}
            </li>`)}
        </ul>
        ${decks.nextCursor && html`<button type="button" class="quiet small" onClick=${decks.more}>More decks</button>`}
      </section>
    </div>`;
}

function DeckCounts({ deck }) {
  return html`
    <span class="deck-counts small">
      <span><strong>${deck.due_today}</strong> due today</span>
      <span>${deck.new_count} new</span>
      <span>${deck.learning_count} learning</span>
      <span>${deck.review_count} in review</span>
    </span>`;
}

const EMPTY_DECK = { name: "", description: "", new_per_day: 20, reviews_per_day: 200, exam_date: "" };

function DeckForm({ deck = null, submitLabel, onSaved }) {
  const [fields, setFields] = useState(deck ? { ...deck, exam_date: deck.exam_date ?? "" } : EMPTY_DECK);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const set = (name) => (event) => setFields({ ...fields, [name]: event.currentTarget.value });
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      name: fields.name.trim(),
      description: fields.description,
      new_per_day: Number(fields.new_per_day),
      reviews_per_day: Number(fields.reviews_per_day),
      exam_date: fields.exam_date || null,
    };
    try {
      const result = await api(deck ? `/decks/${deck.id}` : "/decks", { method: deck ? "PATCH" : "POST", body });
      setError(null);
      setSaved(true);
      if (!deck) setFields(EMPTY_DECK);
      onSaved(result);
    } catch (failure) {
      setError(failure.message);
    }
  };
  const prefix = deck ? "edit" : "new";
  return html`
    <form class="stack deck-form" onSubmit=${submit}>
      <div class="row">
        <label>Deck name<input name="name" required maxlength="120" value=${fields.name} onInput=${set("name")} /></label>
        <label>Exam date (optional)<input type="date" name="exam_date" value=${fields.exam_date} onInput=${set("exam_date")} /></label>
      </div>
      <label>Description<textarea name="description" maxlength="2000" value=${fields.description} onInput=${set("description")} /></label>
      <div class="row">
        <label for=${`${prefix}-new-per-day`}>New cards a day
          <input id=${`${prefix}-new-per-day`} type="number" min="0" max="1000" required value=${fields.new_per_day} onInput=${set("new_per_day")} /></label>
        <label for=${`${prefix}-reviews-per-day`}>Reviews a day
          <input id=${`${prefix}-reviews-per-day`} type="number" min="0" max="10000" required value=${fields.reviews_per_day} onInput=${set("reviews_per_day")} /></label>
        <button type="submit">${submitLabel}</button>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${saved && deck && !error && html`<p class="muted small" role="status">Saved.</p>`}
    </form>`;
}

function DeckPage({ deckId }) {
  const [deck, setDeck] = useState(null);
  const [stats, setStats] = useState(null);
  const [error, setError] = useState(null);
  const [notesVersion, setNotesVersion] = useState(0);
  const reload = useCallback(async () => {
    try {
      const [found, measured] = await Promise.all([api(`/decks/${deckId}`), api(`/decks/${deckId}/stats`)]);
      setDeck(found);
      setStats(measured);
      setNotesVersion((n) => n + 1);
    } catch (failure) {
      setError(failure.message);
    }
  }, [deckId]);
  useEffect(() => { reload(); }, [reload]);
  if (error) return html`<div class="page"><p class="error" role="alert">${error}</p><a href="#/cards">All decks</a></div>`;
  if (!deck) return html`<div class="page"><p class="muted">Loading…</p></div>`;
  const remove = async () => {
    if (!confirm(`Delete the deck "${deck.name}" with all its cards?`)) return;
    await api(`/decks/${deck.id}`, { method: "DELETE" });
    navigate("cards");
  };
  return html`
    <div class="page flashcards">
      <p class="small"><a href="#/cards">← All decks</a></p>
      <div class="list-head">
        <h1>${deck.name}</h1>
        <a class="button" href=${href("cards", deck.id, { review: "1" })}>Review this deck</a>
      </div>
      ${deck.description && html`<p class="muted">${deck.description}</p>`}
      <${DeckCounts} deck=${deck} />
      <div class="deck-grid">
        <section class="card" aria-labelledby="add-card"><h2 id="add-card">Add a card</h2><${NoteForm} deckId=${deck.id} onSaved=${reload} /></section>
        ${stats && html`<${DeckStats} stats=${stats} />`}
      </div>
      <${DeckTools} deck=${deck} onChanged=${reload} />
      <${NoteList} deckId=${deck.id} version=${notesVersion} onChanged=${reload} />
      <details class="card">
        <summary>Deck settings</summary>
        <${DeckForm} deck=${deck} submitLabel="Save settings" onSaved=${reload} />
        <button type="button" class="danger small" onClick=${remove}>Delete deck</button>
      </details>
    </div>`;
}

const KIND_FIELDS = {
  basic: ["Front (question)", "Back (answer)"],
  reversed: ["Front (asked both ways)", "Back"],
  cloze: ["Text with deletions, e.g. {{c1::Paris}} is the capital of {{c2::France}}", "Extra (shown with the answer)"],
};

function NoteForm({ deckId, onSaved }) {
  const [kind, setKind] = useState("basic");
  const [front, setFront] = useState("");
  const [back, setBack] = useState("");
  const [error, setError] = useState(null);
  const [added, setAdded] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    try {
      const note = await api(`/decks/${deckId}/notes`, { method: "POST", body: { kind, front, back } });
      setFront("");
      setBack("");
      setError(null);
      setAdded(note.cards.length);
      onSaved();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const [frontLabel, backLabel] = KIND_FIELDS[kind];
  return html`
    <form class="stack" onSubmit=${submit}>
      <label class="inline-label">Card type
        <select name="kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
          <option value="basic">Basic</option>
          <option value="reversed">Basic and reversed</option>
          <option value="cloze">Cloze deletion</option>
        </select>
      </label>
      <label>${frontLabel}<textarea name="front" required maxlength="4000" value=${front} onInput=${(e) => setFront(e.currentTarget.value)} /></label>
      <label>${backLabel}<textarea name="back" maxlength="4000" required=${kind !== "cloze"} value=${back} onInput=${(e) => setBack(e.currentTarget.value)} /></label>
      <div class="row"><button type="submit">Add card</button></div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${added !== null && !error && html`<p class="muted small" role="status">Added ${added} card${added === 1 ? "" : "s"}.</p>`}
    </form>`;
}

const STALE = {
  document_deleted: "Its source document was deleted.",
  quote_changed: "Its source passage changed when the document was re-uploaded.",
};

function NoteList({ deckId, version, onChanged }) {
  const notes = usePaged(`/decks/${deckId}/notes`);
  useEffect(() => { if (version > 1) notes.reload(); }, [version]);
  const act = async (path, method, body) => {
    await api(path, { method, body });
    onChanged();
  };
  return html`
    <section class="card" aria-labelledby="deck-cards">
      <h2 id="deck-cards">Cards</h2>
      ${notes.error && html`<p class="error" role="alert">${notes.error}</p>`}
      ${notes.items.length === 0 && html`<p class="empty">No cards yet.</p>`}
      <ul class="notes">
        ${notes.items.map((note) => html`
          <li key=${note.id} class="note">
            <div class="note-text">
              <span class="badge">${note.kind}</span>
              <span>${note.front}</span>
              ${note.back && html`<span class="muted">→ ${note.back}</span>`}
            </div>
            <div class="small muted">
              ${note.cards.length} card${note.cards.length === 1 ? "" : "s"}: ${note.cards.map((c) => c.state).join(", ")}
              ${note.filename && html` · from ${note.filename} ${pages(note.page_start, note.page_end)}`}
            </div>
            ${note.stale_reason && html`
              <p class="notice small stale">Stale: ${STALE[note.stale_reason] ?? note.stale_reason}
                <button type="button" class="quiet small" onClick=${() => act(`/notes/${note.id}`, "PATCH", { clear_stale: true })}>Keep as is</button>
              </p>`}
            <button type="button" class="danger small" aria-label=${`Delete card: ${note.front}`} onClick=${() => act(`/notes/${note.id}`, "DELETE")}>Delete</button>
          </li>`)}
      </ul>
      ${notes.nextCursor && html`<button type="button" class="quiet small" onClick=${notes.more}>More cards</button>`}
    </section>`;
}

function percent(value) {
  return value == null ? "–" : `${Math.round(value * 100)}%`;
}

function DeckStats({ stats }) {
  const peak = Math.max(1, ...stats.forecast.map((d) => d.due));
  return html`
    <section class="card deck-stats" aria-labelledby="deck-stats">
      <h2 id="deck-stats">Statistics</h2>
      <dl class="figures">
        <div><dt>Due today</dt><dd>${stats.due_today}</dd></div>
        <div><dt>True retention (30 days)</dt><dd>${percent(stats.true_retention)} <span class="small muted">of ${stats.reviews_counted} reviews</span></dd></div>
        <div><dt>Desired retention</dt><dd>${percent(stats.desired_retention)}</dd></div>
        ${stats.exam && html`<div><dt>Recalled on exam day (${stats.exam.exam_date}, in ${stats.exam.days_left} days)</dt><dd>${percent(stats.exam.recall_share)}</dd></div>`}
      </dl>
      <p class="small">${Object.entries(stats.by_state).map(([state, n]) => `${n} ${state}`).join(" · ")}</p>
      <figure class="forecast">
        <figcaption class="small muted">Cards due over the next 30 days</figcaption>
        <ol aria-label="Cards due per day">
          ${stats.forecast.map((day) => html`
            <li key=${day.day} title=${`${day.day}: ${day.due}`} style=${`--h:${(day.due / peak) * 100}%`}>
              <span class="visually-hidden">${day.day}: ${day.due} due</span>
            </li>`)}
        </ol>
      </figure>
    </section>`;
}
