// An assignment's page (#/classes?assignment=<id>). A student answers every question
// and submits once (keys stay hidden until then), then sees each answer graded with the key, its
// explanation and source, and may submit again while attempts are left. Its teachers see the
// questions with their keys and the assignment's analysis: completion, the score histogram and
// each question's statistics, flagged when it is too hard, too easy or does not discriminate.
import { html, newId, pages, shortDate, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { href } from "./router.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function AssignmentPage({ assignmentId }) {
  const [detail, setDetail] = useState(null);
  const [submissions, setSubmissions] = useState([]);
  const [error, setError] = useState(null);
  const load = async () => {
    try {
      const found = await api(`/assignments/${assignmentId}`);
      setDetail(found);
      if (found.assignment.standing === "student") setSubmissions(await api(`/assignments/${assignmentId}/submissions`));
      setError(null);
    } catch (failure) {
      setError(failure.status === 404 ? "This assignment does not exist, or it is not in one of your classes." : failure.message);
    }
  };
  useEffect(() => {
    setDetail(null);
    if (UUID.test(assignmentId)) load(); else setError("This assignment does not exist.");
  }, [assignmentId]);
  const back = html`<p class="small"><a href=${href("classes", detail?.assignment.class_id)}>${detail ? `Back to ${detail.assignment.class_name}` : "All classes"}</a></p>`;
  if (error) return html`<div class="page assignment-page">${back}<h1>Assignment</h1><p class="error" role="alert">${error}</p></div>`;
  if (!detail) return html`<div class="page assignment-page">${back}<h1>Assignment</h1><p class="muted">Loading…</p></div>`;
  const { assignment, questions } = detail;
  const student = assignment.standing === "student";
  const left = assignment.attempts_allowed - (assignment.attempts_used ?? 0);
  const opens = new Date(assignment.opens_at);
  return html`
    <div class="page assignment-page">
      ${back}
      <h1>${assignment.title}</h1>
      <dl class="figures class-facts" aria-label="About this assignment">
        <div><dt>Class</dt><dd>${assignment.class_name}</dd></div>
        <div><dt>Due</dt><dd data-testid="due">${shortDate(assignment.due_at)}</dd></div>
        <div><dt>Questions</dt><dd>${assignment.questions}</dd></div>
        ${student
          ? html`<div><dt>Submissions left</dt><dd data-testid="attempts-left">${left}</dd></div>`
          : html`<div><dt>Submitted</dt><dd>${assignment.submitted}</dd></div>`}
      </dl>
      ${student && submissions.length > 0 && html`<${Results} submission=${submissions[submissions.length - 1]} />`}
      ${student && left > 0 && opens <= new Date() && html`
        <${AnswerForm} assignment=${assignment} questions=${questions} again=${submissions.length > 0} onSubmitted=${load} />`}
      ${student && opens > new Date() && html`<p class="notice">It opens ${shortDate(assignment.opens_at)}.</p>`}
      ${!student && html`<${AnalysisView} assignmentId=${assignment.id} />`}
      ${!student && html`<${KeyList} questions=${questions} />`}
    </div>`;
}

function AnswerForm({ assignment, questions, again, onSubmitted }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [submissionId] = useState(newId); // a retried submit is the same submission
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const answers = questions.map((q) => {
      const given = form.get(`q-${q.id}`);
      if (given == null || given === "") return null;
      return { item_id: q.id, answer: q.kind === "multiple_choice" && q.options.length ? Number(given) : given };
    }).filter(Boolean);
    if (answers.length < questions.length && !confirm(`${questions.length - answers.length} question(s) left blank count as wrong. Submit anyway?`)) return;
    setBusy(true);
    try {
      await api(`/assignments/${assignment.id}/submissions`, { method: "POST", body: { submission_id: submissionId, answers } });
      setError(null);
      onSubmitted();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="card" aria-labelledby="answer-title">
      <h2 id="answer-title">${again ? "Try again" : "Your answers"}</h2>
      <form class="stack assignment-form" onSubmit=${submit}>
        ${questions.map((q) => html`<${QuestionField} key=${q.id} question=${q} />`)}
        <button type="submit" disabled=${busy}>${busy ? "Submitting…" : "Submit answers"}</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}

function QuestionField({ question }) {
  const label = `${question.ordinal + 1}. ${question.question}`;
  if (question.kind === "multiple_choice" && question.options.length) {
    return html`
      <fieldset class="question">
        <legend>${label}</legend>
        ${question.options.map((option, i) => html`
          <label class="choice" key=${i}><input type="radio" name=${`q-${question.id}`} value=${i} /> ${option}</label>`)}
      </fieldset>`;
  }
  return html`<label class="question">${label}<input name=${`q-${question.id}`} maxlength="2000" autocomplete="off" /></label>`;
}

const VERDICT = { correct: "Right", incorrect: "Wrong", uncertain: "Waiting for your teacher" };

function Results({ submission }) {
  return html`
    <section class="card" aria-labelledby="results-title">
      <h2 id="results-title">Submission ${submission.attempt}: ${Math.round(100 * submission.score)}%</h2>
      <p class="muted small" data-testid="submission-facts">${[
        `Submitted ${shortDate(submission.submitted_at)}`,
        submission.late && "late",
        submission.waiting && `${submission.waiting} answer(s) waiting for your teacher`,
      ].filter(Boolean).join(" · ")}</p>
      <ol class="graded">
        ${submission.answers.map((a) => html`
          <li key=${a.item_id} class=${`graded-answer ${a.correct === true ? "right" : a.correct === false ? "wrong" : "waiting"}`}>
            <p><strong>${a.correct === null ? VERDICT.uncertain : a.correct ? "Right" : "Wrong"}</strong>${a.graded_by_teacher ? " (graded by your teacher)" : ""}:
              ${a.answer ? html` “${a.answer}”` : html` <em>left blank</em>`}</p>
            <p class="small">Key: ${a.key}. ${a.explanation}</p>
          </li>`)}
      </ol>
    </section>`;
}

function KeyList({ questions }) {
  return html`
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">Questions and keys</h2>
      <ol class="graded">
        ${questions.map((q) => html`
          <li key=${q.id}>
            <p>${q.question}</p>
            ${q.options.length > 0 && html`<p class="small muted">Options: ${q.options.join(" · ")}</p>`}
            <p class="small">Key: <strong>${q.answer}</strong>. ${q.explanation}</p>
            <p class="small muted">${[q.filename, pages(q.page_start, q.page_end)].filter(Boolean).join(", ")}</p>
          </li>`)}
      </ol>
    </section>`;
}

const FLAG = { too_hard: "Too hard", too_easy: "Too easy", low_discrimination: "Does not discriminate" };
const BINS = Array.from({ length: 10 }, (_, i) => `${i * 10}–${i === 9 ? 100 : i * 10 + 9}%`);

/** A flagged question rewritten from its passage, into the set it was published from (the
 * assignment stays as its students answered it): the set editor shows the new one arrive. */
function RewriteButton({ assignmentId, question }) {
  const [started, setStarted] = useState(null);
  const [error, setError] = useState(null);
  const rewrite = async () => {
    setError(null);
    try {
      setStarted(await api(`/assignments/${assignmentId}/items/${question.id}/rewrite`, { method: "POST" }));
    } catch (failure) {
      setError(failure.message);
    }
  };
  if (started) {
    return html`<a href=${`#/practice/${started.set_id}?edit=1`}>Rewriting: open the set editor</a>`;
  }
  return html`
    <button type="button" class="quiet small" onClick=${rewrite}
      aria-label=${`Rewrite from its source: question ${question.ordinal + 1}`}>Rewrite from its source</button>
    ${error && html`<span class="error small" role="alert">${error}</span>`}`;
}

function AnalysisView({ assignmentId }) {
  const [analysis, setAnalysis] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`/assignments/${assignmentId}/analysis`).then(setAnalysis).catch((failure) => setError(failure.message));
  }, [assignmentId]);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!analysis) return null;
  const most = Math.max(1, ...analysis.histogram);
  const decimal = (value) => (value == null ? "—" : value.toFixed(2));
  return html`
    <section class="card analysis" aria-labelledby="analysis-title">
      <h2 id="analysis-title">Analysis</h2>
      <p data-testid="completion">${analysis.submitted} of ${analysis.students} students submitted.</p>
      <h3 id="histogram-title">First submissions' scores</h3>
      <table class="histogram" aria-labelledby="histogram-title">
        <thead><tr><th scope="col">Score</th><th scope="col">Students</th></tr></thead>
        <tbody>
          ${analysis.histogram.map((count, i) => html`
            <tr key=${i}>
              <th scope="row">${BINS[i]}</th>
              <td><meter min="0" max=${most} value=${count} aria-hidden="true"></meter> ${count}</td>
            </tr>`)}
        </tbody>
      </table>
      <h3 id="items-title">Questions</h3>
      <div class="table-scroll" tabindex="0" role="group" aria-labelledby="items-title">
        <table class="gradebook item-analysis" aria-labelledby="items-title">
          <thead><tr><th scope="col">Question</th><th scope="col">Facility</th><th scope="col">Discrimination</th><th scope="col">Point-biserial</th><th scope="col">Options chosen</th><th scope="col">Flags</th></tr></thead>
          <tbody>
            ${analysis.items.map((item) => html`
              <tr key=${item.question.id}>
                <th scope="row">${item.question.ordinal + 1}. ${item.question.question}</th>
                <td>${item.facility == null ? "—" : `${Math.round(100 * item.facility)}%`}</td>
                <td>${decimal(item.discrimination)}</td>
                <td>${decimal(item.point_biserial)}</td>
                <td>${item.distractor_counts.length ? item.question.options.map((o, i) => `${o}: ${item.distractor_counts[i]}`).join(" · ") : "—"}</td>
                <td>${item.flags.map((flag) => html`<span class="badge flag" key=${flag}>${FLAG[flag]}</span> `)}
                  ${item.flags.length > 0 && html`<${RewriteButton} assignmentId=${assignmentId} question=${item.question} />`}</td>
              </tr>`)}
          </tbody>
        </table>
      </div>
      <p class="muted small">Facility: share right. Discrimination: the top 27% minus the bottom 27% by score. Flags: facility under 20% or over 95%, discrimination under 0.1.</p>
    </section>`;
}
