// One tutor conversation over the tutor websocket: ask, stream, cancel, and resume after a drop.
//
// The server streams `start`, `delta`s, `citations`, `practice.item`s, `practice` and `done` for
// each answer. If the connection drops mid-answer the generation goes on server-side; on
// reconnecting we send `resume` and the server sends the whole message again from its `start`
// (live, or from the database once finished), so the text is rebuilt in full rather than patched.
import { useCallback, useEffect, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { LiveSocket } from "./sockets.js";

let keyCounter = 0;
const nextKey = () => `m${keyCounter++}`;

/** Why an answer failed, in words (the codes are the server's `error.code`s). */
const FAILURES = {
  model_unavailable: "The tutor's model is not available right now. Try again in a minute.",
  interrupted: "The answer was interrupted before it finished. Ask again.",
  practice_invalid: "The tutor could not write valid practice questions this time. Try again or name a narrower topic.",
};
const answerFailure = (code, message) => FAILURES[code] ?? message ?? "The answer failed.";

/** A saved message (GET /conversations/{id}) in the shape the chat view renders. */
async function fromSaved(message, question) {
  const shown = {
    key: message.id, role: message.role, mode: message.mode, text: message.content,
    citations: message.citations ?? [], practice: null,
    status: message.status === "generating" ? "streaming" : message.status,
    error: message.error_code ? answerFailure(message.error_code) : null, hint: null,
    messageId: message.id, grounded: message.grounded, question,
  };
  if (message.practice_set_id) {
    try {
      const set = await api(`/practice-sets/${message.practice_set_id}`);
      shown.practice = { set_id: set.id, questions: set.questions };
    } catch { /* the set was deleted; the text still shows */ }
  }
  return shown;
}

export function useTutorSession(conversationId, { onConversation, onFinished }) {
  const [messages, setMessages] = useState([]);
  const [connection, setConnection] = useState("connecting");
  const [problem, setProblem] = useState(null);
  const [loading, setLoading] = useState(false);
  const [streaming, setStreaming] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const conversation = useRef(conversationId);
  const current = useRef(null);  // the answer now streaming: {key, messageId, resuming}
  const socket = useRef(null);
  const callbacks = useRef({ onConversation, onFinished });
  callbacks.current = { onConversation, onFinished };

  const patch = useCallback((key, change) => {
    setMessages((all) => all.map((m) => (m.key === key ? { ...m, ...(typeof change === "function" ? change(m) : change) } : m)));
  }, []);

  const finish = useCallback((words) => {
    current.current = null;
    setStreaming(false);
    setAnnouncement(words);
    callbacks.current.onFinished?.();
  }, []);

  const resume = useCallback((pending) => {
    pending.resuming = true;
    patch(pending.key, { resuming: true });
    socket.current?.send({ type: "resume", message_id: pending.messageId });  // else on open
  }, [patch]);

  // Load a conversation from history unless it is the one this page is writing.
  useEffect(() => {
    if (conversationId === conversation.current && (messages.length || !conversationId)) return;
    if (current.current) {
      // The answer being written belongs to the conversation left behind: stop listening (a
      // fresh socket; the server finishes and saves it) rather than mix it into this one.
      current.current = null;
      setStreaming(false);
      socket.current?.restart();
      callbacks.current.onFinished?.();
    }
    conversation.current = conversationId;
    setProblem(null);
    setMessages([]);
    if (!conversationId) { setLoading(false); return undefined; }
    let cancelled = false;
    setLoading(true);
    api(`/conversations/${conversationId}`).then(async (detail) => {
      const shown = [];
      let question = null;
      for (const message of detail.messages) {
        if (message.role === "user") question = message.content;
        shown.push(await fromSaved(message, question));
      }
      if (cancelled) return;
      setMessages(shown);
      const last = shown.at(-1);
      if (last?.role === "assistant" && last.status === "streaming") {
        // Still being written (a reload mid-answer, another tab): follow it live.
        current.current = { key: last.key, messageId: last.messageId, resuming: false };
        setStreaming(true);
        resume(current.current);
      }
    }).catch((failure) => {
      if (!cancelled) setProblem(failure.status === 404 ? "This conversation does not exist (or is not yours)." : failure.message);
    }).finally(() => { if (!cancelled) setLoading(false); });
    return () => { cancelled = true; };
  }, [conversationId]);

  const onEvent = useCallback(({ type, data }) => {
    const live = current.current;
    if (!live) return;
    switch (type) {
      case "start":
        live.messageId = data.message_id;
        live.resuming = false;
        // A resumed message comes again from its start: rebuild it rather than append.
        patch(live.key, { messageId: data.message_id, text: "", citations: [], practice: null, best: null, resuming: false });
        if (data.conversation_id !== conversation.current) {
          conversation.current = data.conversation_id;
          callbacks.current.onConversation?.(data.conversation_id);
        }
        break;
      case "sources":  // before the model's first word: the notes' own best passage
        patch(live.key, { best: data.best });
        break;
      case "delta":
        patch(live.key, (m) => ({ text: m.text + data.text }));
        break;
      case "citations":
        patch(live.key, { citations: data.items });
        break;
      case "practice.item":  // one question as soon as it passed its checks
        patch(live.key, (m) => ({
          practice: {
            set_id: null, requested: data.requested,
            questions: [...(m.practice?.questions ?? []), data.question],
          },
        }));
        break;
      case "practice":  // the whole saved set: the same questions, now with the set's id
        patch(live.key, { practice: data });
        break;
      case "error":
        patch(live.key, { error: answerFailure(data.code, data.message), resuming: false });
        // Refused before it started, or a resume that failed: no `done` follows either way.
        if (!live.messageId || live.resuming) {
          patch(live.key, { status: "failed" });
          finish("The answer failed.");
        }
        break;
      case "done":
        patch(live.key, {
          status: data.status, grounded: data.grounded, general: Boolean(data.general_answer),
          hint: data.hint ?? null, timings: data.timings, replayed: Boolean(data.replayed),
        });
        finish(data.status === "complete" ? "The answer is ready." : `The answer ${data.status === "cancelled" ? "was stopped" : "failed"}.`);
        break;
      default:
        break;
    }
  }, [patch, finish]);

  useEffect(() => {
    const live = new LiveSocket("/tutor", {
      onState: setConnection,
      onEvent,
      onOpen: () => {
        const pending = current.current;
        if (!pending) return;
        if (pending.messageId) {
          resume(pending);
        } else {
          patch(pending.key, { status: "failed", error: "The connection dropped before the answer started. Ask again." });
          finish("The answer failed.");
        }
      },
    }).start();
    socket.current = live;
    return () => live.stop();
  }, [onEvent, patch, finish, resume]);

  /** Ask the tutor; `request` holds the ask's fields (mode, text, hint_level, ...). */
  const ask = useCallback((request) => {
    if (current.current) return false;
    const key = nextKey();
    const payload = { type: "ask", ...request };
    if (conversation.current) payload.conversation_id = conversation.current;
    if (!socket.current?.send(payload)) {
      setProblem("Not connected to the tutor right now; reconnecting. Try again in a moment.");
      return false;
    }
    setProblem(null);
    setAnnouncement("");
    current.current = { key, messageId: null, resuming: false };
    setStreaming(true);
    setMessages((all) => [
      ...all,
      { key: nextKey(), role: "user", mode: request.mode, text: request.text, hintLevel: request.hint_level },
      {
        key, role: "assistant", mode: request.mode, text: "", citations: [], practice: null,
        status: "streaming", error: null, hint: null, messageId: null, question: request.text,
        request,
      },
    ]);
    return true;
  }, []);

  const cancel = useCallback(() => {
    const live = current.current;
    if (live) socket.current?.send({ type: "cancel", ...(live.messageId ? { message_id: live.messageId } : {}) });
  }, []);

  return { messages, connection, problem, loading, streaming, announcement, ask, cancel };
}
