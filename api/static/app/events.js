// The signed-in app's one events socket, shared by every view that listens (documents' progress,
// toasts, the notification bell, the game card): one socket per tab, as the server caps them.
// After a drop it reconnects with the id of the last event it saw, and the server replays the
// notifications sent meanwhile.
import { useEffect, useRef } from "./lib.js";
import { LiveSocket } from "./sockets.js";

// The server pings every 25 s; a socket silent for longer than this is presumed dead.
const SILENCE_MS = 60_000;

const listeners = new Set();
let socket = null;
let lastEventId = null;
let state = "connecting";

function tell(method, ...args) {
  for (const listener of [...listeners]) listener[method]?.(...args);
}

/**
 * Listen to the events socket with {onEvent, onState?, onOpen?} (as LiveSocket's handlers);
 * returns the function that stops listening. The socket opens with the first listener and
 * closes with the last, so a new sign-in starts afresh.
 */
export function listen(listener) {
  listeners.add(listener);
  listener.onState?.(state);
  socket ??= new LiveSocket("/events", {
    onState: (next) => { state = next; tell("onState", next); },
    onOpen: (reconnected) => tell("onOpen", reconnected),
    onEvent: (event) => {
      if (event.id) lastEventId = event.id;
      tell("onEvent", event);
    },
  }, {
    silenceMs: SILENCE_MS,
    query: () => (lastEventId ? { last_event_id: lastEventId } : {}),
  }).start();
  return () => {
    listeners.delete(listener);
    if (listeners.size) return;
    socket.stop();
    socket = null;
    lastEventId = null;
    state = "connecting";
  };
}

/** Call `onEvent` for each event while the component is mounted (its latest version). */
export function useEvents(onEvent) {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => listen({ onEvent: (event) => latest.current(event) }), []);
}
