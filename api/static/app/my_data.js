// The user's own data, from the account menu: export it all as a zip, or delete the account
// and everything in it. Both are modal dialogs (native <dialog>: focus and Esc for free).
import { bytes, html, useEffect, useRef, useState } from "./lib.js";
import { api, session } from "./api.js";
import { LiveSocket } from "./sockets.js";

const POLL_MS = 1500;  // in case an event was missed (the socket opens after the job starts)

function Dialog({ title, id, onClose, children }) {
  const dialog = useRef(null);
  useEffect(() => { dialog.current.showModal(); }, []);
  return html`
    <dialog ref=${dialog} class="my-data" aria-labelledby=${id} onClose=${onClose}>
      <h2 id=${id}>${title}</h2>
      ${children}
    </dialog>`;
}

const COUNTS = [
  ["conversations", "conversation", "conversations"], ["messages", "tutor message", "tutor messages"],
  ["practice_sets", "practice set", "practice sets"], ["practice_attempts", "practice answer", "practice answers"],
  ["decks", "deck", "decks"], ["cards", "flashcard", "flashcards"], ["reviews", "review", "reviews"],
  ["tasks", "task", "tasks"], ["study_events", "study record entry", "study record entries"],
  ["focus_sessions", "focus session", "focus sessions"],
];

function counted(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

export function DeleteAccountDialog({ onClose }) {
  const [preview, setPreview] = useState(null);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { api("/me/deletion-preview").then(setPreview).catch((f) => setError(f.message)); }, []);
  async function remove(event) {
    event.preventDefault();
    setBusy(true);
    try {
      const password = new FormData(event.target).get("password");
      await api("/me", { method: "DELETE", body: { password } });
      session.signOut("Your account and everything in it were deleted.");
    } catch (failure) {
      setError(failure.message);
      setBusy(false);
    }
  }
  return html`
    <${Dialog} title="Delete my account" id="delete-account-title" onClose=${onClose}>
      <p>This deletes your account and everything in it, for good:</p>
      ${preview ? html`
        <ul class="deletion-preview" aria-label="What will be deleted">
          <li>${counted(preview.documents, "document", "documents")} (${bytes(preview.document_bytes)})</li>
          ${COUNTS.map(([key, one, many]) => html`<li key=${key}>${counted(preview[key], one, many)}</li>`)}
        </ul>` : !error && html`<p class="muted">Counting your data…</p>`}
      <form class="stack" onSubmit=${remove} aria-label="Delete my account">
        <label>Your password
          <input name="password" type="password" required autocomplete="current-password" />
        </label>
        <label class="choice">
          <input type="checkbox" checked=${confirmed} onChange=${(e) => setConfirmed(e.target.checked)} />
          I understand that this cannot be undone.
        </label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <div class="row">
          <button type="submit" class="danger" disabled=${!confirmed || busy}>Delete my account</button>
          <button type="button" class="quiet" onClick=${onClose}>Cancel</button>
        </div>
      </form>
    <//>`;
}

async function saveZip(exportId) {
  const response = await fetch(`/api/v1/me/exports/${exportId}/download`, {
    headers: { Authorization: `Bearer ${session.token}` },
  });
  if (!response.ok) throw new Error("The export could not be downloaded; start a new one.");
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1];
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name ?? "spark-tutor-export.zip";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

export function ExportDialog({ onClose }) {
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  const jobId = job?.id;
  const finished = job && (job.status === "ready" || job.status === "failed");
  useEffect(() => {
    if (!jobId || finished) return undefined;
    const update = (patch) => setJob((current) => (current?.id === jobId ? { ...current, ...patch } : current));
    const socket = new LiveSocket("/events", {
      onEvent: ({ type, data }) => {
        if (data.export_id !== jobId) return;
        if (type === "export.progress") update({ status: "running", done: data.done, total: data.total });
        if (type === "export.ready") update({ status: "ready", size_bytes: data.size_bytes });
        if (type === "export.failed") update({ status: "failed", error_message: data.message });
      },
    }).start();
    const timer = setInterval(() => api(`/me/exports/${jobId}`).then(update).catch(() => {}), POLL_MS);
    return () => { socket.stop(); clearInterval(timer); };
  }, [jobId, finished]);
  async function start() {
    setError(null);
    try { setJob(await api("/me/export", { method: "POST" })); } catch (failure) { setError(failure.message); }
  }
  async function download() {
    try { await saveZip(job.id); } catch (failure) { setError(failure.message); }
  }
  return html`
    <${Dialog} title="Export my data" id="export-title" onClose=${onClose}>
      <p>A zip of everything in your account: your account and settings, documents (with the
        original files), conversations, practice sets and answers, flashcards and reviews, tasks,
        your study record and focus sessions. It is kept for 24 hours.</p>
      ${!job && html`<button type="button" onClick=${start}>Start export</button>`}
      ${job && !finished && html`
        <p role="status">Preparing your export… ${job.total ? `${job.done} of ${job.total} steps` : ""}</p>
        <progress max=${job.total || 1} value=${job.done} aria-label="Export progress"></progress>`}
      ${job?.status === "ready" && html`
        <p role="status">Your export is ready (${bytes(job.size_bytes)}).</p>
        <button type="button" onClick=${download}>Download the zip</button>`}
      ${job?.status === "failed" && html`<p class="error" role="alert">${job.error_message}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <form method="dialog"><button type="submit" class="quiet">Close</button></form>
    <//>`;
}
