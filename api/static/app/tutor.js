// The tutor: conversations on the side, the chat in the middle, the composer at the bottom.
import { html, useCallback, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { AnswerText, SourceList, sourceLabel } from "./answer.js";
import { ConversationList, useConversations } from "./conversations.js";
import { PassageDialog } from "./passage.js";
import { Quiz } from "./quiz.js";
import { useTutorSession } from "./tutor_session.js";
import { navigate } from "./router.js";

const MODES = [
  ["answer", "Answer", "An answer from your notes, with sources"],
  ["hint", "Hint", "A nudge that does not give the answer away"],
  ["explain", "Explain", "An explanation at your level"],
  ["practice", "Practice", "Questions to test yourself, checked against your notes"],
];
const MAX_HINT_LEVEL = 3;
const MAX_CHOSEN = 50;  // an ask names at most 50 documents

/**
 * @param params  the route's query: `mode` and `text` prefill the composer (links elsewhere in
 *   the app, such as a document's suggested practice topics, open the tutor ready to send)
 */
export function TutorView({ conversationId, documents, params }) {
  const conversations = useConversations();
  const [source, setSource] = useState(null);
  const session = useTutorSession(conversationId, {
    onConversation: (id) => navigate("tutor", id, { replace: true }),
    onFinished: conversations.refresh,
  });
  const log = useRef(null);
  const following = useRef(true);  // keep the newest text in view unless the reader scrolled up
  const onScroll = () => {
    const element = log.current;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  };
  useEffect(() => {
    const element = log.current;
    if (!element || !following.current) return;
    if (element.scrollHeight > element.clientHeight) element.scrollTop = element.scrollHeight;
  }, [session.messages]);
  const lastAnswer = session.messages.findLast((m) => m.role === "assistant");
  return html`
    <div class="page tutor-page">
      <${ConversationList} conversations=${conversations} currentId=${conversationId}
        onNew=${() => navigate("tutor")} />
      <section class="chat" aria-labelledby="chat-title">
        <h1 id="chat-title" class="visually-hidden">Tutor</h1>
        ${session.connection !== "open" && html`
          <p class="connection-inline" role="status">${session.connection === "reconnecting" ? "Connection lost: reconnecting…" : "Connecting to the tutor…"}</p>`}
        <div class="messages" ref=${log} onScroll=${onScroll} role="log" aria-label="Conversation"
          aria-live=${session.streaming ? "off" : "polite"} tabindex="0">
          ${session.loading && html`<p class="muted">Loading the conversation…</p>`}
          ${!session.loading && session.messages.length === 0 && html`<${Welcome} />`}
          ${session.messages.map((m) => m.role === "user"
            ? html`<${Question} key=${m.key} message=${m} />`
            : html`<${Answer} key=${m.key} message=${m} onCite=${setSource} session=${session} latest=${m === lastAnswer} />`)}
        </div>
        <p class="visually-hidden" role="status">${session.announcement}</p>
        ${session.problem && html`<p class="error" role="alert">${session.problem}</p>`}
        <${Composer} session=${session} documents=${documents}
          initialMode=${params?.get("mode")} initialText=${params?.get("text")} />
      </section>
      <${PassageDialog} source=${source} onClose=${() => setSource(null)} />
    </div>`;
}

function Welcome() {
  return html`
    <div class="welcome">
      <h2>Ask about your notes</h2>
      <p>The tutor answers from the documents you uploaded and cites them; click a number to read the passage.
        Choose <strong>Hint</strong> for a nudge without the answer, <strong>Explain</strong> for an explanation at your level,
        or <strong>Practice</strong> for questions to test yourself.</p>
    </div>`;
}

function Question({ message }) {
  const label = message.mode && message.mode !== "answer"
    ? `${message.mode}${message.hintLevel && message.mode === "hint" ? ` · level ${message.hintLevel}` : ""}` : null;
  return html`
    <article class="bubble user" aria-label="You asked">
      ${label && html`<span class="mode-tag">${label}</span>`}
      <p>${message.text}</p>
    </article>`;
}

function Answer({ message, onCite, session, latest }) {
  const streaming = message.status === "streaming";
  const hintLevel = message.hint?.level ?? message.request?.hint_level;
  const canHintMore = latest && message.mode === "hint" && message.status === "complete"
    && hintLevel && hintLevel < MAX_HINT_LEVEL;
  const nextHint = () => session.ask({ ...message.request, mode: "hint", text: message.question, hint_level: hintLevel + 1 });
  return html`
    <article class=${`bubble assistant${message.general || message.grounded === false ? " general" : ""}`}
      aria-label="Tutor" aria-busy=${streaming}>
      ${message.mode === "hint" && hintLevel && html`<span class="mode-tag">Hint ${hintLevel} of ${MAX_HINT_LEVEL}</span>`}
      ${message.resuming && html`<p class="muted small" role="status">Reconnected: picking the answer up again…</p>`}
      ${message.best && html`<${BestPassage} best=${message.best} onOpen=${onCite} />`}
      ${message.text ? html`<${AnswerText} text=${message.text} citations=${message.citations} onCite=${onCite} />`
        : streaming && !message.practice && html`<p class="muted typing">${waitingWords(message)}</p>`}
      ${message.practice && html`<${Quiz} questions=${message.practice.questions} onSource=${onCite}
        idPrefix=${message.key} onHint=${session.streaming ? null : (question) => session.ask({
          mode: "hint", text: question.question, hint_level: 1, practice_item_id: question.id,
        })} />`}
      ${message.practice && streaming && !message.text && html`
        <p class="muted typing">${moreQuestionsWords(message.practice)}</p>`}
      <${SourceList} citations=${message.citations} onCite=${onCite} />
      ${message.error && html`<p class="error" role="alert">${message.error}</p>`}
      ${message.status === "cancelled" && html`<p class="muted small">Stopped.</p>`}
      ${canHintMore && html`
        <button type="button" class="quiet" onClick=${nextHint} disabled=${session.streaming}>Next hint (level ${hintLevel + 1})</button>`}
    </article>`;
}

/** While a practice set is still being written below the questions already checked. */
function moreQuestionsWords(practice) {
  const written = practice.questions.length;
  const noun = written === 1 ? "question" : "questions";
  return `${written} of up to ${practice.requested ?? written} ${noun} ready; writing more…`;
}

/** The ready documents to choose from; fetched again whenever a document becomes ready. */
function waitingWords(message) {
  if (message.mode === "practice") return "Writing questions…";
  return message.best ? "The tutor is writing an answer…" : "Reading your notes…";
}

/** The sentence of the notes closest to the question, shown while the model reads its prompt. */
function BestPassage({ best, onOpen }) {
  const where = sourceLabel(best);
  return html`
    <figure class="best-passage">
      <figcaption>From your notes:${" "}
        <button type="button" class="link" onClick=${() => onOpen({ ...best, quote: best.text })}>${where}</button>
      </figcaption>
      <blockquote>${best.text}</blockquote>
    </figure>`;
}

function useReadyDocuments(documents) {
  const [ready, setReady] = useState([]);
  const readyNow = documents.items.filter((d) => d.status === "ready").map((d) => d.id).join();
  useEffect(() => {
    api(`/documents?status=ready&limit=${MAX_CHOSEN}`).then((page) => setReady(page.items)).catch(() => {});
  }, [readyNow]);
  return ready;
}

function Composer({ session, documents: store, initialMode, initialText }) {
  const [mode, setMode] = useState(MODES.some(([value]) => value === initialMode) ? initialMode : "answer");
  const [text, setText] = useState(initialText ?? "");
  const [count, setCount] = useState(5);
  const [level, setLevel] = useState("intermediate");
  const [selected, setSelected] = useState([]);
  const documents = useReadyDocuments(store);
  const submit = useCallback((event) => {
    event?.preventDefault();
    const question = text.trim();
    if (!question || session.streaming || session.loading || session.connection !== "open") return;
    const request = { mode, text: question };
    if (selected.length) request.document_ids = selected;
    if (mode === "hint") request.hint_level = 1;
    if (mode === "practice") request.count = count;
    if (mode === "explain") request.level = level;
    if (session.ask(request)) setText("");
  }, [text, mode, count, level, selected, session]);
  const onKeyDown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(); }
  };
  const toggle = (id) => setSelected((current) => (current.includes(id) ? current.filter((x) => x !== id) : [...current, id]));
  return html`
    <form class="composer" onSubmit=${submit}>
      <div class="composer-options">
        <fieldset class="modes">
          <legend class="visually-hidden">Mode</legend>
          ${MODES.map(([value, label, help]) => html`
            <label class="mode" title=${help}>
              <input type="radio" name="mode" value=${value} checked=${mode === value} onChange=${() => setMode(value)} />
              <span>${label}</span>
            </label>`)}
        </fieldset>
        ${mode === "practice" && html`
          <label class="inline-label">Questions
            <select value=${count} onChange=${(e) => setCount(Number(e.target.value))}>
              ${[3, 5, 10].map((n) => html`<option value=${n}>${n}</option>`)}
            </select>
          </label>`}
        ${mode === "explain" && html`
          <label class="inline-label">Level
            <select value=${level} onChange=${(e) => setLevel(e.target.value)}>
              <option value="beginner">Beginner</option>
              <option value="intermediate">Intermediate</option>
              <option value="advanced">Advanced</option>
            </select>
          </label>`}
        <details class="scope">
          <summary>${selected.length ? `Notes: ${selected.length} chosen` : "Notes: all ready documents"}</summary>
          <fieldset>
            <legend>Ask about</legend>
            ${documents.length === 0 && html`<p class="muted small">No ready documents yet.</p>`}
            ${documents.map((d) => html`
              <label class="choice" key=${d.id}>
                <input type="checkbox" checked=${selected.includes(d.id)} onChange=${() => toggle(d.id)} /> ${d.filename}
              </label>`)}
          </fieldset>
        </details>
      </div>
      <div class="composer-input">
        <label class="visually-hidden" for="tutor-question">Your question</label>
        <textarea id="tutor-question" name="text" rows="2" maxlength="4000" value=${text}
          placeholder=${mode === "practice" ? "A topic to practise, e.g. photosynthesis" : "Ask about your notes…"}
          onInput=${(e) => setText(e.target.value)} onKeyDown=${onKeyDown}></textarea>
        ${session.streaming
          ? html`<button key="stop" type="button" class="danger" onClick=${session.cancel}>Stop</button>`
          : html`<button key="send" type="submit"
              disabled=${!text.trim() || session.loading || session.connection !== "open"}>Send</button>`}
      </div>
    </form>`;
}
