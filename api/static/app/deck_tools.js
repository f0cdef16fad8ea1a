// A deck's tools, shown on the deck page: cards written from the student's notes (a job on the
// worker, followed live on the events socket; each suggestion accepted, edited or rejected),
// CSV import, CSV and Anki export, and the FSRS optimizer.
import { html, pages, useCallback, useEffect, useRef, useState } from "./lib.js";
import { api, download, session } from "./api.js";
import { LiveSocket } from "./sockets.js";

const POLL_MS = 1500;  // a fallback for a socket that missed the job's events
const FINISHED = new Set(["done", "failed"]);
const DROPPED = {
  unsupported_answer: "the quote does not state the answer",
  quote_not_in_source: "the quote is not in the notes",
  answer_in_question: "the question gives the answer away",
  invalid_output: "the model's reply was unreadable",
  duplicate: "a repeated question",
  over_count: "more than asked for",
};

export function DeckTools({ deck, onChanged }) {
  return html`
    <${SuggestionsPanel} deck=${deck} onChanged=${onChanged} />
    <div class="deck-grid">
      <${ExchangePanel} deck=${deck} onChanged=${onChanged} />
      <${OptimizerPanel} />
    </div>`;
}

/** Follow a job: its events on the socket, and a poll in case the socket missed them. */
function useJob(deckId, onFinished) {
  const [job, setJob] = useState(null);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;
  const jobId = job?.id;
  const running = job && !FINISHED.has(job.status);
  useEffect(() => {
    if (!running) return undefined;
    const update = (next) => setJob((current) => {
      if (!current || current.id !== next.id) return current;
      const merged = { ...current, ...next };
      if (FINISHED.has(merged.status) && !FINISHED.has(current.status)) finishedRef.current();
      return merged;
    });
    const socket = new LiveSocket("/events", {
      onEvent: ({ type, data }) => {
        if (!type.startsWith("cards.suggestions.") || data.job_id !== jobId) return;
        const next = { id: data.job_id, done: data.done, total: data.total, kept: data.kept };
        if (type === "cards.suggestions.done") Object.assign(next, { status: data.status, dropped: data.dropped, error: data.error ?? null });
        update(next);
      },
    }).start();
    const timer = setInterval(() => api(`/card-suggestion-jobs/${jobId}`).then(update).catch(() => {}), POLL_MS);
    return () => { socket.stop(); clearInterval(timer); };
  }, [jobId, running]);
  return [job, setJob];
}

function SuggestionsPanel({ deck, onChanged }) {
  const [source, setSource] = useState("documents");
  const [documents, setDocuments] = useState([]);
  const [chosen, setChosen] = useState([]);
  const [topic, setTopic] = useState("");
  const [count, setCount] = useState(10);
  const [error, setError] = useState(null);
  const [pending, setPending] = useState([]);
  const loadPending = useCallback(async () => {
    try {
      setPending((await api(`/decks/${deck.id}/suggestions?limit=100`)).items);
    } catch (failure) {
      setError(failure.message);
    }
  }, [deck.id]);
  const [job, setJob] = useJob(deck.id, loadPending);
  useEffect(() => { loadPending(); }, [loadPending]);
  useEffect(() => {
    api("/documents?status=ready&limit=100").then((page) => setDocuments(page.items)).catch(() => {});
  }, []);

  const start = async (event) => {
    event.preventDefault();
    const body = source === "documents" ? { document_ids: chosen, count } : { topic, count };
    if (source === "documents" && chosen.length === 0) return setError("Choose at least one document.");
    try {
      setError(null);
      setJob(await api(`/decks/${deck.id}/suggestions`, { method: "POST", body }));
    } catch (failure) {
      setError(failure.message);
    }
  };
  const toggle = (id) => setChosen((current) => (current.includes(id) ? current.filter((c) => c !== id) : [...current, id]));
  const decided = (id, accepted) => {
    setPending((current) => current.filter((s) => s.id !== id));
    if (accepted) onChanged();
  };
  const running = job && !FINISHED.has(job.status);
  return html`
    <section class="card suggestions" aria-labelledby="from-notes">
      <h2 id="from-notes">Cards from my notes</h2>
      <form class="stack" onSubmit=${start}>
        <fieldset class="inline">
          <legend>Write cards from</legend>
          <label class="inline-label"><input type="radio" name="source" value="documents" checked=${source === "documents"} onChange=${() => setSource("documents")} /> Documents</label>
          <label class="inline-label"><input type="radio" name="source" value="topic" checked=${source === "topic"} onChange=${() => setSource("topic")} /> A topic</label>
        </fieldset>
        ${source === "documents" ? html`
          <fieldset class="inline document-choice">
            <legend>Documents</legend>
            ${documents.length === 0 && html`<p class="empty small">No ready documents yet: upload notes first.</p>`}
            ${documents.map((d) => html`
              <label key=${d.id} class="inline-label"><input type="checkbox" checked=${chosen.includes(d.id)} onChange=${() => toggle(d.id)} /> ${d.filename}</label>`)}
          </fieldset>` : html`
          <label>Topic<input type="text" name="topic" required maxlength="500" placeholder="e.g. data frames in R" value=${topic} onInput=${(e) => setTopic(e.currentTarget.value)} /></label>`}
        <div class="row">
          <label>How many cards<input type="number" name="count" min="1" max="30" required value=${count} onInput=${(e) => setCount(Number(e.currentTarget.value))} /></label>
          <button type="submit" disabled=${running}>Write cards</button>
        </div>
        ${error && html`<p class="error" role="alert">${error}</p>`}
      </form>
      <${JobProgress} job=${job} />
      <${PendingList} items=${pending} onDecided=${decided} />
    </section>`;
}

function JobProgress({ job }) {
  if (!job) return null;
  const dropped = Object.entries(job.dropped ?? {}).filter(([, n]) => n > 0);
  return html`
    <div class="job-progress" role="status" aria-live="polite">
      ${job.status === "queued" && html`<p class="muted small">Waiting for the worker…</p>`}
      ${job.total > 0 && html`<progress max=${job.total} value=${job.done} aria-label="Passages read"></progress>`}
      <p class="small">
        ${job.status === "done" ? "Done: " : ""}${job.done} of ${job.total || "?"} passages read, ${job.kept} card${job.kept === 1 ? "" : "s"} suggested.
      </p>
      ${dropped.length > 0 && html`<p class="small muted">Dropped: ${dropped.map(([reason, n]) => `${n} (${DROPPED[reason] ?? reason})`).join(", ")}.</p>`}
      ${job.status === "failed" && html`<p class="error" role="alert">${job.error?.message ?? "The job failed."}</p>`}
    </div>`;
}

function PendingList({ items, onDecided }) {
  if (items.length === 0) return null;
  return html`
    <div aria-labelledby="pending-title">
      <h3 id="pending-title">Suggested cards (${items.length})</h3>
      <ul class="suggestion-list">
        ${items.map((s) => html`<${SuggestionItem} key=${s.id} suggestion=${s} onDecided=${onDecided} />`)}
      </ul>
    </div>`;
}

function SuggestionItem({ suggestion, onDecided }) {
  const [editing, setEditing] = useState(false);
  const [front, setFront] = useState(suggestion.front);
  const [back, setBack] = useState(suggestion.back);
  const [error, setError] = useState(null);
  const decide = async (action, body) => {
    try {
      await api(`/card-suggestions/${suggestion.id}/${action}`, { method: "POST", body });
      onDecided(suggestion.id, action === "accept");
    } catch (failure) {
      setError(failure.message);
    }
  };
  const save = (event) => {
    event.preventDefault();
    decide("accept", { front, back });
  };
  const where = [suggestion.filename, pages(suggestion.page_start, suggestion.page_end)].filter(Boolean).join(", ");
  return html`
    <li class="suggestion">
      ${editing ? html`
        <form class="stack" onSubmit=${save}>
          <label>Question<textarea required maxlength="4000" value=${front} onInput=${(e) => setFront(e.currentTarget.value)} /></label>
          <label>Answer<textarea maxlength="4000" value=${back} onInput=${(e) => setBack(e.currentTarget.value)} /></label>
          <div class="row">
            <button type="submit">Save and accept</button>
            <button type="button" class="quiet" onClick=${() => setEditing(false)}>Cancel</button>
          </div>
        </form>` : html`
        <p class="suggestion-front">${suggestion.front}</p>
        <p class="suggestion-back">${suggestion.back}</p>`}
      <blockquote class="small">“${suggestion.quote}”${where && html` <cite class="muted">${where}</cite>`}</blockquote>
      ${!editing && html`
        <div class="row">
          <button type="button" aria-label=${`Accept: ${suggestion.front}`} onClick=${() => decide("accept")}>Accept</button>
          <button type="button" class="quiet" aria-label=${`Edit: ${suggestion.front}`} onClick=${() => setEditing(true)}>Edit</button>
          <button type="button" class="quiet" aria-label=${`Reject: ${suggestion.front}`} onClick=${() => decide("reject")}>Reject</button>
        </div>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </li>`;
}

const REASONS = {
  empty_front: "no front", too_long: "too long", unknown_kind: "unknown kind",
  cloze_without_deletions: "cloze without {{c1::…}}", duplicate: "already in the deck", too_many_rows: "over the row limit",
};

function ExchangePanel({ deck, onChanged }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const upload = async (event) => {
    const file = event.currentTarget.files[0];
    event.currentTarget.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const response = await fetch(`/api/v1/decks/${deck.id}/import`, {
        method: "POST", body: form, headers: { Authorization: `Bearer ${session.token}` },
      });
      const data = await response.json().catch(() => null);
      if (!response.ok) throw new Error(data?.error?.message ?? `The import failed (HTTP ${response.status}).`);
      setReport(data);
      setError(null);
      if (data.imported) onChanged();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const exportAs = (kind) => download(`/decks/${deck.id}/export.${kind}`, `deck.${kind}`).catch((e) => setError(e.message));
  return html`
    <section class="card" aria-labelledby="exchange">
      <h2 id="exchange">Import and export</h2>
      <label>Import a CSV file (columns front, back and optionally kind)
        <input type="file" accept=".csv,text/csv" onChange=${upload} />
      </label>
      ${report && html`
        <div role="status" class="small">
          <p>Imported ${report.imported} card${report.imported === 1 ? "" : "s"}${report.skipped.length ? `, skipped ${report.skipped.length}` : ""}.</p>
          ${report.skipped.length > 0 && html`<ul class="skipped">${report.skipped.slice(0, 20).map((s) => html`<li key=${s.line}>Line ${s.line}: ${REASONS[s.reason] ?? s.reason}</li>`)}</ul>`}
        </div>`}
      <div class="row">
        <button type="button" class="quiet" onClick=${() => exportAs("csv")}>Export CSV</button>
        <button type="button" class="quiet" onClick=${() => exportAs("apkg")}>Export for Anki (.apkg)</button>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}

function OptimizerPanel() {
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!run || FINISHED.has(run.status)) return undefined;
    const timer = setInterval(() => api(`/fsrs/optimizations/${run.id}`).then(setRun).catch(() => {}), POLL_MS);
    return () => clearInterval(timer);
  }, [run?.id, run?.status]);
  const start = async () => {
    try {
      setError(null);
      setRun(await api("/fsrs/optimize", { method: "POST" }));
    } catch (failure) {
      setError(failure.message);
    }
  };
  const busy = run && !FINISHED.has(run.status);
  return html`
    <section class="card" aria-labelledby="optimizer">
      <h2 id="optimizer">Scheduling fitted to you</h2>
      <p class="small muted">After 512 reviews, FSRS can learn how fast you forget and schedule your cards to match.</p>
      <button type="button" onClick=${start} disabled=${busy}>${busy ? "Optimizing…" : "Optimize my scheduling"}</button>
      <div role="status" class="small">
        ${run?.status === "done" && html`<p>Fitted on ${run.reviews_used} reviews: log-loss ${run.log_loss_before.toFixed(4)} with the defaults, ${run.log_loss_after.toFixed(4)} with yours (lower predicts your memory better).</p>`}
        ${run?.status === "failed" && html`<p class="error">${run.error_message}</p>`}
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}
