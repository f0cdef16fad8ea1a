// A button that asks before it acts: the question replaces it in place, with focus on "Keep"
// (the safe choice) and back on the button when kept.
import { html, useEffect, useRef, useState } from "./lib.js";

export function ConfirmButton({ label, name = label, question, confirmLabel = label, onConfirm, small = false }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const keepButton = useRef(null);
  const askButton = useRef(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirming) keepButton.current?.focus();
    else if (wasConfirming.current) askButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);
  const confirm = async () => {
    setBusy(true);
    try { await onConfirm(); } finally { setBusy(false); setConfirming(false); }
  };
  if (!confirming) {
    return html`
      <button type="button" class=${`danger${small ? " small" : ""}`} ref=${askButton}
        aria-label=${name} onClick=${() => setConfirming(true)}>${label}</button>`;
  }
  return html`
    <div class="confirm" role="group" aria-label=${`Confirm: ${name}`}>
      <span>${question}</span>
      <button type="button" class="danger" disabled=${busy} onClick=${confirm}>${confirmLabel}</button>
      <button type="button" class="quiet" ref=${keepButton} onClick=${() => setConfirming(false)}>Keep</button>
    </div>`;
}
