// Practice sets: every set the tutor wrote, to reopen and take again, or export for Moodle or Anki.
import { html, newId, shortDate, useEffect, useRef, useState } from "./lib.js";
import { api, download } from "./api.js";
import { PassageDialog } from "./passage.js";
import { Quiz } from "./quiz.js";
import { SetEditor } from "./set_editor.js";

export function PracticeView({ setId, params }) {
  if (setId && params?.get("edit")) return html`<${SetEditor} setId=${setId} />`;
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
              <span class="muted small">${set.question_count} questions · ${shortDate(set.created_at)}</span>
            </li>`)}
        </ul>
        ${nextCursor && html`<button type="button" class="quiet" onClick=${() => load(nextCursor)}>Show more</button>`}
      </section>
    </div>`;
}

function scoreText(score) {
  if (!score || score.answered === 0) return "";
  const share = Math.round(100 * score.share);
  const open = score.uncertain ? ` · ${score.uncertain} for you to settle` : "";
  return `Score: ${score.correct} of ${score.answered} answered correctly (${share} %) · ${score.answered} of ${score.questions} questions answered${open}`;
}

/** The server-side answers of one set: the latest per question, the score, submit and settle. */
function useAttempts(setId) {
  const [attempts, setAttempts] = useState({});
  const [score, setScore] = useState(null);
  // One attempt id per question until the server has it: a resubmit after a failure is a retry.
  const pending = useRef({});
  const load = async () => {
    const data = await api(`/practice-sets/${setId}/attempts`);
    setAttempts(Object.fromEntries(data.items.map((a) => [a.item_id, a])));
    setScore(data.score);
  };
  useEffect(() => { load().catch(() => {}); }, [setId]);
  const submit = async (question, answer) => {
    pending.current[question.id] ??= newId();
    const body = { attempt_id: pending.current[question.id], item_id: question.id, answer };
    const attempt = await api(`/practice-sets/${setId}/attempts`, { method: "POST", body });
    delete pending.current[question.id];
    setAttempts((current) => ({ ...current, [question.id]: attempt }));
    await load();
  };
  const resolve = async (attempt, correct) => {
    const path = `/practice-sets/${setId}/attempts/${attempt.id}/resolve`;
    const settled = await api(path, { method: "POST", body: { correct } });
    setAttempts((current) => ({ ...current, [settled.item_id]: settled }));
    await load();
  };
  return { attempts, score, submit, resolve };
}

/** The student's decks, or null when they cannot be listed (then no card is offered). */
function useDecks() {
  const [decks, setDecks] = useState(null);
  useEffect(() => {
    api("/decks?limit=100").then((page) => setDecks(page.items)).catch(() => setDecks(null));
  }, []);
  return decks;
}

/** "Make a flashcard" under a wrong answer: pick a deck, and the question becomes a card. */
function MakeCard({ question, index, decks }) {
  const [open, setOpen] = useState(false);
  const [deckId, setDeckId] = useState(decks[0]?.id ?? "");
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const select = useRef(null);
  useEffect(() => { if (open) select.current?.focus(); }, [open]);
  if (done) return html`<p class="muted small" role="status">Card added to ${done}.</p>`;
  if (!open) {
    return html`<button type="button" class="quiet" onClick=${() => setOpen(true)}
      aria-label=${`Make a flashcard from question ${index + 1}`}>Make a flashcard</button>`;
  }
  if (decks.length === 0) {
    return html`<p class="muted small">No decks yet: make one under <a href="#/cards">Flashcards</a> first.</p>`;
  }
  const add = async () => {
    setError(null);
    try {
      await api(`/practice-items/${question.id}/card`, { method: "POST", body: { deck_id: deckId } });
      setDone(decks.find((deck) => deck.id === deckId)?.name ?? "the deck");
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`
    <div class="make-card row" role="group" aria-label=${`Flashcard from question ${index + 1}`}>
      <label>Deck
        <select ref=${select} value=${deckId} onChange=${(e) => setDeckId(e.target.value)}>
          ${decks.map((deck) => html`<option key=${deck.id} value=${deck.id}>${deck.name}</option>`)}
        </select>
      </label>
      <button type="button" onClick=${add}>Add card</button>
      <button type="button" class="quiet" onClick=${() => setOpen(false)}>Cancel</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}

/** The set downloaded for another tool: Moodle's question bank (GIFT) or an Anki deck. */
function ExportButtons({ setId }) {
  const [error, setError] = useState(null);
  const exportAs = (kind) => {
    setError(null);
    download(`/practice-sets/${setId}/export.${kind}`, `practice-set.${kind}`).catch((e) => setError(e.message));
  };
  return html`
    <p class="exports">
      <button type="button" class="quiet" onClick=${() => exportAs("gift")}>Export for Moodle (GIFT)</button>${" "}
      <button type="button" class="quiet" onClick=${() => exportAs("apkg")}>Export for Anki</button>
    </p>
    ${error && html`<p class="error" role="alert">${error}</p>`}`;
}

function PracticeSet({ setId }) {
  const [set, setSet] = useState(null);
  const [error, setError] = useState(null);
  const [source, setSource] = useState(null);
  const { attempts, score, submit, resolve } = useAttempts(setId);
  const decks = useDecks();
  useEffect(() => {
    api(`/practice-sets/${setId}`).then(setSet).catch((failure) =>
      setError(failure.status === 404 ? "This practice set does not exist (or is not yours)." : failure.message));
  }, [setId]);
  const grading = {
    attempts,
    score: scoreText(score),
    submit,
    resolve,
    afterWrong: (question) => decks && html`
      <${MakeCard} question=${question} index=${set.questions.indexOf(question)} decks=${decks} />`,
  };
  return html`
    <div class="page practice">
      <p><a href="#/practice">← All practice sets</a></p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${set && html`
        <h1>${set.topic}</h1>
        <p class="muted">${set.questions.length} questions · ${shortDate(set.created_at)} · written by ${set.model_id}</p>
        <${ExportButtons} setId=${setId} />
        <p><a href=${`#/practice/${setId}?edit=1`}>Edit this set</a></p>
        <section class="card"><${Quiz} questions=${set.questions} onSource=${setSource} idPrefix="set" grading=${grading} /></section>`}
      <${PassageDialog} source=${source} onClose=${() => setSource(null)} />
    </div>`;
}
