// The HTTP API: bearer auth from the stored session, errors as ApiError with the server's words.

export const TOKEN_KEY = "spark.token";

export class ApiError extends Error {
  constructor(status, code, message, details, problems) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? [];
    this.problems = problems ?? [];  // what the checks found in a refused practice question
  }
}

/** The signed-in session; the token lives in localStorage so a reload stays signed in. */
export const session = {
  token: localStorage.getItem(TOKEN_KEY),
  listeners: new Set(),
  signIn(token) {
    this.token = token;
    localStorage.setItem(TOKEN_KEY, token);
    this.listeners.forEach((listener) => listener(null));
  },
  signOut(reason = null) {
    this.token = null;
    localStorage.removeItem(TOKEN_KEY);
    this.listeners.forEach((listener) => listener(reason));
  },
};

const NETWORK_ERROR = "The server cannot be reached. Check the connection and try again.";

function errorOf(status, data) {
  const error = data?.error ?? {};
  const details = error.details ?? [];
  const first = details[0];
  const message = first ? `${first.field ? `${first.field}: ` : ""}${first.message}` : null;
  return new ApiError(status, error.code ?? "http_error", message ?? error.message
    ?? `The request failed (HTTP ${status}).`, details, error.problems);
}

/**
 * A 401 ends the session, but only when the refused token is still the current one: a request
 * sent before a password change (which hands this tab a fresh token) must not sign it out.
 */
function endSessionIfRefused(status, sentWith) {
  if (status === 401 && session.token && session.token === sentWith) {
    session.signOut("Your session ended; sign in again.");
  }
}

function authHeaders() {
  return session.token ? { Authorization: `Bearer ${session.token}` } : {};
}

/** JSON in, JSON out. `body` is sent as JSON; 204 answers null. */
export async function api(path, { method = "GET", body, signal, headers: extra = {} } = {}) {
  const sentWith = session.token;
  const headers = { ...authHeaders(), ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", NETWORK_ERROR);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    endSessionIfRefused(response.status, sentWith);
    throw errorOf(response.status, data);
  }
  return data;
}

/**
 * Upload one file with progress (fetch cannot report upload progress, XMLHttpRequest can).
 * Resolves with the document and whether it was already there (HTTP 200 instead of 202).
 */
export function uploadFile(file, { password, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    if (password) form.append("password", password);
    const request = new XMLHttpRequest();
    const sentWith = session.token;
    request.open("POST", "/api/v1/documents");
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    };
    request.onerror = () => reject(new ApiError(0, "network", NETWORK_ERROR));
    request.onload = () => {
      let data = null;
      try { data = JSON.parse(request.responseText); } catch { /* not JSON: an HTML error page */ }
      if (request.status >= 200 && request.status < 300) resolve(data);
      else {
        endSessionIfRefused(request.status, sentWith);
        reject(errorOf(request.status, data));
      }
    };
    request.send(form);
  });
}

/** GET a file with the session's token and hand it to the browser as a download. */
export async function download(path, fallbackName) {
  const response = await fetch(`/api/v1${path}`, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, "http_error", `The export failed (HTTP ${response.status}).`);
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? fallbackName;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
