// The app shell: sign-in, the header with navigation and the account menu, and the routes.
import { html, render, useEffect, useRef, useState } from "./lib.js";
import { ADMIN_SECTION, SECTIONS, useRoute } from "./router.js";
import { TOKEN_KEY, api, session } from "./api.js";
import { AuthView } from "./auth.js";
import { useDocuments } from "./documents_store.js";
import { DocumentsView } from "./documents.js";
import { DocumentDetail } from "./document_detail.js";
import { SearchView } from "./search.js";
import { TutorView } from "./tutor.js";
import { PracticeView } from "./practice.js";
import { TasksView } from "./tasks.js";
import { CardsView } from "./cards.js";
import { ProgressView } from "./progress.js";
import { AchievementsView } from "./achievements.js";
import { LeaderboardsView } from "./leaderboards.js";
import { ClassesView } from "./classes.js";
import { AccountMenu } from "./account.js";
import { NotificationBell } from "./notifications.js";
import { Toasts } from "./toasts.js";
import { AdminView } from "./admin.js";

function App() {
  const [token, setToken] = useState(session.token);
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    const listener = (reason) => { setToken(session.token); setNotice(reason); };
    session.listeners.add(listener);
    // Signing out in another tab signs this one out too.
    const onStorage = (event) => { if (event.key === TOKEN_KEY && !event.newValue && session.token) session.signOut(); };
    window.addEventListener("storage", onStorage);
    return () => { session.listeners.delete(listener); window.removeEventListener("storage", onStorage); };
  }, []);
  if (!token) return html`<${AuthView} notice=${notice} />`;
  return html`<${Shell} key=${token} />`;
}

function Shell() {
  const route = useRoute();
  const [me, setMe] = useState(null);
  const documents = useDocuments();
  useEffect(() => {
    api("/me").then(setMe).catch(() => {});
  }, []);
  const firstRoute = useRef(true);
  const sections = me?.role === "admin" ? [...SECTIONS, ADMIN_SECTION] : SECTIONS;
  useEffect(() => {
    const label = [...SECTIONS, ADMIN_SECTION].find(([name]) => name === route.section)[1];
    document.title = `${label} · Spark Tutor`;
    // After navigating, focus the new content so keyboard and screen-reader users start there.
    if (!firstRoute.current) document.getElementById("main")?.focus({ preventScroll: true });
    firstRoute.current = false;
  }, [route.section]);
  const skipToContent = (event) => {
    event.preventDefault();  // "#main" would be read as a route
    document.getElementById("main").focus();
  };
  return html`
    <a class="skip" href="#main" onClick=${skipToContent}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/documents"><span aria-hidden="true">✦</span> Spark Tutor</a>
      <nav aria-label="Sections">
        <ul>
          ${sections.map(([name, label]) => html`
            <li><a href=${`#/${name}`} aria-current=${route.section === name ? "page" : null}>${label}</a></li>`)}
        </ul>
      </nav>
      <${NotificationBell} />
      <${AccountMenu} me=${me} onRenamed=${setMe} />
    </header>
    <main id="main" tabindex="-1">
      ${route.section === "documents" && (route.id
        ? html`<${DocumentDetail} documentId=${route.id} documents=${documents} />`
        : html`<${DocumentsView} documents=${documents} />`)}
      ${route.section === "search" && html`<${SearchView} documents=${documents} />`}
      ${route.section === "tutor" && html`<${TutorView} documents=${documents} conversationId=${route.id} params=${route.params} />`}
      ${route.section === "practice" && html`<${PracticeView} setId=${route.id} params=${route.params} />`}
      ${route.section === "tasks" && html`<${TasksView} id=${route.id} params=${route.params} />`}
      ${route.section === "cards" && html`<${CardsView} id=${route.id} params=${route.params} />`}
      ${route.section === "progress" && html`<${ProgressView} documents=${documents} />`}
      ${route.section === "achievements" && html`<${AchievementsView} />`}
      ${route.section === "leaderboards" && html`<${LeaderboardsView} params=${route.params} />`}
      ${route.section === "classes" && html`<${ClassesView} id=${route.id} me=${me} params=${route.params} />`}
      ${route.section === "admin" && me && (me.role === "admin"
        ? html`<${AdminView} />`
        : html`<h1>Admin</h1><p class="muted">This section is for admins.</p>`)}
    </main>
    <${Toasts} />
    ${documents.connection !== "open" && html`
      <p class="connection" role="status">${documents.connection === "reconnecting"
        ? "Live updates paused: reconnecting…" : "Connecting…"}</p>`}
  `;
}

const root = document.getElementById("app");
root.textContent = "";  // the "Loading…" placeholder; render() adds to a container's children
render(html`<${App} />`, root);
