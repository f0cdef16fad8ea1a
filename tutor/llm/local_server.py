"""The embedded chat model: llama.cpp's server (xllamacpp) speaking the OpenAI API locally.

One server per data dir, as for Redis: the process that starts it (`tutor up`, or a lone
`tutor api`) records pid, port and model in `<data_dir>/llm/server.json`, and any other
process of that data dir attaches instead of loading a second copy. The server runs as
`tutor model serve`, a child that gets SIGTERM when its parent dies, so nothing is orphaned.
When it cannot run (model packages missing, checksum wrong, start-up failed) the reason is
recorded in the same file for `unavailable_reason`, and the service runs without chat.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from tutor.errors import ModelUnavailable
from tutor.llm.catalogue import ModelSpec, get_spec, prepare_model
from tutor.runtime.supervisor import spawn
from tutor.settings import Settings

log = logging.getLogger(__name__)

# Two conversations decode together (continuous batching); each gets the full context.
PARALLEL_SLOTS = 2
STOP_GRACE_S = 10.0
# A restart loads a model already assembled: seconds, not the first start's minutes.
RESTART_TIMEOUT_S = 120.0
MAX_BACKOFF_S = 60.0


def _backoff_s(failures: int) -> float:
    """Wait before the next restart after `failures` failed ones: 2, 4, 8... up to a minute."""
    return float(min(MAX_BACKOFF_S, 2**failures))


@dataclass(frozen=True)
class ServerState:
    """A running server, as recorded in the state file."""

    pid: int
    host: str
    port: int
    model: str

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in /v1)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}/v1"


def state_file(data_dir: Path) -> Path:
    """Where the running server (or the reason there is none) is recorded."""
    return data_dir / "llm" / "server.json"


def read_state(data_dir: Path) -> dict[str, Any]:
    """The state file's contents; empty when there is none or it is unreadable."""
    try:
        state = json.loads(state_file(data_dir).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def running_server(data_dir: Path) -> ServerState | None:
    """The recorded server, if its process is alive and it answers as that model."""
    record = read_state(data_dir)
    try:
        state = ServerState(
            int(record["pid"]), str(record["host"]), int(record["port"]), str(record["model"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    return state if is_alive(state) else None


def is_alive(state: ServerState) -> bool:
    """True when the process exists and `/v1/models` lists the recorded model."""
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, but another user's
    try:
        with urllib.request.urlopen(f"{state.base_url}/models", timeout=2) as response:
            models = json.load(response)
    except (OSError, ValueError):
        return False
    return any(entry.get("id") == state.model for entry in models.get("data", []))


def unavailable_reason(settings: Settings) -> str | None:
    """Why there is no chat model for these (live) settings; None when there is one."""
    if settings.chat_base_url:
        return None
    error = read_state(settings.data_path).get("error")
    return str(error) if error else "No chat model is configured or running."


def _write_state(data_dir: Path, record: dict[str, Any]) -> None:
    path = state_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(record))
    partial.replace(path)


def _forget(data_dir: Path, pid: int) -> None:
    """Remove the state file if it still names `pid`."""
    if read_state(data_dir).get("pid") == pid:
        state_file(data_dir).unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Serialises start-ups: a second process waits, then attaches to the first one's server.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def thread_count(settings: Settings) -> int:
    """Threads for generation: the setting, or one less than the cores we may run on.

    llama.cpp's threads spin at a barrier after every layer, so one descheduled thread
    stalls them all: on a busy 2-core machine two threads decoded 4-6x slower than one.
    Leaving a core to the API, worker and PostgreSQL avoids that collapse.
    """
    return settings.local_chat_threads or max(1, len(os.sched_getaffinity(0)) - 1)


def batch_thread_count(settings: Settings) -> int:
    """Threads for reading the prompt: the setting, or every core we may run on.

    Prompt evaluation is most of the wait before the first token (a few hundred tokens at
    20-36 a second on 2 cores) and it is one burst per ask, not a long decode, so it takes all
    the cores; measured in benchmarks/tutor_latency.py.
    """
    return settings.local_chat_batch_threads or len(os.sched_getaffinity(0))


class LocalChatServer:
    """The embedded server for a data dir; `start()` attaches instead if one already runs.

    Call `start()` from a long-lived thread (the main one): the child's parent-death signal
    fires when the thread that forked it exits.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_path
        self.log_path = self.data_dir / "llm" / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.state: ServerState | None = None
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL, once started."""
        assert self.state is not None, "start() first"
        return self.state.base_url

    @property
    def model(self) -> str:
        """The model id to send in requests, once started."""
        assert self.state is not None, "start() first"
        return self.state.model

    def start(self, timeout_s: float = 300.0) -> str:
        """Start (or attach to) the server; returns the base URL or raises ModelUnavailable."""
        self._stopping.clear()
        with _locked(self.data_dir / "llm" / "server.lock"):
            try:
                self.state = self._attach() or self._spawn(timeout_s)
            except ModelUnavailable as exc:
                record = {"error": exc.message, "model": self.settings.local_chat_model}
                _write_state(self.data_dir, record)
                raise
        return self.state.base_url

    def _attach(self) -> ServerState | None:
        state = running_server(self.data_dir)
        if state is None:
            return None
        if state.model != self.settings.local_chat_model:
            log.warning(
                "using the running local chat model %s, not %s (set in this process)",
                state.model,
                self.settings.local_chat_model,
            )
        log.info("attached to the local chat model %s at %s", state.model, state.base_url)
        return state

    def _spawn(self, timeout_s: float) -> ServerState:
        self._prepare()
        state_file(self.data_dir).unlink(missing_ok=True)
        self.process = self._launch(0)
        return self._wait_ready(self.process, timeout_s)

    def _prepare(self) -> None:
        """The model file, assembled and verified in this process: errors surface here."""
        if importlib.util.find_spec("xllamacpp") is None:
            raise ModelUnavailable("The local chat server needs xllamacpp: pip install xllamacpp")
        prepare_model(get_spec(self.settings.local_chat_model), self.data_dir / "models")

    def _launch(self, port: int) -> subprocess.Popen[bytes]:
        """`tutor model serve` on `port` (0: any free one) as our child."""
        env = {
            "TUTOR_DATA_DIR": str(self.data_dir),
            "TUTOR_LOCAL_CHAT_MODEL": self.settings.local_chat_model,
            "TUTOR_LOCAL_CHAT_CONTEXT_TOKENS": str(self.settings.local_chat_context_tokens),
            "TUTOR_LOCAL_CHAT_THREADS": str(thread_count(self.settings)),
            "TUTOR_LOCAL_CHAT_BATCH_THREADS": str(batch_thread_count(self.settings)),
        }
        with self.log_path.open("ab") as log_file:
            return spawn(["model", "serve", "--port", str(port)], env, log_file)

    def keep_alive(self, check_s: float = 1.0) -> None:
        """Restart the server whenever it dies, on the same port, until `stop()`.

        Every process was handed the server's URL once, at start; a restart on the same port
        keeps that URL good, so the next ask works without restarting anything else. Only the
        process that started the server watches it (an attached one has no child to watch).
        The watchdog thread lives as long as the server: the child is tied to the thread that
        forked it (it is signalled when that thread exits).
        """
        if self.process is None or self._watchdog is not None:
            return
        self._watchdog = threading.Thread(
            target=self._watch, args=(check_s,), name="local-llm-watchdog", daemon=True
        )
        self._watchdog.start()

    def _watch(self, check_s: float) -> None:
        failures = 0
        while not self._stopping.wait(check_s if failures == 0 else _backoff_s(failures)):
            process = self.process
            if process is None or process.poll() is None:
                continue
            log.warning("the local chat server exited (code %s); restarting it", process.returncode)
            try:
                self._restart(process)
                failures = 0
            except ModelUnavailable as exc:
                failures += 1
                log.error("restarting the local chat server failed: %s", exc.message)

    def _restart(self, dead: subprocess.Popen[bytes]) -> None:
        assert self.state is not None
        _forget(self.data_dir, dead.pid)
        with _locked(self.data_dir / "llm" / "server.lock"):
            if self._stopping.is_set():
                return
            self.process = self._launch(self.state.port)
            self.state = self._wait_ready(self.process, RESTART_TIMEOUT_S)

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout_s: float) -> ServerState:
        deadline = time.monotonic() + timeout_s
        while True:
            state = running_server(self.data_dir)
            if state is not None and state.pid == process.pid:
                log.info("local chat model %s ready at %s", state.model, state.base_url)
                return state
            if process.poll() is not None:
                raise ModelUnavailable(
                    f"The local chat server exited during start-up (code {process.returncode});"
                    f" see {self.log_path}"
                )
            if self._stopping.is_set():
                self._end(process)
                raise ModelUnavailable("The local chat server was stopped while starting.")
            if time.monotonic() > deadline:
                self._end(process)
                raise ModelUnavailable(
                    f"The local chat server did not start in {timeout_s:.0f} s; see {self.log_path}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server if this object started it (and stop watching it)."""
        self._stopping.set()
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(STOP_GRACE_S)
        self._watchdog = None
        process, self.process = self.process, None
        if process is not None:
            self._end(process)

    def _end(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _forget(self.data_dir, process.pid)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 0) -> int:
    """Run the server in this process until SIGTERM/SIGINT (`tutor model serve`).

    Returns 1 at once when a server already runs for the data dir; otherwise it exits the
    process itself when stopped.
    """
    if (running := running_server(settings.data_path)) is not None:
        log.error("a local chat server already runs for this data dir (pid %d)", running.pid)
        return 1
    spec = get_spec(settings.local_chat_model)
    path = prepare_model(spec, settings.model_cache_path)
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    server = _start_llama(spec, path, settings, host, port)  # serves while referenced
    state = ServerState(
        os.getpid(), host, urlsplit(server.listening_address).port or port, spec.name
    )
    _write_state(settings.data_path, asdict(state))
    log.info("chat model %s (%s) serving at %s", spec.name, spec.title, state.base_url)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        _forget(settings.data_path, state.pid)
    log.info("chat model %s stopped", spec.name)
    logging.shutdown()
    # llama.cpp's destructor first finishes the batch in flight, tens of seconds on a busy
    # CPU; the server keeps nothing on disk, so leaving at once loses nothing.
    os._exit(0)


def _start_llama(spec: ModelSpec, path: Path, settings: Settings, host: str, port: int) -> Any:
    """xllamacpp's Server: loads the model, then serves HTTP from its own threads."""
    import xllamacpp  # heavy native module: only in the serving process

    threads = thread_count(settings)
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = {spec.name}
    params.n_parallel = PARALLEL_SLOTS
    params.n_ctx = settings.local_chat_context_tokens * PARALLEL_SLOTS
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = batch_thread_count(settings)
    params.hostnames = [host]
    params.port = port
    return xllamacpp.Server(params)
