// Classes: #/classes lists the classes one teaches and attends, with the form to join one by
// its code (and, for teachers, to create one); #/classes/<id> is a class's page, and
// #/classes?assignment=<id> an assignment of one's classes.
import { html, useCallback, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { href, navigate } from "./router.js";
import { ClassPage } from "./class_page.js";
import { AssignmentPage } from "./assignment_page.js";
import { STANDING } from "./class_people.js";

// As the server makes them (tutor/classes/join_codes.py): no 0/O, 1/I/L look-alikes.
const CODE_ALPHABET = /^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]+$/;
const CODE_LENGTH = 8;

function isTeacher(me) {
  return me?.role === "teacher" || me?.role === "admin";
}

/** What is wrong with a typed code, or null; spaces, dashes and case do not matter. */
function codeProblem(typed) {
  const code = typed.toUpperCase().replace(/[\s-]/g, "");
  if (!code) return "Type the join code your teacher gave you.";
  if (/[01IOL]/.test(code)) return "Join codes never use 0, O, 1, I or L: check the code with your teacher.";
  if (!CODE_ALPHABET.test(code)) return "A join code has only letters and digits (dashes and spaces are fine).";
  if (code.length !== CODE_LENGTH) return `A join code has ${CODE_LENGTH} letters and digits; this one has ${code.length}.`;
  return null;
}

export function ClassesView({ id, me, params }) {
  const assignment = params?.get("assignment");
  if (assignment) return html`<${AssignmentPage} assignmentId=${assignment} />`;
  if (id) return html`<${ClassPage} classId=${id} />`;
  return html`<${ClassList} me=${me} />`;
}

function usePagedClasses(archived, version) {
  const [items, setItems] = useState(null);
  const [nextCursor, setNextCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(async (cursor = null) => {
    const params = new URLSearchParams({ limit: "20", archived: String(archived), ...(cursor ? { cursor } : {}) });
    try {
      const page = await api(`/classes?${params}`);
      setItems((current) => (cursor ? [...(current ?? []), ...page.items] : page.items));
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }, [archived, version]);
  useEffect(() => { load(); }, [load]);
  return { items, nextCursor, error, more: () => load(nextCursor) };
}

function ClassList({ me }) {
  const [archived, setArchived] = useState(false);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState("");
  const classes = usePagedClasses(archived, version);
  const joined = (found) => { setNotice(`You joined ${found.name}.`); setVersion((v) => v + 1); };
  const teaching = (classes.items ?? []).filter((c) => c.standing !== "student");
  const attending = (classes.items ?? []).filter((c) => c.standing === "student");
  return html`
    <div class="page classes">
      <h1>Classes</h1>
      <p class="muted small" role="status">${notice}</p>
      <div class="classes-grid">
        <${JoinForm} onJoined=${joined} />
        ${isTeacher(me) && html`<${NewClassForm} />`}
      </div>
      <section class="card" aria-labelledby="my-classes-title">
        <div class="list-head">
          <h2 id="my-classes-title">Your classes</h2>
          <label class="choice">
            <input type="checkbox" checked=${archived} onChange=${(event) => setArchived(event.currentTarget.checked)} />
            Show archived classes
          </label>
        </div>
        ${classes.error && html`<p class="error" role="alert">${classes.error}</p>`}
        ${classes.items?.length === 0 && html`<p class="empty">${isTeacher(me)
          ? "No classes yet: create one, or join one with a code." : "No classes yet: join one with the code your teacher gave you."}</p>`}
        ${teaching.length > 0 && html`<${ClassGroup} title="Teaching" id="teaching" classes=${teaching} />`}
        ${attending.length > 0 && html`<${ClassGroup} title="Attending" id="attending" classes=${attending} />`}
        ${classes.nextCursor && html`<button type="button" class="quiet small" onClick=${classes.more}>More classes</button>`}
      </section>
    </div>`;
}

function ClassGroup({ title, id, classes }) {
  return html`
    <h3 id=${`${id}-title`}>${title}</h3>
    <ul class="class-list" aria-labelledby=${`${id}-title`}>
      ${classes.map((found) => html`
        <li key=${found.id} class="class-item" data-class-id=${found.id}>
          <a class="class-name" href=${href("classes", found.id)}>${found.name}</a>
          ${found.archived_at && html`<span class="badge">Archived</span>`}
          <span class="muted small">
            ${[found.subject, STANDING[found.standing], `${found.students} student${found.students === 1 ? "" : "s"}`].filter(Boolean).join(" · ")}
          </span>
        </li>`)}
    </ul>`;
}

function JoinForm({ onJoined }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = useRef(null);
  const submit = async (event) => {
    event.preventDefault();
    const typed = field.current.value;
    const problem = codeProblem(typed);
    setError(problem);
    if (problem) { field.current.focus(); return; }
    setBusy(true);
    try {
      const found = await api("/classes/join", { method: "POST", body: { code: typed.trim() } });
      field.current.value = "";
      onJoined(found);
    } catch (failure) {
      setError(failure.code === "join_code_invalid"
        ? "No open class has this code: it may have been changed or turned off. Ask your teacher for the current one."
        : failure.message);
      field.current.focus();
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="card" aria-labelledby="join-title">
      <h2 id="join-title">Join a class</h2>
      <form class="row" onSubmit=${submit} noValidate>
        <label>Join code
          <input ref=${field} name="code" autocomplete="off" autocapitalize="characters" spellcheck="false"
            maxlength="20" placeholder="ABCD-EFGH" aria-invalid=${error ? "true" : "false"}
            aria-describedby=${error ? "join-error" : null} />
        </label>
        <button type="submit" disabled=${busy}>Join</button>
      </form>
      ${error && html`<p class="error" role="alert" id="join-error">${error}</p>`}
    </section>`;
}

/** Every zone the browser knows, the reader's own among them (older browsers list none). */
function zoneChoices(own) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes(own) ? zones : [own, ...zones];
}

function NewClassForm() {
  const own = useRef(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const zones = useRef(zoneChoices(own.current));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = { name: form.get("name").trim(), subject: form.get("subject").trim(), timezone: form.get("timezone") };
    setBusy(true);
    try {
      const made = await api("/classes", { method: "POST", body });
      navigate("classes", made.id);
    } catch (failure) {
      setError(failure.message);
      setBusy(false);
    }
  };
  return html`
    <section class="card" aria-labelledby="new-class-title">
      <h2 id="new-class-title">New class</h2>
      <form class="stack" onSubmit=${submit}>
        <label>Name <input name="name" required maxlength="120" placeholder="Biology 9B" /></label>
        <label>Subject <span class="muted">(optional)</span> <input name="subject" maxlength="120" /></label>
        <label>Time zone
          <select name="timezone">
            ${zones.current.map((zone) => html`<option value=${zone} selected=${zone === own.current}>${zone}</option>`)}
          </select>
        </label>
        <p class="muted small">The class's days and weeks (its leaderboard) follow this zone.</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <div class="row"><button type="submit" disabled=${busy}>Create class</button></div>
      </form>
    </section>`;
}
