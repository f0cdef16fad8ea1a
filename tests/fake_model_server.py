"""Stands in for `tutor model serve` in tests: the fake streaming OpenAI server, recorded in
the data dir's state file exactly as the real one is, so `LocalChatServer` can start, watch
and restart it without loading a model.

`python -m tests.fake_model_server --data-dir DIR --port 0 --tokens-per-s 10`
"""

from __future__ import annotations

import argparse
import os
import socket
from dataclasses import asdict
from pathlib import Path

import uvicorn

from benchmarks.fake_openai import build_app
from tutor.llm.local_server import ServerState, _write_state

MODEL = "fake"


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tokens-per-s", type=float, default=10.0)
    parser.add_argument("--tokens", type=int, default=60)
    args = parser.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    state = ServerState(os.getpid(), "127.0.0.1", listener.getsockname()[1], MODEL)
    _write_state(args.data_dir, asdict(state))
    app = build_app(args.tokens_per_s, first_token_ms=20, tokens=args.tokens)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])


if __name__ == "__main__":
    main()
