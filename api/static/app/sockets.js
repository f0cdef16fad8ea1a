// A websocket that stays connected: it authenticates with a single-use ticket (tokens never go
// in URLs, where server logs would keep them) and reconnects with back-off when dropped.
import { api } from "./api.js";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const UNAUTHORIZED = 4401;
const TOO_MANY_SOCKETS = 4429;  // this user's other tabs hold every socket the server allows
// The server accepts a socket before it checks the ticket, so "open" alone proves little: the
// back-off is reset only once a socket has stayed up this long (or sent something).
const STABLE_MS = 3000;

export class LiveSocket {
  /**
   * @param {string} path  e.g. "/tutor"
   * @param {object} handlers  onEvent(event); onState?(state) with "connecting" | "open" |
   *   "reconnecting"; onOpen?(reconnected) once each socket opens
   * @param {{silenceMs?: number, query?: () => object}} options  silenceMs: reconnect when
   *   nothing arrives for this long (for sockets whose server sends keep-alives), so a half-open
   *   connection is noticed; query: more URL parameters, read anew for each connection
   */
  constructor(path, handlers, { silenceMs = 0, query = null } = {}) {
    this.path = path;
    this.handlers = handlers;
    this.silenceMs = silenceMs;
    this.query = query;
    this.socket = null;
    this.attempt = 0;
    this.opened = false;
    this.stopped = false;
    this.timer = null;
    this.stableTimer = null;
    this.watchdog = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    this.drop();
  }

  /** Leave the current socket (the server keeps generating and saving) and open a fresh one. */
  restart() {
    this.drop();
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  drop() {
    clearTimeout(this.timer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.socket = null;  // its onclose is then ignored
    socket?.close(1000, "leaving");
  }

  get isOpen() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  async connect() {
    this.setState(this.opened ? "reconnecting" : "connecting");
    let ticket;
    try {
      ({ ticket } = await api("/ws-ticket", { method: "POST" }));
    } catch (error) {
      if (error.status === 401) return this.stop();  // signed out: the app shows sign-in
      return this.retry();
    }
    if (this.stopped || this.socket) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const params = new URLSearchParams({ ticket, ...this.query?.() });
    const url = `${scheme}://${location.host}/api/v1${this.path}?${params}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnected = this.opened;
      this.opened = true;
      this.stableTimer = setTimeout(() => { this.attempt = 0; }, STABLE_MS);
      this.feedWatchdog();
      this.setState("open");
      this.handlers.onOpen?.(reconnected);
    };
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.feedWatchdog();
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      this.handlers.onEvent(event);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      clearTimeout(this.stableTimer);
      clearTimeout(this.watchdog);
      // A new ticket, or a free socket: neither comes sooner for asking often.
      if (close.code === UNAUTHORIZED || close.code === TOO_MANY_SOCKETS) {
        this.attempt = BACKOFF_MS.length - 1;
      }
      this.retry();
    };
  }

  feedWatchdog() {
    if (!this.silenceMs) return;
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.watchdog = setTimeout(() => {
      if (this.socket !== socket) return;
      this.socket = null;
      socket.close(4000, "no keep-alive");
      this.retry();
    }, this.silenceMs);
  }

  retry() {
    if (this.stopped) return;
    this.setState("reconnecting");
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    // Jitter, so a restarted server is not hit by every page at the same instant.
    this.timer = setTimeout(() => this.connect(), base * (0.75 + Math.random() * 0.5));
  }

  setState(state) {
    this.handlers.onState?.(state);
  }
}
