// Scaffold: a deck's tools (cards from the notes, import and export, the optimizer), shown on the
// deck page. Filled in by the card-suggestions work.
import { html } from "./lib.js";

export function DeckTools({ deck, onChanged }) {
  return null;
}
