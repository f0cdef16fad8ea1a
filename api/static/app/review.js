// The review screen: the question, Space reveals the answer, 1-4 rate it (the buttons say when
// the card comes back), Undo (u or Ctrl+Z) takes the last rating back.
import { html, useCallback, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href } from "./router.js";

const RATINGS = [[1, "Again"], [2, "Hard"], [3, "Good"], [4, "Easy"]];

function reviewId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "1 min", "10 min", "3 h", "4 d", "2 mo", "1.5 y" from now until `iso`. */
export function interval(iso, now = Date.now()) {
  const minutes = Math.max(1, Math.round((new Date(iso) - now) / 60000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 60 * 24) return `${Math.round(minutes / 60)} h`;
  const days = minutes / 1440;
  if (days < 30) return `${Math.round(days)} d`;
  if (days < 365) return `${Math.round(days / 30)} mo`;
  return `${(days / 365).toFixed(1)} y`;
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export function ReviewSession({ deckId }) {
  const [queue, setQueue] = useState(null);
  const [revealed, setRevealed] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(0);
  const shownAt = useRef(Date.now());
  const heading = useRef(null);

  const load = useCallback(async () => {
    try {
      const next = await api(`/review-queue${deckId ? `?deck_id=${deckId}` : ""}`);
      setQueue(next);
      setRevealed(false);
      setError(null);
      shownAt.current = Date.now();
    } catch (failure) {
      setError(failure.message);
    }
  }, [deckId]);
  useEffect(() => { load(); }, [load]);

  const card = queue?.items[0] ?? null;
  const rate = useCallback(async (rating) => {
    if (!card || !revealed || busy) return;
    setBusy(true);
    const body = { review_id: reviewId(), rating, duration_ms: Date.now() - shownAt.current };
    try {
      await api(`/cards/${card.id}/reviews`, { method: "POST", body });
      setDone((n) => n + 1);
      await load();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }, [card, revealed, busy, load]);
  const undo = useCallback(async () => {
    if (busy) return;
    setBusy(true);
    try {
      await api("/reviews/undo", { method: "POST" });
      setDone((n) => Math.max(0, n - 1));
      await load();
    } catch (failure) {
      setError(failure.code === "nothing_to_undo" ? "Nothing to undo." : failure.message);
    } finally {
      setBusy(false);
    }
  }, [busy, load]);

  // One listener reading the latest render through a ref: a key pressed right after another
  // must act on the state that key produced, not on the listener of an older render.
  const latest = useRef(null);
  latest.current = { card, revealed, rate, undo, reveal: () => setRevealed(true) };
  useEffect(() => {
    const onKey = (event) => {
      if (typing(event.target) || event.altKey || event.metaKey) return;
      const now = latest.current;
      if ((event.key === "z" && event.ctrlKey) || (event.key === "u" && !event.ctrlKey)) {
        event.preventDefault();
        now.undo();
      } else if (event.ctrlKey) {
        return;
      } else if (event.key === " " && now.card && !now.revealed) {
        event.preventDefault();
        now.reveal();
      } else if (["1", "2", "3", "4"].includes(event.key) && now.revealed) {
        event.preventDefault();
        now.rate(Number(event.key));
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  useEffect(() => { heading.current?.focus(); }, [card?.id]);

  const back = deckId ? href("cards", deckId) : href("cards");
  if (!queue && !error) return html`<div class="page"><p class="muted">Loading…</p></div>`;
  const counts = queue?.counts;
  const left = counts ? counts.learning + counts.review + counts.new : 0;
  return html`
    <div class="page review">
      <p class="small"><a href=${back}>← ${deckId ? "Back to the deck" : "All decks"}</a></p>
      <div class="list-head">
        <h1 tabindex="-1" ref=${heading}>Review</h1>
        <p class="review-progress" role="status" aria-live="polite">
          ${done} reviewed · <span class="left">${left} left today</span>
          ${counts && html` <span class="small muted">(${counts.learning} learning, ${counts.review} due, ${counts.new} new)</span>`}
        </p>
        <button type="button" class="quiet small" onClick=${undo} disabled=${busy} aria-keyshortcuts="u Control+Z">Undo (u)</button>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${card ? html`<${ReviewCard} card=${card} revealed=${revealed} busy=${busy} onReveal=${() => setRevealed(true)} onRate=${rate} />`
        : queue && html`<${QueueEmpty} counts=${queue.counts} back=${back} />`}
    </div>`;
}

function ReviewCard({ card, revealed, busy, onReveal, onRate }) {
  return html`
    <article class="card review-card" aria-label="Flashcard">
      <div class="review-meta small muted">
        <span class="badge">${card.state}</span>
        ${card.filename && html`<span>from ${card.filename}</span>`}
      </div>
      ${card.stale_reason && html`<p class="notice small">This card's source has changed or was deleted.</p>`}
      <p class="card-question">${card.question}</p>
      ${revealed ? html`
        <hr />
        <p class="card-answer">${card.answer}</p>
        ${card.quote && html`<blockquote class="small muted">${card.quote}</blockquote>`}
        <div class="ratings" role="group" aria-label="How well did you remember?">
          ${RATINGS.map(([rating, name]) => html`
            <button type="button" key=${rating} class=${`rating rating-${rating}`} disabled=${busy}
              aria-keyshortcuts=${String(rating)} onClick=${() => onRate(rating)}>
              <span>${rating} · ${name}</span>
              <span class="small">${interval(card.next_due[rating])}</span>
            </button>`)}
        </div>`
      : html`<div class="row"><button type="button" onClick=${onReveal} aria-keyshortcuts="Space">Show answer (Space)</button></div>`}
    </article>`;
}

function QueueEmpty({ counts, back }) {
  return html`
    <section class="card review-empty">
      <h2>Nothing left to review now</h2>
      ${counts.later_today > 0
        ? html`<p>${counts.later_today} card${counts.later_today === 1 ? "" : "s"} you are learning come back later today${counts.next_due_at ? ` (next in ${interval(counts.next_due_at)})` : ""}.</p>`
        : html`<p class="muted">You are done for today.</p>`}
      <a href=${back}>Back</a>
    </section>`;
}
