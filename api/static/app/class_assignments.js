// A class's assignments on its page: everyone sees them, latest due first (a student with their
// attempts and best score, a teacher with how many submitted and how many answers wait for a
// grade); its teachers publish one of their practice sets with a due time.
import { html, shortDate, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { usePagedList } from "./paged.js";
import { href } from "./router.js";

export function ClassAssignments({ found }) {
  const { items: listed, next, error, reload: load, more } = usePagedList(`/classes/${found.id}/assignments`);
  const [notice, setNotice] = useState("");
  const teaching = found.standing !== "student";
  const published = (made) => {
    setNotice(`${made.title} is published: each student has it as a task due ${shortDate(made.due_at)}.`);
    load();
  };
  return html`
    <section class="card class-assignments" aria-labelledby="assignments-title">
      <h2 id="assignments-title">Assignments</h2>
      <p class="muted small" role="status">${notice}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${listed && listed.length === 0 && html`<p class="empty">No assignments yet.</p>`}
      ${listed && listed.length > 0 && html`
        <ul class="materials" data-testid="assignments">
          ${listed.map((a) => html`
            <li key=${a.id} class="material">
              <a class="material-name" href=${href("classes", null, { assignment: a.id })}>${a.title}</a>
              <span class="muted small">${`${a.questions} questions · due ${shortDate(a.due_at)}`}</span>
              <span class="small">${teaching ? teacherSummary(a) : studentSummary(a)}</span>
            </li>`)}
        </ul>`}
      ${next && html`<button type="button" class="quiet" onClick=${more}>More assignments</button>`}
      ${teaching && found.archived_at == null && html`<${PublishForm} found=${found} onPublished=${published} />`}
    </section>`;
}

function teacherSummary(a) {
  const waiting = a.waiting ? ` · ${a.waiting} to grade` : "";
  return `${a.submitted} submitted${waiting}`;
}

function studentSummary(a) {
  if (!a.attempts_used) return new Date(a.due_at) < new Date() ? "Missing" : "Not submitted yet";
  return `Best ${Math.round(100 * a.best_score)}% · ${a.attempts_used} of ${a.attempts_allowed} submissions`;
}

/** "2026-12-09T17:00" for a datetime-local input, in the reader's own zone. */
function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function PublishForm({ found, onPublished }) {
  const [sets, setSets] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api("/practice-sets?limit=100").then((page) => setSets(page.items)).catch((failure) => setError(failure.message));
  }, [found.id]);
  const inAWeek = new Date(Date.now() + 7 * 86_400_000);
  inAWeek.setHours(17, 0, 0, 0);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const chosen = sets.find((s) => s.id === form.get("set"));
    const body = {
      set_id: form.get("set"),
      title: form.get("title").trim() || chosen?.topic || "Practice",
      due_at: new Date(form.get("due")).toISOString(),
      attempts_allowed: Number(form.get("attempts")),
    };
    setBusy(true);
    try {
      onPublished(await api(`/classes/${found.id}/assignments`, { method: "POST", body }));
      setError(null);
      event.target.reset();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h3 id="publish-title">Publish a practice set</h3>
    ${sets && sets.length === 0
      ? html`<p class="muted small">You have no practice sets yet: ask the <a href=${href("tutor", null, { mode: "practice" })}>tutor</a> for one from your notes.</p>`
      : html`
        <form class="stack" onSubmit=${submit} aria-labelledby="publish-title">
          <label>Practice set
            <select name="set" required>
              ${(sets ?? []).map((s) => html`<option key=${s.id} value=${s.id}>${s.topic} · ${shortDate(s.created_at)}</option>`)}
            </select>
          </label>
          <label>Title <input name="title" maxlength="200" placeholder="The set's topic" /></label>
          <div class="row">
            <label>Due <input name="due" type="datetime-local" required value=${localInput(inAWeek)} /></label>
            <label>Submissions allowed <input name="attempts" type="number" min="1" max="10" value="1" required /></label>
          </div>
          <button type="submit" disabled=${busy || !sets}>Publish to the class</button>
        </form>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}`;
}
