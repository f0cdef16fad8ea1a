// A class's page. Its teachers see the join code (copy, new code, joining off), its people with
// "Remove" per student, co-teachers added by email and archiving (the owner); its students see
// who teaches and how many attend, the class's leaderboard, and "Leave class". Everyone sees
// its materials; its teachers share and unshare them.
import { html, shortDate, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href, navigate } from "./router.js";
import { ConfirmButton } from "./confirm.js";
import { ClassPeople, STANDING } from "./class_people.js";
import { ClassMaterials } from "./class_materials.js";
import { ClassAssignments } from "./class_assignments.js";
import { ClassGrading } from "./class_grading.js";
import { ClassGeneration } from "./class_generation.js";

/** "ABCD-EFGH": a code read aloud or off a board in two halves. */
function shownCode(code) {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function ClassPage({ classId }) {
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api(`/classes/${classId}`).then(setFound).catch((failure) =>
    setError(failure.status === 404 ? "This class does not exist, or you are not in it." : failure.message));
  useEffect(() => { setFound(null); setError(null); load(); }, [classId]);
  if (error) {
    return html`
      <div class="page class-page">
        <h1>Class</h1>
        <p class="error" role="alert">${error}</p>
        <p><a href=${href("classes")}>All classes</a></p>
      </div>`;
  }
  if (!found) return html`<div class="page class-page"><h1>Class</h1><p class="muted">Loading…</p></div>`;
  const teaching = found.standing !== "student";
  const open = found.archived_at == null;
  return html`
    <div class="page class-page">
      <p class="small"><a href=${href("classes")}>All classes</a></p>
      <h1>${found.name}</h1>
      <${ClassFacts} found=${found} />
      ${!open && html`<p class="notice">Archived ${shortDate(found.archived_at)}: it can be read, not joined or changed.</p>`}
      ${teaching && open && html`<${JoinCode} found=${found} onChanged=${setFound} />`}
      <${ClassAssignments} found=${found} />
      ${teaching && open && html`<${ClassGeneration} found=${found} />`}
      ${teaching && html`<${ClassGrading} found=${found} />`}
      <${ClassMaterials} found=${found} />
      ${teaching && html`<${ClassPeople} found=${found} onChanged=${load} />`}
      <section class="card" aria-labelledby="class-actions-title">
        <h2 id="class-actions-title">${teaching ? "Class" : "Your class"}</h2>
        <p><a href=${href("leaderboards", null, { class: found.id })}>${found.name}'s leaderboard</a></p>
        ${found.standing === "owner" && open && html`<${Archive} found=${found} onArchived=${setFound} />`}
        ${found.standing !== "owner" && html`<${Leave} found=${found} />`}
      </section>
    </div>`;
}

function ClassFacts({ found }) {
  return html`
    <dl class="figures class-facts" aria-label="About this class">
      <div><dt>Subject</dt><dd data-testid="class-subject">${found.subject || "—"}</dd></div>
      <div><dt>You are</dt><dd>${STANDING[found.standing]}</dd></div>
      <div><dt>Teachers</dt><dd data-testid="class-teachers">${found.teachers}</dd></div>
      <div><dt>Students</dt><dd data-testid="class-students">${found.students}</dd></div>
      <div><dt>Time zone</dt><dd class="zone">${found.timezone}</dd></div>
    </dl>`;
}

function JoinCode({ found, onChanged }) {
  const [message, setMessage] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef(null);
  const change = async (method, said) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await api(`/classes/${found.id}/join-code`, { method });
      onChanged(changed);
      setMessage(said(changed));
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  const rotate = () => change("POST", (changed) => (found.join_code
    ? `New code ${shownCode(changed.join_code)}: the old one no longer works.`
    : `Joining is on again with the code ${shownCode(changed.join_code)}.`));
  const disable = () => change("DELETE", () => "Joining is off: no code works until you make a new one.");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shownCode(found.join_code));
      setMessage("Code copied.");
    } catch {
      getSelection().selectAllChildren(codeRef.current);
      setMessage("Press Ctrl+C (or ⌘C) to copy the selected code.");
    }
  };
  return html`
    <section class="card join-code-card" aria-labelledby="join-code-title">
      <h2 id="join-code-title">Join code</h2>
      ${found.join_code ? html`
        <p class="join-code"><code ref=${codeRef} data-testid="join-code">${shownCode(found.join_code)}</code></p>
        <p class="muted small">Students type it under Classes → Join a class. Case, spaces and the dash do not matter.</p>
        <div class="row">
          <button type="button" onClick=${copy}>Copy code</button>
          <button type="button" class="quiet" disabled=${busy} onClick=${rotate}>New code</button>
          <button type="button" class="danger" disabled=${busy} onClick=${disable}>Turn joining off</button>
        </div>` : html`
        <p data-testid="joining-off">Joining is off: nobody can join with a code.</p>
        <div class="row"><button type="button" disabled=${busy} onClick=${rotate}>Turn joining on</button></div>`}
      <p class="muted small" role="status">${message}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}

function Archive({ found, onArchived }) {
  const [error, setError] = useState(null);
  const archive = async () => {
    try {
      onArchived(await api(`/classes/${found.id}/archive`, { method: "POST" }));
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`
    <div class="class-action">
      <${ConfirmButton} label="Archive class" confirmLabel="Archive"
        question=${`Archive ${found.name}? Nobody can join it any more, and it can no longer be changed.`}
        onConfirm=${archive} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}

function Leave({ found }) {
  const [error, setError] = useState(null);
  const leave = async () => {
    try {
      await api(`/classes/${found.id}/leave`, { method: "POST" });
      navigate("classes");
    } catch (failure) {
      setError(failure.message);
    }
  };
  const teaching = found.standing === "co_teacher";
  return html`
    <div class="class-action">
      <${ConfirmButton} label=${teaching ? "Stop teaching this class" : "Leave class"} confirmLabel="Leave"
        question=${teaching ? `Stop teaching ${found.name}?` : `Leave ${found.name}? You can join again with its code.`}
        onConfirm=${leave} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}
