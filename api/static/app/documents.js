// Documents: upload (several at once, drag and drop), live progress, failures in words, delete;
// each name opens the document's own page (document_detail.js).
import { bytes, html, shortDate, useEffect, useRef, useState } from "./lib.js";
import { href } from "./router.js";

const FILTERS = [["", "All"], ["queued", "Queued"], ["processing", "Processing"], ["ready", "Ready"], ["failed", "Failed"]];

/** Why a document failed, in words, and what to do about it. */
export function failureText(document) {
  const code = document.error?.code;
  switch (code) {
    case "encrypted":
      return "This PDF is password-protected. Upload it again with its password.";
    case "needs_ocr":
      return "This PDF has no text layer: it is scanned or made of images, so it needs OCR, which Spark Tutor does not do yet. Upload a version with selectable text.";
    case "corrupt":
      return "The file is damaged and could not be read. Export or save it again and upload the new copy.";
    case "decompression_bomb":
      return "This DOCX expands to far more data than its size suggests, so it was refused for safety.";
    case "no_text":
      return "No text was found in this file.";
    case "worker_crashed":
      return "Processing this file failed on every attempt. Retry it, or try another copy or format.";
    case "too_complex":
      return "This file needs more memory or time to read than the server allows for one document. Split it into smaller files, or save it again in a simpler form.";
    case "too_large":
      return "The file is too large.";
    default:
      return document.error?.message ?? "Processing failed.";
  }
}

export function statusLabel(document) {
  if (document.status === "processing") return `processing ${Math.round(document.progress * 100)}%`;
  return document.status;
}

/** Size, pages, passages and when it was added, in one line. */
export function documentDetail(document) {
  const parts = [bytes(document.size_bytes)];
  if (document.pages_total) parts.push(`${document.pages_done}/${document.pages_total} pages`);
  if (document.chunks_total) parts.push(`${document.chunks_done}/${document.chunks_total} passages`);
  parts.push(`added ${shortDate(document.created_at)}`);
  return parts.join(" · ");
}

export function DocumentsView({ documents }) {
  return html`
    <div class="page documents">
      <h1>Your documents</h1>
      <${UploadZone} documents=${documents} />
      <section class="card" aria-labelledby="documents-list-title">
        <div class="list-head">
          <h2 id="documents-list-title">Documents</h2>
          <label class="inline-label">Show
            <select value=${documents.filter} onChange=${(e) => documents.setFilter(e.target.value)}>
              ${FILTERS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
            </select>
          </label>
        </div>
        ${documents.error && html`<p class="error" role="alert">${documents.error}</p>`}
        ${documents.loaded && documents.items.length === 0 && html`
          <p class="empty">${documents.filter ? "No documents with this status." : "No documents yet: upload your notes above."}</p>`}
        <ul class="documents-list">
          ${documents.items.map((d) => html`<${DocumentRow} key=${d.id} document=${d} documents=${documents} />`)}
        </ul>
        ${documents.nextCursor && html`<button type="button" class="quiet" onClick=${documents.loadMore}>Show more</button>`}
      </section>
    </div>`;
}

function UploadZone({ documents }) {
  const input = useRef(null);
  const [dragging, setDragging] = useState(false);
  const onDrop = (event) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer?.files?.length) documents.upload(event.dataTransfer.files);
  };
  return html`
    <section class="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload notes</h2>
      <div class=${`dropzone${dragging ? " dragging" : ""}`}
        onDragOver=${(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave=${() => setDragging(false)} onDrop=${onDrop}>
        <p>Drop PDF, DOCX, Markdown or text files here${documents.limits ? ` (up to ${bytes(documents.limits.max_upload_bytes)} each)` : ""}, or</p>
        <label class="button">Choose files
          <input ref=${input} class="visually-hidden" type="file" multiple
            accept=${documents.limits?.extensions.join(",")}
            onChange=${(e) => { documents.upload(e.target.files); e.target.value = ""; }} />
        </label>
      </div>
      ${documents.limits && html`
        <p class="muted small storage-use">
          <span>${bytes(documents.limits.used_bytes)} of ${bytes(documents.limits.max_storage_bytes)} used</span>
          <meter min="0" max=${documents.limits.max_storage_bytes} value=${documents.limits.used_bytes}
            aria-label="Storage used"></meter>
        </p>`}
      ${documents.uploads.length > 0 && html`
        <ul class="uploads" aria-label="Uploads in progress">
          ${documents.uploads.map((u) => html`
            <li key=${u.key} class=${u.error ? "failed" : ""}>
              <span class="doc-name">${u.name}</span>
              ${u.error || u.notice ? html`
                <p class=${u.error ? "error" : "muted"} role=${u.error ? "alert" : "status"}>${u.error ?? u.notice}</p>
                <button type="button" class="quiet small" onClick=${() => documents.dismissUpload(u.key)}>Dismiss</button>` : html`
                <progress max="1" value=${u.progress} aria-label=${`Uploading ${u.name}`}></progress>
                <span class="muted">uploading ${Math.round(u.progress * 100)}%</span>`}
            </li>`)}
        </ul>`}
    </section>`;
}

function DocumentRow({ document, documents }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(null);
  const keepButton = useRef(null);
  const deleteButton = useRef(null);
  const wasConfirming = useRef(false);
  // Focus follows the swap: to "Keep" when asked, back to "Delete" when kept.
  useEffect(() => {
    if (confirming) keepButton.current?.focus();
    else if (wasConfirming.current) deleteButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);
  const busy = document.status === "queued" || document.status === "processing";
  const remove = async () => {
    try { await documents.remove(document); } catch (failure) { setError(failure.message); setConfirming(false); }
  };
  return html`
    <li class=${`document ${document.status}`} data-status=${document.status}>
      <div class="doc-head">
        <a class="doc-name" href=${href("documents", document.id)}>${document.filename}</a>
        <span class=${`badge ${document.status}`}>${statusLabel(document)}</span>
        ${document.needs_ocr && document.status === "ready" && html`<span class="badge ocr" title="The text layer looks like OCR noise">text may be unreliable</span>`}
        ${!confirming && html`
          <button type="button" class="danger small" ref=${deleteButton} onClick=${() => setConfirming(true)}
            aria-label=${`Delete ${document.filename}`}>Delete</button>`}
      </div>
      ${busy && html`<progress max="1" value=${document.progress} aria-label=${`Processing ${document.filename}`}></progress>`}
      <p class="muted small">${documentDetail(document)}</p>
      ${document.status === "failed" && html`<${FailureDetail} document=${document} documents=${documents} />`}
      ${confirming && html`
        <div class="confirm" role="group" aria-label=${`Confirm deleting ${document.filename}`}>
          <span>Delete ${document.filename} and everything learned from it?</span>
          <button type="button" class="danger" onClick=${remove}>Delete</button>
          <button type="button" class="quiet" ref=${keepButton} onClick=${() => setConfirming(false)}>Keep</button>
        </div>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </li>`;
}

function FailureDetail({ document, documents }) {
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const encrypted = document.error?.code === "encrypted";
  const needsFile = encrypted && !documents.hasFile(document.id);
  const retry = async () => {
    setSending(true);
    setError(null);
    try {
      await documents.retry(document);
    } catch (failure) {
      setError(failure.message);
    } finally {
      setSending(false);
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setSending(true);
    setError(null);
    try {
      const chosen = form.get("file");
      await documents.retryWithPassword(document, form.get("password"), chosen?.size ? chosen : null);
    } catch (failure) {
      setError(failure.message);
    } finally {
      setSending(false);
    }
  };
  return html`
    <div class="failure">
      <p class="error-text">${failureText(document)}</p>
      ${encrypted && html`
        <form class="row" onSubmit=${submit}>
          ${needsFile && html`<label>The PDF again<input name="file" type="file" accept=".pdf" required /></label>`}
          <label>Password<input name="password" type="password" required autocomplete="off" /></label>
          <button type="submit" disabled=${sending}>Open with password</button>
        </form>`}
      ${!encrypted && html`
        <button type="button" class="small" disabled=${sending} onClick=${retry}
          aria-label=${`Retry ${document.filename}`}>Retry</button>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}
