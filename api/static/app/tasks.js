// Scaffold: filled in by the study core work.
import { html } from "./lib.js";

export function TasksView({ id, params }) {
  return html`<div class="page"><h1>Tasks</h1></div>`;
}
