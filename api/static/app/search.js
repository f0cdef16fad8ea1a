// Search: hybrid, meaning (dense) or exact words (full text) over one's own notes and the
// materials one's classes share (each such passage names its class).
import { html, pages, useState } from "./lib.js";
import { api } from "./api.js";

const MODES = [
  ["hybrid", "Best of both", "words and meaning together"],
  ["dense", "By meaning", "finds paraphrases"],
  ["fts", "Exact words", "full-text match"],
];

export function SearchView() {
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState("hybrid");
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const query = new URLSearchParams({ q: form.get("q").trim(), mode, k: 10 });
    setBusy(true);
    setError(null);
    try {
      setResults(await api(`/search?${query}`));
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <div class="page search">
      <h1>Search your notes</h1>
      <section class="card">
        <form class="stack" role="search" onSubmit=${submit}>
          <label>Search for
            <input name="q" type="search" required maxlength="2000" placeholder="e.g. what does RuBisCO do?" />
          </label>
          <fieldset class="inline">
            <legend>Match</legend>
            ${MODES.map(([value, label, help]) => html`
              <label class="choice" title=${help}>
                <input type="radio" name="mode" value=${value} checked=${mode === value} onChange=${() => setMode(value)} /> ${label}
              </label>`)}
          </fieldset>
          <button type="submit" disabled=${busy}>${busy ? "Searching…" : "Search"}</button>
        </form>
      </section>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${results && html`
        <section class="card" aria-labelledby="results-title">
          <h2 id="results-title" aria-live="polite">
            ${results.items.length === 0 ? `Nothing in your notes or your classes' materials matches “${results.query}”.`
              : `${results.items.length} ${results.items.length === 1 ? "passage" : "passages"} for “${results.query}”`}
          </h2>
          <ol class="hits">
            ${results.items.map((hit) => html`
              <li key=${hit.chunk_id} class="hit">
                <div class="hit-head">
                  <strong>${hit.filename}</strong>
                  ${pages(hit.page_start, hit.page_end) && html`<span>${pages(hit.page_start, hit.page_end)}</span>`}
                  ${hit.class_name && html`<span class="badge" title="Shared by your class's teacher">Class: ${hit.class_name}</span>`}
                </div>
                ${hit.heading_path.length > 0 && html`<p class="hit-path">${hit.heading_path.join(" › ")}</p>`}
                <p class="hit-text">${hit.text}</p>
              </li>`)}
          </ol>
        </section>`}
    </div>`;
}
