// Sign in and sign up.
import { html, useState } from "./lib.js";
import { api, session } from "./api.js";

export function AuthView({ notice }) {
  const [mode, setMode] = useState("signin");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [role, setRole] = useState("student");
  const signingUp = mode === "signup";

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const email = form.get("email").trim();
    const password = form.get("password");
    setBusy(true);
    setError(null);
    try {
      if (signingUp) {
        const display_name = form.get("display_name").trim() || undefined;
        // The browser's own zone: "today" and streaks follow the student's calendar from day one.
        const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const teacher_invite = role === "teacher" ? form.get("teacher_invite").trim() : undefined;
        await api("/auth/register", { method: "POST", body: { email, password, display_name, role, timezone, teacher_invite } });
      }
      const { access_token } = await api("/auth/login", { method: "POST", body: { email, password } });
      if (!location.hash) location.hash = "#/documents";
      session.signIn(access_token);
    } catch (failure) {
      setError(failure.message);
      setBusy(false);
    }
  }

  return html`
    <main id="main" class="auth">
      <h1><span aria-hidden="true">✦</span> Spark Tutor</h1>
      <p class="muted">Upload your notes, search them, and learn from them with a tutor that cites them.</p>
      <section class="card">
        <h2>${signingUp ? "Create an account" : "Sign in"}</h2>
        ${notice && html`<p class="notice" role="status">${notice}</p>`}
        <form class="stack" onSubmit=${submit}>
          ${signingUp && html`
            <label>Display name <span class="muted">(optional)</span>
              <input name="display_name" autocomplete="nickname" maxlength="80" />
            </label>`}
          <label>Email
            <input name="email" type="email" required autocomplete="email" />
          </label>
          <label>Password
            <input name="password" type="password" required minlength=${signingUp ? 8 : 1}
              autocomplete=${signingUp ? "new-password" : "current-password"} />
          </label>
          ${signingUp && html`
            <fieldset class="inline">
              <legend>I am a</legend>
              ${["student", "teacher"].map((value) => html`
                <label class="choice">
                  <input type="radio" name="role" value=${value} checked=${role === value} onChange=${() => setRole(value)} /> ${value}
                </label>`)}
            </fieldset>`}
          ${signingUp && role === "teacher" && html`
            <label>Teacher invite code
              <input name="teacher_invite" required autocomplete="off" maxlength="100" aria-describedby="invite-help" />
            </label>
            <p class="muted small" id="invite-help">An admin gives teachers a code. No code? Create a student
              account, then choose “Ask for teacher access” in the account menu.</p>`}
          ${error && html`<p class="error" role="alert">${error}</p>`}
          <button type="submit" disabled=${busy}>${signingUp ? "Create account" : "Sign in"}</button>
        </form>
        <p class="switch">
          ${signingUp ? "Already have an account? " : "New here? "}
          <button type="button" class="link" onClick=${() => { setMode(signingUp ? "signin" : "signup"); setError(null); }}>
            ${signingUp ? "Sign in" : "Create an account"}
          </button>
        </p>
      </section>
    </main>`;
}
