// An answer's text with its citation markers as buttons, and the general-answer label set apart.
import { html, pages } from "./lib.js";

const GENERAL_LABEL = "**General answer (not from your notes):**";
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/** Label for a source: "notes.pdf, p. 3", and "(class Biology 9B)" for a class's material. */
export function sourceLabel(source) {
  const where = pages(source.page_start, source.page_end);
  const label = where ? `${source.filename}, ${where}` : source.filename;
  return source.class_name ? `${label} (class ${source.class_name})` : label;
}

/** `text` with **bold** runs as <strong>. */
function inline(text) {
  return text.split(/(\*\*[^*]+\*\*)/g).map((part) =>
    part.startsWith("**") && part.endsWith("**") && part.length > 4 ? html`<strong>${part.slice(2, -2)}</strong>` : part);
}

function withMarkers(text, citations, onCite) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    out.push(...inline(text.slice(last, match.index)));
    const numbers = match[1].split(",").map((n) => Number(n.trim()));
    out.push(html`<span class="markers">${numbers.map((n) => {
      const source = citations.find((c) => c.n === n);
      return html`<button type="button" class="cite" disabled=${!source}
        aria-label=${source ? `Source ${n}: ${sourceLabel(source)}` : `Source ${n}`}
        onClick=${() => onCite(source)}>${n}</button>`;
    })}</span>`);
    last = match.index + match[0].length;
  }
  out.push(...inline(text.slice(last)));
  return out;
}

function paragraphs(text, citations, onCite) {
  return text.split(/\n{2,}/).filter((p) => p.trim()).map((paragraph) =>
    html`<p>${paragraph.split("\n").map((line, i) => html`${i > 0 && html`<br />`}${withMarkers(line, citations, onCite)}`)}</p>`);
}

export function AnswerText({ text, citations, onCite }) {
  const at = text.indexOf(GENERAL_LABEL);
  if (at === -1) return html`<div class="answer-text">${paragraphs(text, citations, onCite)}</div>`;
  const before = text.slice(0, at);
  const general = text.slice(at + GENERAL_LABEL.length);
  return html`
    <div class="answer-text">
      ${paragraphs(before, citations, onCite)}
      <div class="general-answer">
        <p class="general-label"><span aria-hidden="true">⚠</span> General answer (not from your notes)</p>
        ${paragraphs(general, citations, onCite)}
      </div>
    </div>`;
}

/** The numbered sources under an answer; each opens its passage. */
export function SourceList({ citations, onCite }) {
  if (!citations.length) return null;
  return html`
    <div class="sources">
      <h3 class="sources-title">Sources</h3>
      <ol>
        ${citations.map((c) => html`
          <li key=${c.n} value=${c.n}>
            <button type="button" class="link" onClick=${() => onCite(c)}>${sourceLabel(c)}</button>
            ${c.attributed && html` <span class="badge" title="The answer had no markers; this source states most of it">matched</span>`}
          </li>`)}
      </ol>
    </div>`;
}
