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
 */
export function Quiz({ questions, onSource, onHint, idPrefix }) {
  const [results, setResults] = useState({});
  const correct = Object.values(results).filter(Boolean).length;
  const checked = Object.keys(results).length;
  return html`
    <div class="quiz">
      ${questions.map((q, i) => html`
        <${Question} key=${q.id} question=${q} index=${i} idPrefix=${idPrefix ?? "q"} onSource=${onSource} onHint=${onHint}
          onChecked=${(ok) => setResults((r) => ({ ...r, [q.id]: ok }))} />`)}
      <p class="score" role="status">${checked > 0 ? `${correct} of ${questions.length} correct so far` : ""}</p>
    </div>`;
}

function Question({ question, index, idPrefix, onSource, onHint, onChecked }) {
  const [given, setGiven] = useState("");
  const [result, setResult] = useState(null);
  const feedback = useRef(null);
  // "Check answer" goes away once used: focus moves to the verdict that replaces it.
  useEffect(() => { if (result !== null) feedback.current?.focus(); }, [result]);
  const name = `${idPrefix}-${question.id}`;
  const multiple = question.kind === "multiple_choice" && question.options.length > 0;
  const check = (event) => {
    event.preventDefault();
    const ok = matches(given, question.answer);
    setResult(ok);
    onChecked(ok);
  };
  return html`
    <form class=${`question${result === null ? "" : result ? " right" : " wrong"}`} onSubmit=${check}>
      <fieldset>
        <legend><span class="q-number">${index + 1}.</span> ${question.question}</legend>
        ${multiple ? question.options.map((option, i) => html`
          <label class="choice option" key=${i}>
            <input type="radio" name=${name} value=${option} checked=${given === option}
              disabled=${result !== null} onChange=${() => setGiven(option)} /> ${option}
          </label>`) : html`
          <label>Your answer
            <input name=${name} value=${given} disabled=${result !== null} onInput=${(e) => setGiven(e.target.value)} />
          </label>`}
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
          <p class="muted small">Source:${" "}<button type="button" class="link" onClick=${() => onSource(question)}>${sourceLabel(question)}</button></p>
        </div>`}
    </form>`;
}
