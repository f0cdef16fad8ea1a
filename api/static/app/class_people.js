// A class's people, for its teachers: teachers and students by display name, "Remove" per
// student (asked first), and the owner's form to add a co-teacher by their account's email.
import { html, shortDate, useEffect, useState } from "./lib.js";
import { api } from "./api.js";
import { ConfirmButton } from "./confirm.js";

export const STANDING = { owner: "Teacher", co_teacher: "Co-teacher", student: "Student" };

export function ClassPeople({ found, onChanged }) {
  const [people, setPeople] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const load = () => api(`/classes/${found.id}/people`).then(setPeople).catch((failure) => setError(failure.message));
  useEffect(() => { load(); }, [found.id]);
  const open = found.archived_at == null;
  const remove = async (person) => {
    try {
      await api(`/classes/${found.id}/students/${person.user_id}`, { method: "DELETE" });
      setNotice(`${person.display_name} is no longer in ${found.name}.`);
      setError(null);
      load();
      onChanged();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const added = (listed, email) => {
    setPeople(listed);
    setNotice(`${email} now teaches ${found.name} with you.`);
    onChanged();
  };
  const teachers = (people ?? []).filter((p) => p.standing !== "student");
  const students = (people ?? []).filter((p) => p.standing === "student");
  return html`
    <section class="card" aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <p class="muted small" role="status">${notice}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${people && html`
        <h3 id="teachers-title">Teachers</h3>
        <ul class="people" aria-labelledby="teachers-title">
          ${teachers.map((person) => html`<${PersonRow} key=${person.user_id} person=${person} />`)}
        </ul>
        <h3 id="students-title">Students</h3>
        ${students.length === 0 && html`<p class="empty">No students yet: give them the join code.</p>`}
        <ul class="people" aria-labelledby="students-title" data-testid="students">
          ${students.map((person) => html`
            <${PersonRow} key=${person.user_id} person=${person}>
              ${open && html`
                <${ConfirmButton} small label="Remove" name=${`Remove ${person.display_name}`}
                  question=${`Take ${person.display_name} out of ${found.name}?`}
                  onConfirm=${() => remove(person)} />`}
            <//>`)}
        </ul>`}
      ${found.standing === "owner" && open && html`<${CoTeacherForm} found=${found} onAdded=${added} />`}
    </section>`;
}

function PersonRow({ person, children }) {
  return html`
    <li class="person" data-user-id=${person.user_id}>
      <span class="person-name">${person.display_name}</span>
      <span class="muted small">${STANDING[person.standing]} · since ${shortDate(person.since)}</span>
      ${children}
    </li>`;
}

function CoTeacherForm({ found, onAdded }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = new FormData(form).get("email").trim();
    setBusy(true);
    try {
      onAdded(await api(`/classes/${found.id}/teachers`, { method: "POST", body: { email } }), email);
      setError(null);
      form.reset();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h3 id="co-teacher-title">Add a co-teacher</h3>
    <form class="row" onSubmit=${submit} aria-labelledby="co-teacher-title">
      <label>Teacher's email <input name="email" type="email" required autocomplete="off" /></label>
      <button type="submit" disabled=${busy}>Add co-teacher</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}`;
}
