// Toasts for live game events, on every page: XP gained small and brief, a level-up or a badge
// prominent and longer. They come from the shared events socket; each (but XP) is also kept in
// the notification list, so a toast missed is not lost.
import { html, useState } from "./lib.js";
import { useEvents } from "./events.js";
import { describe } from "./game_events.js";

const SHOWN_MS = { small: 4000, prominent: 10000 };
const MAX_SHOWN = 4;
let counter = 0;

export function Toasts() {
  const [toasts, setToasts] = useState([]);
  const dismiss = (key) => setToasts((current) => current.filter((toast) => toast.key !== key));
  useEvents((event) => {
    const described = describe(event);
    if (!described) return;
    const key = ++counter;
    setToasts((current) => [...current.slice(1 - MAX_SHOWN), { ...described, key, type: event.type }]);
    setTimeout(() => dismiss(key), described.prominent ? SHOWN_MS.prominent : SHOWN_MS.small);
  });
  // The live region is always there, so that screen readers announce what is added to it.
  return html`
    <div class="toasts" role="status" aria-live="polite">
      ${toasts.map((toast) => html`
        <div key=${toast.key} class=${`toast ${toast.prominent ? "prominent" : "small"} ${toast.type.replace(".", "-")}`}>
          <span class="toast-icon" aria-hidden="true">${toast.icon}</span>
          <div class="toast-body">
            <p class="toast-title">${toast.title}</p>
            ${toast.prominent && html`<p class="toast-text">${toast.text}</p>`}
          </div>
          ${toast.prominent && html`
            <button type="button" class="toast-dismiss" aria-label=${`Dismiss: ${toast.title}`}
              onClick=${() => dismiss(toast.key)}>×</button>`}
        </div>`)}
    </div>`;
}
