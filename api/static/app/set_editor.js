// The practice set editor (#/practice/<id>?edit=1): the set's questions with what the checks
// find in each, edited in place (an edit the checks refuse says why and saves nothing), moved up
// or down, removed, rewritten from their passage, or added by hand; the set renamed. While a
// generation writes into the set, its progress shows and each question appears as it passes.
import { html, newId, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href } from "./router.js";
import { useEvents } from "./events.js";
import { ConfirmButton } from "./confirm.js";

const RUNNING = new Set(["queued", "running"]);

export function SetEditor({ setId }) {
  const [set, setSet] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const load = () => api(`/practice-sets/${setId}`).then(setSet).catch((failure) =>
    setError(failure.status === 404 ? "This practice set does not exist (or is not yours)." : failure.message));
  useEffect(() => { load(); }, [setId]);
  useEvents(({ type, data }) => {
    if (type.startsWith("practice.generation.") && data.set_id === setId) load();
  });
  const act = async (work, said) => {
    setError(null);
    try {
      await work();
      setNotice(said);
      await load();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const move = (index, by) => {
    const ids = set.questions.map((q) => q.id);
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    act(() => api(`/practice-sets/${setId}/order`, { method: "PUT", body: { item_ids: ids } }),
      `Question ${index + 1} moved ${by < 0 ? "up" : "down"}.`);
  };
  if (!set) {
    return html`<div class="page set-editor"><h1>Edit practice set</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="muted">Loading…</p>`}</div>`;
  }
  const warnings = set.questions.filter((q) => q.problems.length).length;
  return html`
    <div class="page set-editor">
      <p class="small"><a href=${href("practice", setId)}>Take it as a quiz</a> · <a href="#/practice">All practice sets</a></p>
      <h1>Edit: ${set.topic}</h1>
      <${Rename} set=${set} onRenamed=${(topic) => act(() => api(`/practice-sets/${setId}`, { method: "PATCH", body: { topic } }), "Renamed.")} />
      <${Progress} generation=${set.generation} onCancel=${(id) => act(() => api(`/practice-generations/${id}/cancel`, { method: "POST" }), "Generation stopped; the questions written so far stay.")} />
      <p class="muted" data-testid="set-summary">${set.questions.length} questions${warnings ? ` · ${warnings} with something to check` : " · the checks find nothing wrong"}</p>
      <p class="muted small" role="status">${notice}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <ol class="editor-items">
        ${set.questions.map((question, index) => html`
          <li key=${question.id}>
            <${EditableItem} setId=${setId} question=${question} index=${index} count=${set.questions.length}
              onSaved=${() => act(async () => {}, `Question ${index + 1} saved.`)}
              onMove=${(by) => move(index, by)}
              onRemove=${() => act(() => api(`/practice-sets/${setId}/items/${question.id}`, { method: "DELETE" }), `Question ${index + 1} removed.`)}
              onRewrite=${() => act(() => api(`/practice-sets/${setId}/items/${question.id}/rewrite`, { method: "POST" }),
                `Rewriting question ${index + 1} from its passage: the new one takes its place when it passes the checks.`)} />
          </li>`)}
      </ol>
      <${AddItem} setId=${setId} onAdded=${() => act(async () => {}, "Question added.")} />
    </div>`;
}

function Rename({ set, onRenamed }) {
  const submit = (event) => {
    event.preventDefault();
    const topic = new FormData(event.currentTarget).get("topic").trim();
    if (topic && topic !== set.topic) onRenamed(topic);
  };
  return html`
    <form class="row" onSubmit=${submit} aria-label="Rename the set">
      <label>Name <input name="topic" maxlength="200" required defaultValue=${set.topic} key=${set.topic} /></label>
      <button type="submit" class="quiet">Rename</button>
    </form>`;
}

function Progress({ generation, onCancel }) {
  if (!generation) return null;
  const { status, kept, requested, done, total, rewrite } = generation;
  if (RUNNING.has(status)) {
    return html`
      <div class="card generation" role="status" aria-live="polite" data-testid="generation">
        <p>${rewrite ? "Rewriting a question from its passage…" : `Writing questions: ${kept} of ${requested} kept so far`}
          ${total ? ` (${done} of ${total} sentences tried)` : " (waiting for the worker)"}</p>
        <progress max=${requested} value=${kept} aria-label="Questions kept"></progress>
        <button type="button" class="quiet" onClick=${() => onCancel(generation.id)}>Stop</button>
      </div>`;
  }
  const dropped = Object.entries(generation.dropped).map(([why, n]) => `${n} ${why.replaceAll("_", " ")}`).join(", ");
  const said = {
    done: rewrite ? (kept ? "The rewritten question took the old one's place." : "No rewrite passed the checks; the question is unchanged.")
      : `Generated ${kept} of ${requested} questions${dropped ? `; dropped by the checks: ${dropped}` : ""}.`,
    failed: `Generation failed: ${generation.error?.message ?? "unknown error"}`,
    cancelled: `Generation stopped after ${kept} questions.`,
  }[status];
  return html`<p class=${status === "failed" ? "error" : "muted small"} data-testid="generation">${said}</p>`;
}

function Problems({ problems }) {
  if (!problems.length) return null;
  return html`
    <ul class="problems" aria-label="What the checks found">
      ${problems.map((p) => html`<li key=${p.code} class=${p.blocking ? "error" : "notice"}>${p.message}</li>`)}
    </ul>`;
}

function EditableItem({ setId, question, index, count, onSaved, onMove, onRemove, onRewrite }) {
  const [editing, setEditing] = useState(false);
  if (editing) {
    return html`<${ItemForm} title=${`Edit question ${index + 1}`} initial=${question}
      onCancel=${() => setEditing(false)}
      onSubmit=${async (body) => {
        await api(`/practice-sets/${setId}/items/${question.id}`, { method: "PUT", body });
        setEditing(false);
        onSaved();
      }} />`;
  }
  return html`
    <article class="card editor-item" aria-label=${`Question ${index + 1}`}>
      <p class="stem">${question.question}</p>
      ${question.kind === "multiple_choice"
        ? html`<ul class="options">${question.options.map((o, i) => html`
            <li key=${i} class=${o === question.answer ? "key" : ""}>${o}${o === question.answer ? " ✓ answer" : ""}</li>`)}</ul>`
        : html`<p class="small">Answer: <strong>${question.answer}</strong></p>`}
      ${question.filename && html`<p class="muted small">From ${question.filename}${question.page_start ? `, p. ${question.page_start}` : ""}</p>`}
      <${Problems} problems=${question.problems} />
      <div class="row">
        <button type="button" onClick=${() => setEditing(true)} aria-label=${`Edit question ${index + 1}`}>Edit</button>
        <button type="button" class="quiet" disabled=${index === 0} onClick=${() => onMove(-1)} aria-label=${`Up: question ${index + 1}`}>Up</button>
        <button type="button" class="quiet" disabled=${index === count - 1} onClick=${() => onMove(1)} aria-label=${`Down: question ${index + 1}`}>Down</button>
        ${question.chunk_id != null && html`<button type="button" class="quiet" onClick=${onRewrite}
          aria-label=${`Rewrite from its source: question ${index + 1}`}>Rewrite from its source</button>`}
        <${ConfirmButton} label="Remove" confirmLabel=${`Remove question ${index + 1}`} onConfirm=${onRemove} />
      </div>
    </article>`;
}

/** A question's fields; the server runs the checks and a refusal shows what they found. */
function ItemForm({ title, initial, onSubmit, onCancel, withKind = false }) {
  const [kind, setKind] = useState(initial.kind);
  const [problems, setProblems] = useState([]);
  const [error, setError] = useState(null);
  const first = useRef(null);
  useEffect(() => { first.current?.focus(); }, []);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const options = kind === "multiple_choice"
      ? form.get("options").split("\n").map((o) => o.trim()).filter(Boolean) : [];
    const body = { kind, question: form.get("question"), options, answer: form.get("answer"), explanation: form.get("explanation") };
    setError(null);
    setProblems([]);
    try {
      await onSubmit(body);
    } catch (failure) {
      setProblems(failure.problems ?? []);
      setError(failure.message);
    }
  };
  return html`
    <form class="card stack editor-form" onSubmit=${submit} aria-label=${title}>
      <h3>${title}</h3>
      ${withKind && html`<label>Kind
        <select value=${kind} onChange=${(e) => setKind(e.target.value)}>
          <option value="multiple_choice">Multiple choice</option>
          <option value="short_answer">Short answer</option>
        </select></label>`}
      <label>Question <textarea ref=${first} name="question" rows="2" maxlength="1000" required defaultValue=${initial.question}></textarea></label>
      ${kind === "multiple_choice" && html`<label>Options, one per line
        <textarea name="options" rows="4" defaultValue=${initial.options.join("\n")}></textarea></label>`}
      <label>Answer${kind === "multiple_choice" ? " (exactly one of the options)" : ""}
        <input name="answer" maxlength="300" required defaultValue=${initial.answer} /></label>
      <label>Explanation <textarea name="explanation" rows="2" maxlength="2000" defaultValue=${initial.explanation}></textarea></label>
      ${error && html`<div role="alert"><p class="error">${problems.length ? "Not saved:" : error}</p><${Problems} problems=${problems} /></div>`}
      <div class="row">
        <button type="submit">Save</button>
        <button type="button" class="quiet" onClick=${onCancel}>Cancel</button>
      </div>
    </form>`;
}

function AddItem({ setId, onAdded }) {
  const [open, setOpen] = useState(false);
  const pending = useRef(null);
  if (!open) return html`<button type="button" onClick=${() => setOpen(true)}>Add a question by hand</button>`;
  const blank = { kind: "multiple_choice", question: "", options: [], answer: "", explanation: "" };
  return html`<${ItemForm} title="New question" initial=${blank} withKind=${true}
    onCancel=${() => setOpen(false)}
    onSubmit=${async (body) => {
      pending.current ??= newId();  // a resubmit after a failure is a retry, not a second question
      await api(`/practice-sets/${setId}/items`, { method: "POST", body: { ...body, id: pending.current } });
      pending.current = null;
      setOpen(false);
      onAdded();
    }} />`;
}
