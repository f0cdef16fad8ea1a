// Scaffold: filled in by the study core work.
import { html } from "./lib.js";

export function CardsView({ id, params }) {
  return html`<div class="page"><h1>Flashcards</h1></div>`;
}
