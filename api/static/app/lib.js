// One import point for the vendored view library, so every module writes `html` the same way.
import { h, render } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);
export { render, useCallback, useEffect, useLayoutEffect, useRef, useState };

/** "3 Dec, 14:05" in the reader's locale. */
export function shortDate(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

/** "p. 3" or "pp. 3–5", or "" for sources without pages (text and Markdown files). */
export function pages(start, end) {
  if (start == null) return "";
  return end != null && end !== start ? `pp. ${start}–${end}` : `p. ${start}`;
}

/** "1.2 MB" */
export function bytes(size) {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(0)} kB`;
  if (size < 1024 * 1024 * 1024) return `${(size / 1024 / 1024).toFixed(1)} MB`;
  return `${(size / 1024 / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} GB`;
}

/** A random (v4) UUID; crypto.randomUUID exists only on https or localhost. */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A popup (a menu, a list under a header button) closes on a click outside `root` or on Escape,
// which puts focus back on root's first button. A layout effect: the listeners are in place when
// the open popup is first painted, so an Escape pressed at once is not missed.
export function useDismiss(open, setOpen, root) {
  useLayoutEffect(() => {
    if (!open) return undefined;
    // composedPath() is the path at dispatch: a button that re-rendering has removed since
    // (Preact renders in a microtask, before the click reaches document) still counts as inside.
    const onClick = (event) => { if (!event.composedPath().includes(root.current)) setOpen(false); };
    // Escape is heard on the document: focus may sit on nothing for a moment (a button the
    // re-render removed before focus moved on), and Escape must still close the popup.
    const onKeyDown = (event) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      root.current?.querySelector("button").focus();
    };
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("click", onClick);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);
}
