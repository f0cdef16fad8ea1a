// A class's teachers generate a practice set from its materials: choose the documents, a topic
// (or none: questions spread over them) and how many questions. The worker writes them in the
// background; the set editor opens at once and shows each question as it passes the checks.
import { html, newId, useRef, useState } from "./lib.js";
import { api } from "./api.js";
import { usePagedList } from "./paged.js";
import { navigate } from "./router.js";

export function ClassGeneration({ found }) {
  const { items: materials, error: listError } = usePagedList(`/classes/${found.id}/materials`, 50);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newId());  // one generation per press, however often the request is retried
  const ready = (materials ?? []).filter((m) => m.status === "ready");
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      document_ids: form.getAll("document"),
      count: Number(form.get("count")),
      topic: form.get("topic").trim() || null,
      title: form.get("title").trim() || null,
    };
    if (!body.document_ids.length) {
      setError("Choose at least one document.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const started = await api(`/classes/${found.id}/practice-generations`, {
        method: "POST", body, headers: { "Idempotency-Key": key.current },
      });
      key.current = newId();
      navigate("practice", started.set_id, { params: { edit: 1 } });
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="card class-generation" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate a practice set</h2>
      ${listError && html`<p class="error" role="alert">${listError}</p>`}
      ${materials && ready.length === 0
        ? html`<p class="muted small">Share a document with the class first: questions are written from its materials.</p>`
        : html`
          <form class="stack" onSubmit=${submit} aria-labelledby="generate-title">
            <fieldset>
              <legend>From these materials</legend>
              ${ready.map((m) => html`
                <label key=${m.document_id} class="check"><input type="checkbox" name="document" value=${m.document_id} defaultChecked=${ready.length === 1} /> ${m.filename}</label>`)}
            </fieldset>
            <label>Topic (optional) <input name="topic" maxlength="500" placeholder="Leave empty to cover the whole of them" /></label>
            <div class="row">
              <label>Questions <input name="count" type="number" min="1" max="30" defaultValue="10" required /></label>
              <label>Name <input name="title" maxlength="200" placeholder="The topic, or the files" /></label>
            </div>
            <button type="submit" disabled=${busy}>Generate</button>
            <p class="muted small">Each question is checked against the sentence it comes from; those that fail are dropped and others written in their place. You can edit every question before publishing.</p>
          </form>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>`;
}
