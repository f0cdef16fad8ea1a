// The signed-in user's documents: one listing (with its status filter), uploads in flight, and
// live progress from the events socket, shared by every view that shows documents.
import { bytes, useCallback, useEffect, useRef, useState } from "./lib.js";
import { api, uploadFile } from "./api.js";
import { listen } from "./events.js";

const PAGE = 25;
const LIVE_FIELDS = ["status", "progress", "pages_done", "pages_total", "chunks_done", "chunks_total", "needs_ocr", "error"];
let uploadCounter = 0;

/** When this copy of a document was true: its last live event, else its last update. */
const asOf = (document) => Date.parse(document.liveAt ?? document.updated_at ?? "") || 0;

/** `incoming` merged over `current`, unless `current` knows something more recent. */
function merge(current, incoming) {
  if (!current) return incoming;
  if (asOf(current) > asOf(incoming)) return { ...incoming, ...pickLive(current), liveAt: current.liveAt };
  return { ...current, ...incoming };
}

function pickLive(document) {
  return Object.fromEntries(LIVE_FIELDS.filter((f) => f in document).map((f) => [f, document[f]]));
}

export function useDocuments() {
  const [items, setItems] = useState([]);
  const [filter, setFilterState] = useState("");
  const [nextCursor, setNextCursor] = useState(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState(null);
  const [uploads, setUploads] = useState([]);
  const [connection, setConnection] = useState("connecting");
  const filterRef = useRef("");
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const listRequest = useRef(0);  // only the newest listing request may replace the list
  const fetching = useRef(new Set());  // documents being fetched because an event named them
  // The File objects of this session's uploads, so an encrypted PDF can be sent again with its
  // password without choosing it again.
  const files = useRef(new Map());
  // What the server accepts (GET /limits): a file over the size limit is refused here, at
  // once, instead of after sending megabytes the server would stop reading.
  const [limits, setLimits] = useState(null);
  // Read again after each upload and delete: the quota's use changes with them.
  const loadLimits = useCallback(() => { api("/limits").then(setLimits).catch(() => {}); }, []);
  useEffect(loadLimits, [loadLimits]);
  const limitsRef = useRef(null);
  limitsRef.current = limits;

  const refresh = useCallback(async () => {
    const request = ++listRequest.current;
    const status = filterRef.current;
    try {
      const query = new URLSearchParams({ limit: PAGE });
      if (status) query.set("status", status);
      const page = await api(`/documents?${query}`);
      if (request !== listRequest.current) return;  // a newer listing (or filter) won
      setItems((current) => page.items.map((d) => merge(current.find((c) => c.id === d.id), d)));
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      if (request === listRequest.current) setError(failure.message);
    } finally {
      if (request === listRequest.current) setLoaded(true);
    }
  }, []);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    const request = listRequest.current;
    const query = new URLSearchParams({ limit: PAGE, cursor: nextCursor });
    if (filterRef.current) query.set("status", filterRef.current);
    try {
      const page = await api(`/documents?${query}`);
      if (request !== listRequest.current) return;  // the list was reloaded meanwhile
      setItems((current) => [...current, ...page.items.filter((d) => !current.some((c) => c.id === d.id))]);
      setNextCursor(page.next_cursor);
    } catch (failure) {
      setError(failure.message);
    }
  }, [nextCursor]);

  const setFilter = useCallback((status) => {
    filterRef.current = status;
    setFilterState(status);
    refresh();
  }, [refresh]);

  const upsert = useCallback((document) => {
    setItems((current) => {
      const at = current.findIndex((d) => d.id === document.id);
      if (at === -1) return [document, ...current];
      const next = [...current];
      next[at] = merge(next[at], document);
      return next;
    });
  }, []);

  /** A document an event named but the list lacks: fetch it, and list it if the filter fits. */
  const fetchOne = useCallback(async (id) => {
    if (fetching.current.has(id)) return;
    fetching.current.add(id);
    try {
      const document = await api(`/documents/${id}`);
      if (!filterRef.current || document.status === filterRef.current) upsert(document);
    } catch { /* deleted meanwhile */ } finally {
      fetching.current.delete(id);
    }
  }, [upsert]);

  useEffect(() => {
    refresh();
    return listen({
      onState: setConnection,
      onEvent: ({ type, at, data }) => {
        // Read the list again once each socket (the first one too) is subscribed: a document
        // that changed between the last listing and the subscription sent its events to nobody,
        // and a small file can finish in that gap, leaving its row "queued" for good.
        if (type === "subscribed") return refresh();
        if (!type.startsWith("document.")) return;
        if (!itemsRef.current.some((d) => d.id === data.document_id)) {
          fetchOne(data.document_id);
          return;
        }
        setItems((current) => current.map((d) => (d.id === data.document_id
          ? { ...d, ...pickLive(data), liveAt: at }
          : d)));
      },
    });
  }, [refresh, fetchOne]);

  const patchUpload = (key, patch) =>
    setUploads((current) => current.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  /** Upload files in parallel, each with its own progress; failures stay listed with the reason. */
  const upload = useCallback((fileList, { password } = {}) => {
    for (const file of fileList) {
      const key = `upload-${uploadCounter++}`;
      setUploads((current) => [...current, { key, name: file.name, size: file.size, progress: 0, error: null }]);
      const max = limitsRef.current?.max_upload_bytes;
      if (max && file.size > max) {
        patchUpload(key, { error: `${file.name} is too large (${bytes(file.size)}); the limit is ${bytes(max)}.` });
        continue;
      }
      uploadFile(file, { password, onProgress: (progress) => patchUpload(key, { progress }) })
        .then((document) => {
          files.current.set(document.id, file);
          upsert(document);
          loadLimits();
          if (document.duplicate) patchUpload(key, { notice: `${file.name} is already in your documents.` });
          else setUploads((current) => current.filter((u) => u.key !== key));
        })
        .catch((failure) => patchUpload(key, { error: uploadError(failure, file) }));
    }
  }, [upsert, loadLimits]);

  /** Send an encrypted PDF again with its password (the same document is queued again). */
  const retryWithPassword = useCallback(async (document, password, chosenFile) => {
    const file = chosenFile ?? files.current.get(document.id);
    if (!file) throw new Error("Choose the file again to send it with its password.");
    const updated = await uploadFile(file, { password });
    files.current.set(updated.id, file);
    upsert({ ...updated, liveAt: undefined });
  }, [upsert]);

  /** Queue a failed document again (fresh attempts); its progress then arrives live. */
  const retry = useCallback(async (document) => {
    const updated = await api(`/documents/${document.id}/retry`, { method: "POST" });
    upsert({ ...updated, liveAt: undefined });
  }, [upsert]);

  const remove = useCallback(async (document) => {
    await api(`/documents/${document.id}`, { method: "DELETE" });
    files.current.delete(document.id);
    setItems((current) => current.filter((d) => d.id !== document.id));
    loadLimits();
  }, [loadLimits]);

  const dismissUpload = useCallback((key) => setUploads((current) => current.filter((u) => u.key !== key)), []);

  return {
    items, filter, setFilter, nextCursor, loadMore, loaded, error, uploads, upload, dismissUpload,
    retryWithPassword, retry, remove, refresh, connection, limits, hasFile: (id) => files.current.has(id),
  };
}

/** An upload refused at once, in words a student can act on. */
function uploadError(failure, file) {
  switch (failure.code) {
    case "too_large":
      return `${file.name} is too large (${bytes(file.size)}).`;
    case "unsupported_type":
      return `${file.name} is not a PDF, DOCX, Markdown or text file.`;
    case "empty_file":
      return `${file.name} is empty.`;
    case "corrupt":
      return `${file.name} looks damaged or is not what its name says. ${failure.message}`;
    default:
      return failure.message;
  }
}
