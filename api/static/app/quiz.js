// Practice questions as a quiz: answer in the page, check, see the explanation and the source.
import { html, useEffect, useRef, useState } from "./lib.js";
import { sourceLabel } from "./answer.js";

/** Lower case, no punctuation, single spaces: how answers are compared. */
export function normalise(text) {
  return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
    .replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\s+/g, " ").trim();
}

const NEGATIONS = new Set(["not", "no", "never", "isn", "aren", "doesn", "don", "nor"]);

function matches(given, key) {
  const a = normalise(given);
  const b = normalise(key);
  if (!a) return false;
  if (a === b) return true;
  // A short answer is right when it states the key as a phrase and does not negate it
  // ("the enzyme RuBisCO" is right, "not RuBisCO" is not).
  const words = a.split(" ");
  return ` ${a} `.includes(` ${b} `) && !words.some((word) => NEGATIONS.has(word));
}

/**
 * @param onHint  optional (question) => void: asks the tutor for a hint on one question (its key
 *   is what the hint is checked not to reveal); offered in the tutor, where there is a chat
 * @param grading  optional: the server grades and keeps the answers (a saved set). An object with
 *   attempts ({item id: latest attempt}), submit(question, answer) and resolve(attempt, correct)
 *   (both promises), score (the text to show) and afterWrong(question, attempt) (what to offer
 *   under a wrong answer). Without it answers are checked in the page and kept nowhere.
 */
export function Quiz({ questions, onSource, onHint, idPrefix, grading }) {
  const [results, setResults] = useState({});
  const correct = Object.values(results).filter(Boolean).length;
  const checked = Object.keys(results).length;
  const prefix = idPrefix ?? "q";
  const score = grading ? grading.score : checked > 0 ? `${correct} of ${questions.length} correct so far` : "";
  return html`
    <div class="quiz">
      ${questions.map((q, i) => grading ? html`
        <${GradedQuestion} key=${q.id} question=${q} index=${i} idPrefix=${prefix} onSource=${onSource}
          grading=${grading} attempt=${grading.attempts[q.id] ?? null} />` : html`
        <${Question} key=${q.id} question=${q} index=${i} idPrefix=${prefix} onSource=${onSource} onHint=${onHint}
          onChecked=${(ok) => setResults((r) => ({ ...r, [q.id]: ok }))} />`)}
      <p class="score" role="status">${score}</p>
    </div>`;
}

function isMultiple(question) {
  return question.kind === "multiple_choice" && question.options.length > 0;
}

/** The answer inputs: radio buttons for a choice (Enter submits), a text field otherwise. */
function AnswerInputs({ question, name, given, setGiven, disabled }) {
  const submitOnEnter = (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    event.target.form?.requestSubmit();
  };
  return isMultiple(question) ? question.options.map((option, i) => html`
    <label class="choice option" key=${i}>
      <input type="radio" name=${name} value=${option} checked=${given === option} disabled=${disabled}
        onChange=${() => setGiven(option)} onKeyDown=${submitOnEnter} /> ${option}
    </label>`) : html`
    <label>Your answer
      <input name=${name} value=${given} disabled=${disabled} autocomplete="off" maxlength="2000"
        onInput=${(e) => setGiven(e.target.value)} />
    </label>`;
}

function SourceLine({ question, onSource, quote }) {
  return html`
    ${quote && question.quote !== question.explanation && html`<blockquote class="quote">${question.quote}</blockquote>`}
    <p class="muted small">Source:${" "}<button type="button" class="link" onClick=${() => onSource(question)}>${sourceLabel(question)}</button></p>`;
}

function Question({ question, index, idPrefix, onSource, onHint, onChecked }) {
  const [given, setGiven] = useState("");
  const [result, setResult] = useState(null);
  const feedback = useRef(null);
  // "Check answer" goes away once used: focus moves to the verdict that replaces it.
  useEffect(() => { if (result !== null) feedback.current?.focus(); }, [result]);
  const multiple = isMultiple(question);
  const check = (event) => {
    event.preventDefault();
    if (!given.trim()) return;
    const ok = matches(given, question.answer);
    setResult(ok);
    onChecked(ok);
  };
  return html`
    <form class=${`question${result === null ? "" : result ? " right" : " wrong"}`} onSubmit=${check}>
      <fieldset>
        <legend><span class="q-number">${index + 1}.</span> ${question.question}</legend>
        <${AnswerInputs} question=${question} name=${`${idPrefix}-${question.id}`} given=${given}
          setGiven=${setGiven} disabled=${result !== null} />
      </fieldset>
      ${result === null ? html`
        <div class="row">
          <button type="submit" disabled=${!given.trim()}>Check answer</button>
          ${onHint && html`<button type="button" class="quiet" onClick=${() => onHint(question)}
            aria-label=${`A hint for question ${index + 1}`}>Hint</button>`}
        </div>` : html`
        <div class="feedback" ref=${feedback} tabindex="-1">
          <p class="verdict">${result ? "✓ Correct." : multiple ? `✗ Not quite. The answer is: ${question.answer}` : `Compare with the key: ${question.answer}`}</p>
          ${question.explanation && html`<p class="explanation">${question.explanation}</p>`}
          <${SourceLine} question=${question} onSource=${onSource} />
        </div>`}
    </form>`;
}

function verdictText(attempt) {
  if (attempt.verdict === "uncertain" && attempt.correct === null) {
    return `? Close, but not clearly the key: ${attempt.key}. Were you right?`;
  }
  if (attempt.verdict === "uncertain") {
    return `You marked this ${attempt.correct ? "right" : "wrong"}. The key: ${attempt.key}`;
  }
  return attempt.correct ? "✓ Correct." : `✗ Not quite. The answer is: ${attempt.key}`;
}

function outcomeClass(attempt) {
  if (!attempt) return "question";
  return `question ${attempt.correct === null ? "unsure" : attempt.correct ? "right" : "wrong"}`;
}

/** A question the server grades: submit, then the verdict, key, explanation and source. */
function GradedQuestion({ question, index, idPrefix, onSource, grading, attempt }) {
  const [given, setGiven] = useState("");
  const [again, setAgain] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const feedback = useRef(null);
  const form = useRef(null);
  const showing = attempt && !again;
  useEffect(() => { if (showing && busy === false && given) feedback.current?.focus(); }, [attempt]);
  const act = async (work) => {
    setBusy(true);
    setError(null);
    try { await work(); } catch (failure) { setError(failure.message); } finally { setBusy(false); }
  };
  const submit = (event) => {
    event.preventDefault();
    if (!given.trim() || busy) return;
    const answer = isMultiple(question) ? question.options.indexOf(given) : given;
    act(async () => { await grading.submit(question, answer); setAgain(false); });
  };
  const tryAgain = () => {
    setGiven("");
    setAgain(true);
    setTimeout(() => form.current?.querySelector("input")?.focus(), 0);
  };
  const number = index + 1;
  return html`
    <form ref=${form} class=${outcomeClass(showing ? attempt : null)} onSubmit=${submit}>
      <fieldset>
        <legend><span class="q-number">${number}.</span> ${question.question}</legend>
        ${showing ? html`<p class="given"><span class="muted">Your answer:</span> ${attempt.answer}</p>` : html`
          <${AnswerInputs} question=${question} name=${`${idPrefix}-${question.id}`} given=${given}
            setGiven=${setGiven} disabled=${busy} />`}
      </fieldset>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${showing ? html`
        <div class="feedback" ref=${feedback} tabindex="-1">
          <p class="verdict">${verdictText(attempt)}</p>
          ${attempt.verdict === "uncertain" && html`
            <div class="row" role="group" aria-label=${`Settle question ${number}`}>
              <button type="button" class="quiet" disabled=${busy} aria-pressed=${attempt.correct === true}
                onClick=${() => act(() => grading.resolve(attempt, true))}>I was right</button>
              <button type="button" class="quiet" disabled=${busy} aria-pressed=${attempt.correct === false}
                onClick=${() => act(() => grading.resolve(attempt, false))}>I was wrong</button>
            </div>`}
          ${attempt.explanation && html`<p class="explanation">${attempt.explanation}</p>`}
          <${SourceLine} question=${question} onSource=${onSource} quote=${true} />
          <div class="row">
            <button type="button" class="quiet" onClick=${tryAgain}
              aria-label=${`Answer again, question ${number}`}>Answer again</button>
            ${attempt.correct === false && grading.afterWrong?.(question, attempt)}
          </div>
        </div>` : html`
        <div class="row">
          <button type="submit" disabled=${busy || !given.trim()}>Submit</button>
          ${again && html`<button type="button" class="quiet" onClick=${() => setAgain(false)}>Cancel</button>`}
        </div>`}
    </form>`;
}
