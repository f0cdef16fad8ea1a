// Hash routes: #/documents, #/tutor/<conversation id>, #/practice/<set id>, ...
import { useEffect, useState } from "./lib.js";

export const SECTIONS = [
  ["documents", "Documents"],
  ["tutor", "Tutor"],
  ["search", "Search"],
  ["practice", "Practice"],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute() {
  const [section, id] = location.hash.replace(/^#\/?/, "").split("/");
  const known = SECTIONS.some(([name]) => name === section);
  // Ids go into API paths: only a UUID is one.
  return { section: known ? section : "documents", id: known && UUID.test(id ?? "") ? id : null };
}

export function navigate(section, id = null, { replace = false } = {}) {
  const hash = `#/${section}${id ? `/${id}` : ""}`;
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
