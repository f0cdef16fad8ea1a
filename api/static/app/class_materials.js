// A class's materials: the documents its teachers share with it, read-only. Everyone in the class
// sees the list (search and the tutor read these beside their own notes); its teachers share one
// of their own documents and stop sharing any.
import { html, shortDate, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { usePagedList } from "./paged.js";
import { href } from "./router.js";
import { ConfirmButton } from "./confirm.js";

export function ClassMaterials({ found }) {
  const { items: listed, next, error, setError, reload: load, more } = usePagedList(`/classes/${found.id}/materials`, 50);
  const [notice, setNotice] = useState("");
  const teaching = found.standing !== "student" && found.archived_at == null;
  const shared = (material) => {
    setNotice(`${material.filename} is shared with ${found.name}.`);
    load();
  };
  const unshare = async (material) => {
    try {
      await api(`/classes/${found.id}/materials/${material.document_id}`, { method: "DELETE" });
      setNotice(`${material.filename} is no longer shared.`);
      load();
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`
    <section class="card class-materials" aria-labelledby="materials-title">
      <h2 id="materials-title">Materials</h2>
      <p class="muted small">${teaching
        ? "Documents you share are read-only for the class: its students search them and ask the tutor about them beside their own notes."
        : html`Shared by your teachers, read-only. <a href=${href("search")}>Search</a> and the tutor read them beside your own notes.`}</p>
      <p class="muted small" role="status">${notice}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${listed && listed.length === 0 && html`<p class="empty">Nothing shared yet.</p>`}
      ${listed && listed.length > 0 && html`
        <ul class="materials" data-testid="materials">
          ${listed.map((material) => html`
            <li key=${material.document_id} class="material">
              <span class="material-name">${material.filename}</span>
              <span class="muted small">${[material.pages && `${material.pages} ${material.pages === 1 ? "page" : "pages"}`, `shared by ${material.shared_by}`, shortDate(material.shared_at)].filter(Boolean).join(" · ")}</span>
              ${material.status !== "ready" && html`<span class=${`badge ${material.status}`}>${material.status}</span>`}
              ${teaching && html`
                <${ConfirmButton} small label="Stop sharing" name=${`Stop sharing ${material.filename}`}
                  question=${`Stop sharing ${material.filename} with ${found.name}?`}
                  onConfirm=${() => unshare(material)} />`}
            </li>`)}
        </ul>`}
      ${next && html`<button type="button" class="quiet" onClick=${more}>More materials</button>`}
      ${teaching && html`<${ShareForm} found=${found} sharedIds=${(listed ?? []).map((m) => m.document_id)} onShared=${shared} />`}
    </section>`;
}

/** A teacher picks one of their own ready documents not shared yet. */
function ShareForm({ found, sharedIds, onShared }) {
  const [documents, setDocuments] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api("/documents?limit=100").then((page) => setDocuments(page.items)).catch((failure) => setError(failure.message));
  }, [found.id]);
  const choices = (documents ?? []).filter((d) => d.status === "ready" && !sharedIds.includes(d.id));
  const submit = async (event) => {
    event.preventDefault();
    const documentId = new FormData(event.currentTarget).get("document");
    if (!documentId) return;
    setBusy(true);
    try {
      onShared(await api(`/classes/${found.id}/materials`, { method: "POST", body: { document_id: documentId } }));
      setError(null);
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h3 id="share-title">Share a document</h3>
    ${documents && choices.length === 0
      ? html`<p class="muted small">No document of yours left to share: <a href=${href("documents")}>upload one</a> first.</p>`
      : html`
        <form class="row" onSubmit=${submit} aria-labelledby="share-title">
          <label>Your document
            <select name="document" required>
              ${choices.map((d) => html`<option key=${d.id} value=${d.id}>${d.filename}</option>`)}
            </select>
          </label>
          <button type="submit" disabled=${busy || !documents}>Share with the class</button>
        </form>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}`;
}
