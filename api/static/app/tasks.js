// Tasks: add (Enter submits), the views (today, upcoming, overdue, all open, done), a checkbox
// per task to finish or reopen it, edit and delete in place, this week's stats, and the private
// calendar link. Days and times are entered in the browser's zone; the server decides what is
// today and overdue in the student's profile zone (set at sign-up from the same browser).
import { html, shortDate, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href } from "./router.js";

const VIEWS = [["today", "Today"], ["upcoming", "Upcoming"], ["overdue", "Overdue"], ["open", "All open"], ["done", "Done"]];
const EMPTY = {
  today: "Nothing due today. Add a task above, or look at what is coming up.",
  upcoming: "Nothing due in the next 7 days.",
  overdue: "Nothing overdue.",
  open: "No open tasks.",
  done: "No finished tasks yet.",
};
const WEEKDAYS = [["mon", "Mon"], ["tue", "Tue"], ["wed", "Wed"], ["thu", "Thu"], ["fri", "Fri"], ["sat", "Sat"], ["sun", "Sun"]];
const PRIORITIES = [["low", "Low"], ["medium", "Medium"], ["high", "High"]];

/** "Wed 2 Dec" for an all-day task's day, read as a local day (not UTC midnight). */
function dayLabel(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(year, month - 1, day).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

function dueLabel(task) {
  if (task.due_date) return `due ${dayLabel(task.due_date)}`;
  if (task.due_at) return `due ${shortDate(task.due_at)}`;
  return "no due date";
}

function repeatLabel(recurrence) {
  if (!recurrence) return null;
  if (recurrence.kind === "daily") return "repeats daily";
  if (recurrence.kind === "weekly") {
    const names = Object.fromEntries(WEEKDAYS);
    return `repeats ${recurrence.weekdays.map((day) => names[day]).join(", ")}`;
  }
  return `repeats every ${recurrence.interval} days`;
}

const pad = (n) => String(n).padStart(2, "0");

/** The form's due fields for a task: its day, and its local time when it has one. */
function dueFields(task) {
  if (task?.due_date) return { date: task.due_date, time: "" };
  if (!task?.due_at) return { date: "", time: "" };
  const at = new Date(task.due_at);
  return { date: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`, time: `${pad(at.getHours())}:${pad(at.getMinutes())}` };
}

/** The API body for a task form; throws an Error with words for the student. */
function taskBody(form) {
  const data = new FormData(form);
  const date = data.get("due_date");
  const time = data.get("due_time");
  if (time && !date) throw new Error("Choose a day for that time, or clear the time.");
  const body = {
    title: data.get("title").trim(),
    notes: data.get("notes") ?? "",
    subject: data.get("subject") ?? "",
    priority: data.get("priority"),
    due_date: date && !time ? date : null,
    due_at: date && time ? new Date(`${date}T${time}`).toISOString() : null,
    recurrence: null,
  };
  const repeat = data.get("repeat");
  if (repeat && !date) throw new Error("A repeating task needs a due date to repeat from.");
  if (repeat === "daily") body.recurrence = { kind: "daily" };
  if (repeat === "every_n_days") body.recurrence = { kind: "every_n_days", interval: Number(data.get("interval")) };
  if (repeat === "weekly") {
    const weekdays = data.getAll("weekdays");
    if (!weekdays.length) throw new Error("Tick the weekdays it repeats on.");
    body.recurrence = { kind: "weekly", weekdays };
  }
  return body;
}

function TaskFields({ task, titleRef }) {
  const [repeat, setRepeat] = useState(task?.recurrence?.kind ?? "");
  const due = dueFields(task);
  return html`
    <div class="task-fields">
      <label class="task-title">Title
        <input name="title" ref=${titleRef} required maxlength="200" autocomplete="off" defaultValue=${task?.title ?? ""} />
      </label>
      <label>Due date<input name="due_date" type="date" defaultValue=${due.date} /></label>
      <label>Time (optional)<input name="due_time" type="time" defaultValue=${due.time} /></label>
      <label>Priority
        <select name="priority">
          ${PRIORITIES.map(([value, label]) => html`<option value=${value} selected=${(task?.priority ?? "medium") === value}>${label}</option>`)}
        </select>
      </label>
      <label>Subject<input name="subject" maxlength="80" defaultValue=${task?.subject ?? ""} /></label>
      <label>Repeats
        <select name="repeat" value=${repeat} onChange=${(e) => setRepeat(e.target.value)}>
          <option value="">Never</option>
          <option value="daily">Every day</option>
          <option value="weekly">Weekly on…</option>
          <option value="every_n_days">Every N days</option>
        </select>
      </label>
      ${repeat === "every_n_days" && html`
        <label>Every how many days<input name="interval" type="number" min="1" max="365" required
          defaultValue=${task?.recurrence?.interval ?? 2} /></label>`}
      ${repeat === "weekly" && html`
        <fieldset class="inline weekdays">
          <legend>Repeats on</legend>
          ${WEEKDAYS.map(([value, label]) => html`
            <label class="choice" key=${value}><input type="checkbox" name="weekdays" value=${value}
              defaultChecked=${task?.recurrence?.weekdays?.includes(value)} />${label}</label>`)}
        </fieldset>`}
      <label class="task-notes">Notes<textarea name="notes" rows="2" maxlength="10000" defaultValue=${task?.notes ?? ""}></textarea></label>
    </div>`;
}

function AddTask({ onAdded }) {
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const titleRef = useRef(null);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    let body;
    try { body = taskBody(event.target); } catch (failure) { setError(failure.message); return; }
    setSending(true);  // a double Enter must not add the task twice
    try {
      const task = await api("/tasks", { method: "POST", body });
      setFormKey((key) => key + 1);  // a fresh, empty form
      onAdded(task);
      titleRef.current?.focus();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setSending(false);
    }
  };
  return html`
    <section class="card" aria-labelledby="add-task-title">
      <h2 id="add-task-title">Add a task</h2>
      <form class="task-form" onSubmit=${submit} key=${formKey}>
        <${TaskFields} titleRef=${titleRef} />
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <div class="row"><button type="submit" disabled=${sending}>Add task</button></div>
      </form>
    </section>`;
}

function TaskRow({ task, onChanged, announce, scope = "list" }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const done = task.status === "done";
  const run = async (work) => {
    setBusy(true);
    setError(null);
    try { await work(); } catch (failure) { setError(failure.message); } finally { setBusy(false); }
  };
  const toggle = () => run(async () => {
    const changed = await api(`/tasks/${task.id}/${done ? "reopen" : "complete"}`, { method: "POST" });
    announce(done ? `Reopened: ${task.title}` : `Done: ${task.title}${changed.next_id ? " (the next one is added)" : ""}`);
    onChanged();
  });
  const save = (event) => {
    event.preventDefault();
    let body;
    try { body = taskBody(event.target); } catch (failure) { setError(failure.message); return; }
    run(async () => {
      await api(`/tasks/${task.id}`, { method: "PATCH", body });
      setEditing(false);
      announce(`Saved: ${body.title}`);
      onChanged();
    });
  };
  const remove = () => run(async () => {
    await api(`/tasks/${task.id}`, { method: "DELETE" });
    announce(`Deleted: ${task.title}`);
    onChanged();
  });
  const checkId = `${scope}-task-${task.id}`;
  const classes = ["task", `priority-${task.priority}`, task.overdue ? "overdue" : "", done ? "done" : ""].join(" ");
  return html`
    <li class=${classes} data-task-id=${task.id}>
      <div class="task-head">
        <input type="checkbox" id=${checkId} checked=${done} disabled=${busy} onChange=${toggle}
          aria-describedby=${`${checkId}-meta`} />
        <label class="task-name" for=${checkId}>${task.title}</label>
        ${task.overdue && html`<span class="badge overdue-badge">Overdue</span>`}
        <span class=${`badge priority ${task.priority}`}>${task.priority} priority</span>
        ${!editing && !confirming && html`
          <button type="button" class="quiet small" onClick=${() => setEditing(true)} aria-label=${`Edit ${task.title}`}>Edit</button>
          <button type="button" class="danger small" onClick=${() => setConfirming(true)} aria-label=${`Delete ${task.title}`}>Delete</button>`}
      </div>
      <p class="muted small task-meta" id=${`${checkId}-meta`}>
        <span class=${task.overdue ? "overdue-text" : ""}>${dueLabel(task)}</span>
        ${task.subject && html` · ${task.subject}`}
        ${task.recurrence && html` · ${repeatLabel(task.recurrence)}`}
        ${done && task.completed_at && html` · done ${shortDate(task.completed_at)}`}
      </p>
      ${task.notes && !editing && html`<p class="task-notes-text">${task.notes}</p>`}
      ${task.assignment_id && html`<p class="small"><a href=${href("classes", null, { assignment: task.assignment_id })}>Open the assignment</a></p>`}
      ${confirming && html`
        <div class="confirm" role="group" aria-label=${`Confirm deleting ${task.title}`}>
          <span>Delete “${task.title}”?</span>
          <button type="button" class="danger" onClick=${remove} disabled=${busy}>Delete</button>
          <button type="button" class="quiet" onClick=${() => setConfirming(false)}>Keep</button>
        </div>`}
      ${editing && html`
        <form class="task-form editing" onSubmit=${save} aria-label=${`Edit ${task.title}`}>
          <${TaskFields} task=${task} />
          <div class="row">
            <button type="submit" disabled=${busy}>Save</button>
            <button type="button" class="quiet" onClick=${() => { setEditing(false); setError(null); }}>Cancel</button>
          </div>
        </form>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </li>`;
}

function Stats({ stats }) {
  if (!stats) return null;
  const rate = stats.completion_rate == null ? "–" : `${Math.round(stats.completion_rate * 100)}%`;
  return html`
    <section aria-label="Task statistics">
      <dl class="task-stats">
        <div><dt>Open</dt><dd>${stats.open}</dd></div>
        <div class=${stats.overdue ? "overdue" : ""}><dt>Overdue</dt><dd>${stats.overdue}</dd></div>
        <div><dt>Done this week</dt><dd>${stats.done_this_week}</dd></div>
        <div><dt>Of this week's tasks done</dt><dd>${rate}</dd></div>
      </dl>
    </section>`;
}

function TaskList({ view, version, onChanged, announce }) {
  const [items, setItems] = useState(null);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor) => {
    try {
      const query = new URLSearchParams({ view, limit: 50 });
      if (cursor) query.set("cursor", cursor);
      const page = await api(`/tasks?${query}`);
      setItems((current) => [...(cursor ? current ?? [] : []), ...page.items]);
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => { load(null); }, [view, version]);
  return html`
    <div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${items && items.length === 0 && html`<p class="empty">${EMPTY[view]}</p>`}
      <ul class="task-list" aria-label=${`${VIEWS.find(([name]) => name === view)[1]} tasks`}>
        ${(items ?? []).map((task) => html`<${TaskRow} key=${task.id} task=${task} onChanged=${onChanged} announce=${announce} />`)}
      </ul>
      ${nextCursor && html`<button type="button" class="quiet" onClick=${() => load(nextCursor)}>Show more</button>`}
    </div>`;
}

function CalendarFeed() {
  const [feed, setFeed] = useState(null);
  const [url, setUrl] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const field = useRef(null);
  useEffect(() => { api("/tasks/calendar-feed").then(setFeed).catch((failure) => setError(failure.message)); }, []);
  const create = async () => {
    try {
      const created = await api("/tasks/calendar-feed", { method: "POST" });
      setUrl(created.url);
      setFeed({ active: true, created_at: created.created_at });
      setMessage(feed?.active ? "A new link is ready; the old one no longer works." : "Your calendar link is ready.");
    } catch (failure) { setError(failure.message); }
  };
  const revoke = async () => {
    try {
      await api("/tasks/calendar-feed", { method: "DELETE" });
      setUrl(null);
      setFeed({ active: false, created_at: null });
      setMessage("The calendar link is revoked: calendars subscribed to it stop updating.");
    } catch (failure) { setError(failure.message); }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setMessage("Link copied.");
    } catch {
      field.current?.select();
      setMessage("Press Ctrl+C (or ⌘C) to copy the selected link.");
    }
  };
  return html`
    <section class="card" aria-labelledby="calendar-title">
      <h2 id="calendar-title">Calendar link</h2>
      <p class="muted small">Subscribe to your open tasks from any calendar app. The link is private: anyone who has it can see your tasks.</p>
      ${url && html`
        <div class="row">
          <label class="feed-url">Your calendar link<input ref=${field} readonly value=${url} onFocus=${(e) => e.target.select()} /></label>
          <button type="button" class="quiet" onClick=${copy}>Copy link</button>
        </div>`}
      ${feed?.active && !url && html`<p class="small">A link made ${shortDate(feed.created_at)} is active. It is shown only once; make a new one to see it again.</p>`}
      <div class="row">
        ${feed && html`<button type="button" class="quiet" onClick=${create}>${feed.active ? "Make a new link" : "Create calendar link"}</button>`}
        ${feed?.active && html`<button type="button" class="danger" onClick=${revoke}>Revoke link</button>`}
      </div>
      <p class="muted small" role="status">${message ?? ""}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}

function LinkedTask({ id, onChanged, announce, version }) {
  const [task, setTask] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`/tasks/${id}`).then(setTask).catch((failure) =>
      setError(failure.status === 404 ? "This task does not exist (or is not yours)." : failure.message));
  }, [id, version]);
  return html`
    <section class="card" aria-labelledby="linked-task-title">
      <h2 id="linked-task-title">Task</h2>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${task && html`<ul class="task-list"><${TaskRow} task=${task} onChanged=${onChanged} announce=${announce} scope="linked" /></ul>`}
      <p><a href="#/tasks">All tasks</a></p>
    </section>`;
}

export function TasksView({ id }) {
  const [view, setView] = useState("today");
  const [version, setVersion] = useState(0);
  const [stats, setStats] = useState(null);
  const [notice, setNotice] = useState("");
  useEffect(() => { api("/tasks/stats").then(setStats).catch(() => {}); }, [version]);
  const changed = () => setVersion((v) => v + 1);
  return html`
    <div class="page tasks">
      <h1>Tasks</h1>
      <${Stats} stats=${stats} />
      ${id && html`<${LinkedTask} id=${id} onChanged=${changed} announce=${setNotice} version=${version} />`}
      <${AddTask} onAdded=${(task) => { setNotice(`Added: ${task.title}`); changed(); }} />
      <section class="card" aria-labelledby="task-views-title">
        <h2 id="task-views-title" class="visually-hidden">Your tasks</h2>
        <div class="task-views" role="group" aria-label="Show">
          ${VIEWS.map(([name, label]) => html`
            <button type="button" class=${view === name ? "" : "quiet"} aria-pressed=${view === name}
              onClick=${() => setView(name)}>${label}</button>`)}
        </div>
        <p class="visually-hidden" role="status">${notice}</p>
        <${TaskList} view=${view} version=${version} onChanged=${changed} announce=${setNotice} />
      </section>
      <${CalendarFeed} />
    </div>`;
}
