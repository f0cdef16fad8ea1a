// A cursor-paged list from the API: the first page on load (and whenever `path` changes), more
// pages on demand, and a reload after a change.
import { useEffect, useState } from "./lib.js";
import { api } from "./api.js";

/** {items (null while loading), next, error, reload, more} for `path` (without limit/cursor). */
export function usePagedList(path, limit = 20) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor = null) => {
    const joiner = path.includes("?") ? "&" : "?";
    try {
      const page = await api(`${path}${joiner}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      setItems((before) => (cursor ? [...(before ?? []), ...page.items] : page.items));
      setNext(page.next_cursor);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => { setItems(null); load(); }, [path]);
  return { items, next, error, setError, reload: () => load(), more: () => load(next) };
}
