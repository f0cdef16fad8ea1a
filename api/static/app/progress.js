// Scaffold: filled in by the study core work.
import { html } from "./lib.js";

export function ProgressView({ id, params }) {
  return html`<div class="page"><h1>Progress</h1></div>`;
}
