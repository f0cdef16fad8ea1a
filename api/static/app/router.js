// Hash routes: #/documents, #/tutor/<conversation id>, #/practice/<set id>, #/classes/<class id>,
// ..., #/admin
import { useEffect, useState } from "./lib.js";

export const SECTIONS = [
  ["documents", "Documents"],
  ["tutor", "Tutor"],
  ["search", "Search"],
  ["practice", "Practice"],
  ["cards", "Flashcards"],
  ["tasks", "Tasks"],
  ["progress", "Progress"],
  ["achievements", "Achievements"],
  ["leaderboards", "Leaderboards"],
  ["classes", "Classes"],
];

// Shown in the navigation to admins only; the API refuses everyone else anyway.
export const ADMIN_SECTION = ["admin", "Admin"];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `#/tutor/<id>?mode=practice` → {section: "tutor", id, params: URLSearchParams}. */
export function parseRoute() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [section, id] = path.split("/");
  const known = [...SECTIONS, ADMIN_SECTION].some(([name]) => name === section);
  // Ids go into API paths: only a UUID is one.
  return {
    section: known ? section : "documents",
    id: known && UUID.test(id ?? "") ? id : null,
    params: new URLSearchParams(query),
  };
}

/** The hash for a route; `params` (an object) become its query. */
export function href(section, id = null, params = null) {
  const query = params ? `?${new URLSearchParams(params)}` : "";
  return `#/${section}${id ? `/${id}` : ""}${query}`;
}

export function navigate(section, id = null, { replace = false, params = null } = {}) {
  const hash = href(section, id, params);
  if (location.hash === hash) return;
  if (!replace) {
    location.hash = hash;
    return;
  }
  history.replaceState(null, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute() {
  const [route, setRoute] = useState(parseRoute);
  useEffect(() => {
    const onChange = () => setRoute(parseRoute());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
