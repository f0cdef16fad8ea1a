// Leaderboards: students ranked by the XP they earned today, this week, this month or in all,
// as tabs; everyone's board or one of the reader's classes' (#/leaderboards?class=<id>); the top
// of the board, the student's own rank with their neighbours ("around you"), and the choice to be
// left off the boards (an opted-out student still sees where they stand).
import { html, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { navigate } from "./router.js";
import { useEvents } from "./events.js";

const PERIODS = [["day", "Today"], ["week", "Week"], ["month", "Month"], ["all", "All time"]];
const SPAN = { day: "today", week: "this week", month: "this month", all: "in all" };
const TOP = 50;

export function LeaderboardsView({ params }) {
  const scope = params.get("class") ?? "";
  const classes = useMyClasses();
  const [period, setPeriod] = useState("week");
  const [board, setBoard] = useState(null);
  const [error, setError] = useState(null);
  const request = useRef(0);
  const load = async (shown = period, shownScope = scope) => {
    const mine = ++request.current;  // only the newest answer is shown (tabs change fast)
    const query = { period: shown, top: TOP, around: 3, ...(shownScope ? { class_id: shownScope } : {}) };
    try {
      const found = await api(`/leaderboards?${new URLSearchParams(query)}`);
      if (mine === request.current) { setBoard({ ...found, scope: shownScope }); setError(null); }
    } catch (failure) {
      if (mine === request.current) setError(failure.message);
    }
  };
  useEffect(() => { load(period, scope); }, [period, scope]);
  useEvents(({ type }) => { if (type === "xp.gained") load(); });
  const chosen = classes?.find((found) => found.id === scope) ?? null;
  const choose = (next) => navigate("leaderboards", null, { replace: true, params: next ? { class: next } : null });
  return html`
    <div class="page leaderboards">
      <h1>Leaderboards</h1>
      <p class="muted">Ranked by the XP earned in each period from practice, reviews, tasks and goals. Only display names are shown.</p>
      <${ScopePicker} scope=${scope} classes=${classes} onChoose=${choose} />
      <${PeriodTabs} period=${period} onChoose=${setPeriod} />
      <div class="card" role="tabpanel" id="board-panel" aria-labelledby=${`tab-${period}`} tabindex="0">
        ${error && html`<p class="error" role="alert">${error}</p>`}
        ${board && board.period === period && board.scope === scope && html`
          <${Board} board=${board} teaching=${chosen && chosen.standing !== "student" ? chosen : null} onOptOut=${() => load()} />`}
      </div>
    </div>`;
}

/** The classes the reader teaches or attends, for the board picker (null until read). */
function useMyClasses() {
  const [classes, setClasses] = useState(null);
  useEffect(() => {
    // One page of the most a page holds: nobody is in more classes than that.
    api("/classes?limit=100").then((page) => setClasses(page.items)).catch(() => setClasses([]));
  }, []);
  return classes;
}

function ScopePicker({ scope, classes, onChoose }) {
  // Until the list is read, a class from the address is kept as the chosen option.
  const known = (classes ?? []).some((found) => found.id === scope);
  return html`
    <label class="inline-label board-scope">Board of
      <select value=${scope} onChange=${(event) => onChoose(event.currentTarget.value)}>
        <option value="">Everyone</option>
        ${scope && !known && html`<option value=${scope}>${classes ? "A class you are not in" : "Your class"}</option>`}
        ${(classes ?? []).map((found) => html`
          <option key=${found.id} value=${found.id}>${found.name}${found.standing === "student" ? "" : " (teaching)"}</option>`)}
      </select>
    </label>`;
}

/** ARIA tabs: arrows, Home and End move between them (and choose), Tab leaves for the panel. */
function PeriodTabs({ period, onChoose }) {
  const list = useRef(null);
  const move = (event) => {
    const at = PERIODS.findIndex(([name]) => name === period);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: PERIODS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const [name] = PERIODS[(to + PERIODS.length) % PERIODS.length];
    onChoose(name);
    list.current.querySelector(`#tab-${name}`).focus();
  };
  return html`
    <div class="tabs" role="tablist" aria-label="Period" ref=${list} onKeyDown=${move}>
      ${PERIODS.map(([name, label]) => html`
        <button type="button" role="tab" id=${`tab-${name}`} key=${name} aria-selected=${period === name ? "true" : "false"}
          aria-controls="board-panel" tabindex=${period === name ? 0 : -1} onClick=${() => onChoose(name)}>${label}</button>`)}
    </div>`;
}

function standing(board, teaching) {
  const span = SPAN[board.period];
  if (teaching) return `The students of ${teaching.name}, ranked by XP earned ${span}.`;
  if (board.opted_out) {
    return board.my_xp > 0
      ? `You are hidden from the leaderboards. With ${board.my_xp} XP ${span} you would be #${board.my_rank}.`
      : `You are hidden from the leaderboards, and have no XP ${span} yet.`;
  }
  if (board.my_rank == null) return `You have no XP ${span} yet: practise or review to join the board.`;
  return `You are #${board.my_rank} with ${board.my_xp} XP ${span}.`;
}

function Board({ board, teaching, onOptOut }) {
  return html`
    <p class="standing" data-testid="standing">${standing(board, teaching)}</p>
    <${OptOut} optedOut=${board.opted_out} onChanged=${onOptOut} />
    <h2 id="top-title">Top ${TOP}</h2>
    ${board.top.length === 0
      ? html`<p class="empty">Nobody has earned XP ${SPAN[board.period]} yet.</p>`
      : html`<${Ranking} rows=${board.top} labelledBy="top-title" testId="top-board" />`}
    ${board.around.length > 0 && html`
      <h2 id="around-title">Around you</h2>
      <${Ranking} rows=${board.around} labelledBy="around-title" testId="around-board" />`}
    <p class="muted small">Days, weeks and months follow the board's time zone (${board.timezone}).</p>`;
}

function Ranking({ rows, labelledBy, testId }) {
  return html`
    <table class="ranking" aria-labelledby=${labelledBy} data-testid=${testId}>
      <thead><tr><th scope="col">Rank</th><th scope="col">Student</th><th scope="col">XP</th></tr></thead>
      <tbody>
        ${rows.map((row) => html`
          <tr key=${row.rank} class=${row.me ? "me" : ""} aria-current=${row.me ? "true" : null}>
            <td>#${row.rank}</td>
            <th scope="row">${row.display_name}${row.me && html` <span class="badge ready">You</span>`}</th>
            <td>${row.xp}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function OptOut({ optedOut, onChanged }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // The box shows the choice at once; the board that follows it comes after the save.
  const [checked, setChecked] = useState(optedOut);
  useEffect(() => setChecked(optedOut), [optedOut]);
  const change = async (event) => {
    const choice = event.target.checked;
    setChecked(choice);
    setBusy(true);
    setError(null);
    try {
      await api("/gamification/me", { method: "PATCH", body: { leaderboard_opt_out: choice } });
      onChanged();
    } catch (failure) {
      setChecked(!choice);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <label class="choice opt-out">
      <input type="checkbox" checked=${checked} disabled=${busy} onChange=${change} />
      Hide me from the leaderboards
    </label>
    ${error && html`<p class="error" role="alert">${error}</p>`}`;
}
