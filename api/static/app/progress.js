// Progress: streak, today's goal with the focus timer, what is due, mastery per document, and
// charts of the last month and year. Everything comes from GET /progress (the learning record).
import { html, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";

export function ProgressView() {
  const [board, setBoard] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api("/progress").then(setBoard).catch((failure) => setError(failure.message));
  useEffect(() => { load(); }, []);
  return html`
    <div class="page progress-page">
      <h1>Progress</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${board && html`
        <div class="progress-grid">
          <${StreakCard} streak=${board.streak} />
          <${GoalCard} goal=${board.goal} onChanged=${load} />
          <${DueCard} board=${board} />
        </div>
        <${MinutesChart} days=${board.days} today=${board.today} goal=${board.goal.goal_minutes} />
        <${Heatmap} days=${board.days} today=${board.today} />
        <${MasteryTable} mastery=${board.mastery} />
        <${StudySettings} onSaved=${load} />`}
    </div>`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function StreakCard({ streak }) {
  return html`
    <section class="card stat" aria-labelledby="streak-title">
      <h2 id="streak-title">Streak</h2>
      <p class="big" data-testid="streak">${plural(streak.current, "day")}</p>
      <p class="muted small">Longest: ${plural(streak.longest, "day")}.
        ${streak.studied_today ? " Today counts already." : " Study today to keep it going."}</p>
    </section>`;
}

function GoalCard({ goal, onChanged }) {
  const share = Math.min(1, goal.minutes / goal.goal_minutes);
  return html`
    <section class="card stat" aria-labelledby="goal-title">
      <h2 id="goal-title">Today's goal</h2>
      <p class="big">${Math.round(goal.minutes)} / ${goal.goal_minutes} min</p>
      <progress value=${share} max="1" aria-labelledby="goal-title"></progress>
      <p class="muted small">${goal.met ? "Goal met. Well done!" : `${Math.max(0, Math.ceil(goal.goal_minutes - goal.minutes))} min to go.`}</p>
      <${FocusTimer} onStopped=${onChanged} />
    </section>`;
}

/** A focus timer the server keeps; the page sends heartbeats while it is visible. */
function FocusTimer({ onStopped }) {
  const [running, setRunning] = useState(null);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState(null);
  useEffect(() => { api("/focus-sessions/current").then(setRunning).catch(() => {}); }, []);
  useEffect(() => {
    if (!running) return undefined;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const beat = setInterval(() => {
      if (document.visibilityState === "visible") api("/focus-sessions/current/heartbeat", { method: "POST" }).catch(() => {});
    }, running.heartbeat_s * 1000);
    return () => { clearInterval(tick); clearInterval(beat); };
  }, [running?.id]);
  const toggle = async () => {
    setError(null);
    try {
      if (running) {
        await api("/focus-sessions/current/stop", { method: "POST" });
        setRunning(null);
        onStopped();
      } else {
        setRunning(await api("/focus-sessions", { method: "POST" }));
        setNow(Date.now());
      }
    } catch (failure) {
      setError(failure.message);
      if (failure.status === 404) setRunning(null);
    }
  };
  const elapsed = running ? Math.max(0, Math.floor((now - Date.parse(running.started_at)) / 1000)) : 0;
  const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, "0")}`;
  return html`
    <div class="focus">
      <button type="button" class=${running ? "quiet" : ""} onClick=${toggle} aria-pressed=${running ? "true" : "false"}>
        ${running ? "Stop focus timer" : "Start focus timer"}</button>
      ${running && html`<span class="focus-clock" role="timer" aria-label="Focus time">${clock}</span>`}
      ${error && html`<p class="error small" role="alert">${error}</p>`}
    </div>`;
}

function DueCard({ board }) {
  return html`
    <section class="card stat" aria-labelledby="due-title">
      <h2 id="due-title">Due today</h2>
      <p><a href="#/cards" data-testid="due-cards">${plural(board.due_cards, "card")}</a> to review</p>
      <p><a href="#/tasks">${plural(board.tasks_due_today, "task")}</a> due today${board.tasks_overdue
        ? html`, <strong class="error-text">${board.tasks_overdue} overdue</strong>` : ""}</p>
    </section>`;
}

/** Local dates as "YYYY-MM-DD", counted back from `today` (a string from the server). */
function pastDays(today, count) {
  const [y, m, d] = today.split("-").map(Number);
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.UTC(y, m - 1, d - (count - 1 - i)));
    return day.toISOString().slice(0, 10);
  });
}

function MinutesChart({ days, today, goal }) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const shown = pastDays(today, 30);
  const minutes = shown.map((day) => byDay.get(day)?.minutes ?? 0);
  const top = Math.max(goal, ...minutes, 1);
  const total = minutes.reduce((a, b) => a + b, 0);
  const width = 600, height = 140, bar = width / shown.length;
  const goalY = height - (goal / top) * height;
  return html`
    <section class="card" aria-labelledby="minutes-title">
      <h2 id="minutes-title">Minutes per day, last 30 days</h2>
      <figure class="chart">
        <svg viewBox=${`0 0 ${width} ${height}`} role="img" data-testid="minutes-chart"
          aria-label=${`${Math.round(total)} minutes over the last 30 days; daily goal ${goal} minutes`}>
          ${shown.map((day, i) => {
            const h = (minutes[i] / top) * height;
            return html`<rect x=${i * bar + 2} y=${height - h} width=${bar - 4} height=${h}
              class=${minutes[i] >= goal ? "bar met" : "bar"}><title>${day}: ${minutes[i]} min</title></rect>`;
          })}
          <line x1="0" x2=${width} y1=${goalY} y2=${goalY} class="goal-line" />
        </svg>
        <figcaption class="muted small">Bars reaching the line met the daily goal of ${goal} minutes.</figcaption>
      </figure>
    </section>`;
}

function Heatmap({ days, today }) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const shown = pastDays(today, 365);
  // Columns are weeks; rows are weekdays (Monday first), so the grid reads like a calendar.
  const firstWeekday = (new Date(`${shown[0]}T00:00:00Z`).getUTCDay() + 6) % 7;
  const cell = 11;
  const level = (events) => (events === 0 ? 0 : events < 5 ? 1 : events < 15 ? 2 : events < 40 ? 3 : 4);
  const active = shown.filter((day) => (byDay.get(day)?.events ?? 0) > 0).length;
  return html`
    <section class="card" aria-labelledby="heatmap-title">
      <h2 id="heatmap-title">Activity, last 12 months</h2>
      <figure class="chart">
        <svg viewBox=${`0 0 ${Math.ceil((365 + firstWeekday) / 7) * cell} ${7 * cell}`} role="img"
          data-testid="heatmap" aria-label=${`Studied on ${active} of the last 365 days`}>
          ${shown.map((day, i) => {
            const slot = i + firstWeekday;
            const events = byDay.get(day)?.events ?? 0;
            return html`<rect x=${Math.floor(slot / 7) * cell} y=${(slot % 7) * cell} width=${cell - 2}
              height=${cell - 2} rx="2" class=${`heat l${level(events)}`}><title>${day}: ${events} ${events === 1 ? "activity" : "activities"}</title></rect>`;
          })}
        </svg>
        <figcaption class="muted small">Darker days had more reviews, practice answers, finished tasks and focus sessions.</figcaption>
      </figure>
    </section>`;
}

function percent(value) {
  return value == null ? "—" : `${Math.round(value * 100)}%`;
}

function MasteryTable({ mastery }) {
  return html`
    <section class="card" aria-labelledby="mastery-title">
      <h2 id="mastery-title">Mastery per document</h2>
      ${mastery.length === 0 ? html`<p class="empty">Review flashcards or answer practice questions from your documents to see how well you know them.</p>` : html`
        <table class="mastery">
          <thead><tr><th scope="col">Document</th><th scope="col">Mastery</th><th scope="col">Card recall</th><th scope="col">Practice</th></tr></thead>
          <tbody>
            ${mastery.map((row) => html`
              <tr key=${row.document_id}>
                <th scope="row"><a href=${`#/documents/${row.document_id}`}>${row.filename}</a></th>
                <td><meter min="0" max="1" low="0.5" high="0.8" optimum="1" value=${row.mastery ?? 0}
                  aria-label=${`Mastery of ${row.filename}`}></meter> ${percent(row.mastery)}</td>
                <td>${percent(row.recall)} <span class="muted small">(${plural(row.cards, "card")})</span></td>
                <td>${percent(row.practice_accuracy)} <span class="muted small">(${plural(row.answers, "answer")})</span></td>
              </tr>`)}
          </tbody>
        </table>`}
    </section>`;
}

function StudySettings({ onSaved }) {
  const [me, setMe] = useState(null);
  const [status, setStatus] = useState(null);
  const zones = useRef(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []);
  useEffect(() => { api("/me").then(setMe).catch(() => {}); }, []);
  if (!me) return null;
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      setMe(await api("/me", { method: "PATCH", body: {
        timezone: form.get("timezone"),
        daily_goal_minutes: Number(form.get("goal")),
        desired_retention: Number(form.get("retention")) / 100,
      } }));
      setStatus({ ok: true, text: "Saved." });
      onSaved();
    } catch (failure) {
      setStatus({ ok: false, text: failure.message });
    }
  };
  return html`
    <section class="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Study settings</h2>
      <form class="row" onSubmit=${save}>
        <label>Time zone
          <input name="timezone" list="zones" required value=${me.timezone} autocomplete="off" />
          <datalist id="zones">${zones.current.map((zone) => html`<option value=${zone} />`)}</datalist>
        </label>
        <label>Daily goal (minutes)
          <input name="goal" type="number" min="1" max="600" required value=${me.daily_goal_minutes} />
        </label>
        <label>Flashcard retention target (%)
          <input name="retention" type="number" min="80" max="97" step="1" required value=${Math.round(me.desired_retention * 100)} />
        </label>
        <button type="submit">Save settings</button>
      </form>
      ${status && html`<p class=${status.ok ? "muted small" : "error"} role="status">${status.text}</p>`}
    </section>`;
}
