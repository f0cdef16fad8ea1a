// One document: its file and status, then its overview (summary sentences with their pages, key
// concepts). Each concept opens the tutor ready to write a practice set on it.
import { html, pages, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href } from "./router.js";
import { documentDetail, failureText, statusLabel } from "./documents.js";

export function DocumentDetail({ documentId, documents }) {
  const [fetched, setFetched] = useState(null);
  const [error, setError] = useState(null);
  const heading = useRef(null);
  // The shared list's copy is kept live by the events socket; the fetched one stands in for a
  // document the list lacks (another filter, a later page).
  const document = documents.items.find((d) => d.id === documentId) ?? fetched;
  useEffect(() => {
    setFetched(null);
    setError(null);
    api(`/documents/${documentId}`).then(setFetched).catch((failure) =>
      setError(failure.status === 404 ? "This document does not exist (or is not yours)." : failure.message));
  }, [documentId]);
  // Arriving here from the list, start reading (and tabbing) at the document's name.
  useEffect(() => { if (document) heading.current?.focus({ preventScroll: true }); }, [documentId, Boolean(document)]);
  return html`
    <div class="page document-detail">
      <p><a href="#/documents">← All documents</a></p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${document && html`
        <h1 ref=${heading} tabindex="-1" class="doc-title">${document.filename}</h1>
        <p class="muted">
          <span class=${`badge ${document.status}`}>${statusLabel(document)}</span> ${documentDetail(document)}
        </p>
        ${(document.status === "queued" || document.status === "processing") && html`
          <progress max="1" value=${document.progress} aria-label=${`Processing ${document.filename}`}></progress>`}
        ${document.status === "failed" && html`<p class="failure error-text">${failureText(document)}</p>`}
        ${document.status === "ready" && html`<${Overview} documentId=${documentId} />`}`}
    </div>`;
}

function Overview({ documentId }) {
  const [overview, setOverview] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setOverview(null);
    setError(null);
    api(`/documents/${documentId}/overview`).then(setOverview).catch((failure) =>
      setError(failure.code === "overview_not_ready"
        ? "The overview of this document is not ready yet. Come back in a moment."
        : failure.message));
  }, [documentId]);
  if (error) return html`<p class="notice" role="status">${error}</p>`;
  if (!overview) return html`<p class="muted" role="status">Loading the overview…</p>`;
  return html`
    <section class="card" aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      ${overview.summary.length === 0
        ? html`<p class="empty">No sentences of this document read as a summary (it may be mostly tables, lists or formulas).</p>`
        : html`
          <ol class="summary">
            ${overview.summary.map((sentence, i) => html`
              <li key=${i}>
                ${sentence.text}
                ${sentence.page_start != null && html` <span class="muted small">(${pages(sentence.page_start, sentence.page_end)})</span>`}
              </li>`)}
          </ol>`}
    </section>
    <section class="card" aria-labelledby="concepts-title">
      <h2 id="concepts-title">Key concepts</h2>
      ${overview.concepts.length === 0
        ? html`<p class="empty">No term stands out in this document.</p>`
        : html`
          <p class="muted small">Choose a concept to practise it with the tutor.</p>
          <ul class="concepts">
            ${overview.concepts.map((concept) => html`
              <li key=${concept.term}>
                <a href=${href("tutor", null, { mode: "practice", text: concept.term })}>
                  <span class="visually-hidden">Practise </span>${concept.term}
                </a>
              </li>`)}
          </ul>`}
    </section>`;
}
