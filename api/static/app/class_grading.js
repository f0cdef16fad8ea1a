// Grading on a class's page, for its teachers: the review queue (answers the grader was unsure of,
// each marked right or wrong in one click) and the gradebook (every student against every
// assignment, best submission, late and missing work, each student's trend and struggling flag)
// with its CSV download.
import { html, useEffect, useState } from "./lib.js";
import { api, download } from "./api.js";

export function ClassGrading({ found }) {
  const [queue, setQueue] = useState(null);
  const [book, setBook] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const load = async () => {
    try {
      const [waiting, grades] = await Promise.all([
        api(`/classes/${found.id}/review-queue`),
        api(`/classes/${found.id}/gradebook`),
      ]);
      setQueue(waiting);
      setBook(grades);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => { load(); }, [found.id]);
  const grade = async (answer, correct) => {
    const path = `/assignments/${answer.assignment_id}/submissions/${answer.submission_id}/answers/${answer.item_id}/grade`;
    try {
      await api(path, { method: "PUT", body: { correct } });
      setNotice(`${answer.student_name}'s answer is marked ${correct ? "right" : "wrong"}.`);
      load();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const excuse = async (row, column, excused) => {
    try {
      await api(`/assignments/${column.assignment_id}/excusals/${row.student_id}`, { method: excused ? "PUT" : "DELETE" });
      setNotice(excused ? `${row.display_name} is excused from ${column.title}.` : `${row.display_name}'s excusal from ${column.title} is taken back.`);
      load();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const csv = () => download(`/classes/${found.id}/gradebook.csv`, "gradebook.csv").catch((failure) => setError(failure.message));
  return html`
    <section class="card class-grading" aria-labelledby="grading-title">
      <h2 id="grading-title">Grading</h2>
      <p class="muted small" role="status">${notice}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <h3 id="queue-title">To grade${queue ? ` (${queue.length})` : ""}</h3>
      ${queue && queue.length === 0 && html`<p class="empty">Nothing waits for a grade.</p>`}
      ${queue && queue.length > 0 && html`
        <ul class="review-queue" aria-labelledby="queue-title">
          ${queue.map((a) => html`
            <li key=${`${a.submission_id}:${a.item_id}`} class="waiting-answer">
              <p class="small muted">${a.student_name} · ${a.assignment_title} · question ${a.ordinal + 1}</p>
              <p>${a.question}</p>
              <p>Answer: <strong>${a.answer}</strong></p>
              <p class="small">Key: ${a.key}</p>
              <div class="row">
                <button type="button" onClick=${() => grade(a, true)} aria-label=${`Mark ${a.student_name}'s answer right`}>Right</button>
                <button type="button" class="quiet" onClick=${() => grade(a, false)} aria-label=${`Mark ${a.student_name}'s answer wrong`}>Wrong</button>
              </div>
            </li>`)}
        </ul>`}
      <h3 id="gradebook-title">Gradebook</h3>
      ${book && html`<${GradebookTable} book=${book} onExcuse=${excuse} />`}
      <button type="button" class="quiet" onClick=${csv}>Download gradebook (CSV)</button>
    </section>`;
}

const SHOWN = { missing: "missing", open: "—", excused: "excused" };
const REASON = { low_average: "average under 60% this month", missing_work: "2+ missing", mastery_falling: "mastery falling" };

function trendLabel(slope) {
  if (slope == null) return "—";
  if (Math.abs(slope) < 0.02) return "steady";
  return `${slope > 0 ? "↑" : "↓"} ${Math.round(100 * Math.abs(slope))} pts per assignment`;
}

function GradebookTable({ book, onExcuse }) {
  if (book.rows.length === 0) return html`<p class="empty">No students yet.</p>`;
  const percent = (share) => (share == null ? "—" : `${Math.round(100 * share)}%`);
  return html`
    <div class="table-scroll" tabindex="0" role="group" aria-labelledby="gradebook-title">
      <table class="gradebook" aria-labelledby="gradebook-title">
        <thead>
          <tr><th scope="col">Student</th>${book.columns.map((c) => html`<th scope="col" key=${c.assignment_id}>${c.title}</th>`)}<th scope="col">Average</th><th scope="col">Trend</th><th scope="col">Flag</th></tr>
        </thead>
        <tbody>
          ${book.rows.map((row) => html`
            <tr key=${row.student_id}>
              <th scope="row">${row.display_name}</th>
              ${row.cells.map((cell, i) => html`
                <td key=${i} class=${cell.status}>${SHOWN[cell.status] ?? percent(cell.score)}${cell.status === "late" ? " (late)" : ""}${cell.waiting ? " *" : ""}
                  ${cell.status === "missing" && html` <button type="button" class="quiet small" aria-label=${`Excuse ${row.display_name} from ${book.columns[i].title}`} onClick=${() => onExcuse(row, book.columns[i], true)}>Excuse</button>`}
                  ${cell.status === "excused" && html` <button type="button" class="quiet small" aria-label=${`Take back ${row.display_name}'s excusal from ${book.columns[i].title}`} onClick=${() => onExcuse(row, book.columns[i], false)}>Undo</button>`}</td>`)}
              <td>${percent(row.average)}</td>
              <td>${trendLabel(row.trend)}</td>
              <td>${row.struggling && html`<span class="badge flag" title=${row.reasons.map((r) => REASON[r]).join("; ")}>Struggling: ${row.reasons.map((r) => REASON[r]).join(", ")}</span>`}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <p class="muted small">Best submission per student; missing work (past due) counts 0; excused (by you, or due before the student joined) counts nothing; * answers wait for a grade. Struggling: an average under 60% over the last 30 days, or two or more missing.</p>`;
}
