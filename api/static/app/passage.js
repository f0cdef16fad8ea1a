// The passage behind a citation, in a modal dialog (native <dialog>: focus and Esc for free).
import { html, pages, useEffect, useRef } from "./lib.js";

export function PassageDialog({ source, onClose }) {
  const dialog = useRef(null);
  useEffect(() => {
    const element = dialog.current;
    if (source && !element.open) element.showModal();
    if (!source && element.open) element.close();
  }, [source]);
  return html`
    <dialog ref=${dialog} class="passage" aria-labelledby="passage-title" onClose=${onClose}>
      ${source && html`
        <h2 id="passage-title">${source.filename}</h2>
        ${pages(source.page_start, source.page_end) && html`<p class="muted">${pages(source.page_start, source.page_end)}</p>`}
        ${source.class_name && html`<p class="muted">Shared by your class ${source.class_name}</p>`}
        <blockquote class="quote">${source.quote}</blockquote>
        <form method="dialog"><button type="submit" autofocus>Close</button></form>`}
    </dialog>`;
}
