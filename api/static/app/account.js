// The account menu: who is signed in, rename, change the password, ask to teach, export or
// delete one's data, sign out here or everywhere.
import { html, useDismiss, useEffect, useRef, useState } from "./lib.js";
import { api, session } from "./api.js";
import { DeleteAccountDialog, ExportDialog } from "./my_data.js";

export function AccountMenu({ me, onRenamed }) {
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const root = useRef(null);
  const nameField = useRef(null);
  const changeButton = useRef(null);
  const wasEditing = useRef(false);
  // Focus follows the swap between the button and the form, both ways.
  useEffect(() => {
    if (editing) nameField.current?.focus();
    else if (wasEditing.current) changeButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  useDismiss(open, setOpen, root);

  const [changingPassword, setChangingPassword] = useState(false);
  // Outside the panel: the dialog stays when the menu closes behind it.
  const [dialog, setDialog] = useState(null);  // null | "export" | "delete"
  const openDialog = (which) => { setOpen(false); setDialog(which); };
  const [status, setStatus] = useState(null);
  const name = me?.display_name || me?.email || "Account";
  async function changePassword(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { current_password: form.get("current_password"), new_password: form.get("new_password") };
    try {
      const { access_token } = await api("/me/password", { method: "POST", body });
      // Every other session just ended; this one goes on with the fresh token.
      session.signIn(access_token);
    } catch (failure) {
      setError(failure.message);
    }
  }
  async function signOutEverywhere() {
    try {
      await api("/me/sign-out-all", { method: "POST" });
      session.signOut("You are signed out on every device.");
    } catch (failure) {
      setError(failure.message);
    }
  }
  async function askToTeach() {
    try {
      await api("/me/teacher-request", { method: "POST" });
      setStatus("Asked: an admin will decide. You stay a student until then.");
    } catch (failure) {
      setError(failure.message);
    }
  }
  async function rename(event) {
    event.preventDefault();
    const display_name = new FormData(event.target).get("display_name").trim();
    try {
      onRenamed(await api("/me", { method: "PATCH", body: { display_name } }));
      setEditing(false);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }
  return html`
    <div class="account" ref=${root}>
      <button type="button" class="quiet" aria-expanded=${open}
        aria-controls="account-panel" onClick=${() => setOpen(!open)}>
        <span class="avatar" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</span>
        <span class="account-name">${name}</span>
      </button>
      ${open && html`
        <div class="account-panel" id="account-panel">
          <p class="muted">Signed in as <strong>${me?.email ?? "…"}</strong>${me ? ` (${me.role})` : ""}</p>
          ${editing ? html`
            <form class="stack" onSubmit=${rename}>
              <label>Display name
                <input name="display_name" ref=${nameField} required maxlength="80" defaultValue=${me?.display_name ?? ""} />
              </label>
              ${error && html`<p class="error" role="alert">${error}</p>`}
              <div class="row"><button type="submit">Save</button>
                <button type="button" class="quiet" onClick=${() => setEditing(false)}>Cancel</button></div>
            </form>` : html`
            <button type="button" class="quiet" ref=${changeButton} onClick=${() => { setEditing(true); setChangingPassword(false); setError(null); }}>Change display name</button>`}
          ${changingPassword ? html`
            <form class="stack" onSubmit=${changePassword} aria-label="Change password">
              <label>Current password
                <input name="current_password" type="password" required autocomplete="current-password" />
              </label>
              <label>New password
                <input name="new_password" type="password" required minlength="8" autocomplete="new-password" />
              </label>
              <p class="muted small">Your other devices will be signed out.</p>
              ${error && html`<p class="error" role="alert">${error}</p>`}
              <div class="row"><button type="submit">Change password</button>
                <button type="button" class="quiet" onClick=${() => { setChangingPassword(false); setError(null); }}>Cancel</button></div>
            </form>` : html`
            <button type="button" class="quiet" onClick=${() => { setChangingPassword(true); setEditing(false); setError(null); }}>Change password</button>`}
          ${me?.role === "student" && html`
            <button type="button" class="quiet" onClick=${askToTeach}>Ask for teacher access</button>`}
          ${status && html`<p class="muted small" role="status">${status}</p>`}
          ${!editing && !changingPassword && error && html`<p class="error" role="alert">${error}</p>`}
          <button type="button" class="quiet" onClick=${() => openDialog("export")}>Export my data…</button>
          <button type="button" onClick=${() => session.signOut()}>Sign out</button>
          <button type="button" class="danger" onClick=${signOutEverywhere}>Sign out everywhere</button>
          <button type="button" class="danger" onClick=${() => openDialog("delete")}>Delete my account…</button>
        </div>`}
      ${dialog === "export" && html`<${ExportDialog} onClose=${() => setDialog(null)} />`}
      ${dialog === "delete" && html`<${DeleteAccountDialog} onClose=${() => setDialog(null)} />`}
    </div>`;
}
