"""The local chat model: assembly from packages, verification, and the real llama.cpp server."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from tutor.errors import ModelUnavailable
from tutor.llm.catalogue import (
    CATALOGUE,
    ModelSpec,
    Part,
    assemble,
    get_spec,
    model_path,
    part_paths,
    prepare_model,
)
from tutor.llm.local_server import LocalChatServer, read_state, unavailable_reason
from tutor.runtime.services import service_env, services
from tutor.settings import Settings

SMALL = "smollm2-135m-instruct"


def small_parts(tmp_path: Path) -> tuple[list[Path], bytes]:
    chunks = [b"GGUF" + os.urandom(3000), os.urandom(5000), os.urandom(17)]
    paths = []
    for number, chunk in enumerate(chunks, start=1):
        path = tmp_path / f"part{number:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths, b"".join(chunks)


def spec_for(content: bytes, parts: tuple[Part, ...] = ()) -> ModelSpec:
    return ModelSpec(
        name="tiny-test-model",
        title="test bytes",
        parts=parts,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        license="CC0-1.0",
        context_tokens=512,
        install="pip install nothing",
        source="this test",
    )


def test_assembly_concatenates_the_parts_and_verifies(tmp_path):
    parts, content = small_parts(tmp_path)
    target = tmp_path / "models" / "tiny.gguf"
    assemble(parts, target, spec_for(content))
    assert target.read_bytes() == content
    assert [p.name for p in target.parent.iterdir()] == ["tiny.gguf"]


def test_a_corrupted_part_is_refused_and_leaves_nothing(tmp_path):
    parts, content = small_parts(tmp_path)
    original = parts[1].read_bytes()
    # Flip the first byte's bits: writing a fixed byte left the part unchanged when the random
    # bytes already began with it (1 run in 256).
    parts[1].write_bytes(bytes([original[0] ^ 0xFF]) + original[1:])
    target = tmp_path / "models" / "tiny.gguf"
    with pytest.raises(ModelUnavailable, match="does not verify") as caught:
        assemble(parts, target, spec_for(content))
    assert hashlib.sha256(content).hexdigest() in caught.value.message
    assert list(target.parent.iterdir()) == []


def test_a_truncated_part_is_refused(tmp_path):
    parts, content = small_parts(tmp_path)
    parts[2].write_bytes(parts[2].read_bytes()[:-1])
    with pytest.raises(ModelUnavailable, match=f"{len(content) - 1} bytes"):
        assemble(parts, tmp_path / "tiny.gguf", spec_for(content))


def test_missing_packages_are_named_with_the_install_command(tmp_path):
    missing = (
        Part("tutor-test-absent-part1", "tutor_test_absent_part1", "data/part01.bin"),
        Part("tutor-test-absent-part2", "tutor_test_absent_part2", "data/part02.bin"),
    )
    spec = spec_for(b"whatever", missing)
    with pytest.raises(ModelUnavailable) as caught:
        prepare_model(spec, tmp_path)
    message = caught.value.message
    assert "tutor-test-absent-part1, tutor-test-absent-part2" in message
    assert "pip install nothing" in message
    assert not model_path(spec, tmp_path).exists()


def test_an_unknown_model_lists_the_catalogue():
    with pytest.raises(ModelUnavailable, match=SMALL):
        get_spec("no-such-model")


def test_prepare_assembles_once_and_reverify_repairs(tmp_path):
    spec = CATALOGUE[SMALL]
    path = prepare_model(spec, tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256
    stamp = path.stat().st_mtime_ns
    assert prepare_model(spec, tmp_path).stat().st_mtime_ns == stamp  # reused, not rebuilt

    with path.open("r+b") as file:  # damage it in place, keeping its size
        file.seek(1000)
        file.write(b"\0" * 64)
    repaired = prepare_model(spec, tmp_path, reverify=True)
    assert hashlib.sha256(repaired.read_bytes()).hexdigest() == spec.sha256


def test_every_catalogue_part_points_into_its_package():
    for spec in CATALOGUE.values():
        assert len({part.package for part in spec.parts}) == len(spec.parts)
        for part in spec.parts:
            assert part.module == part.package.replace("-", "_")
    assert [p.name for p in part_paths(CATALOGUE[SMALL])] == ["SmolLM2-135M-Instruct.Q4_1.gguf"]


def test_services_run_on_without_chat_and_say_why(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://unused",
        redis_url="redis://unused",
        local_chat_model="no-such-model",
    )
    with services(settings, chat=True) as live:
        assert live.chat_base_url is None
        assert "TUTOR_CHAT_BASE_URL" not in service_env(live)
        reason = unavailable_reason(live)
    assert reason is not None and "no-such-model" in reason
    external = settings.model_copy(update={"chat_base_url": "http://llm:8080/v1"})
    assert unavailable_reason(external) is None


def test_real_server_streams_is_shared_and_stops_cleanly(tmp_path):
    settings = Settings(data_dir=tmp_path, local_chat_model=SMALL, local_chat_context_tokens=1024)
    server = LocalChatServer(settings)
    server.start(timeout_s=120)
    try:
        assert server.process is not None
        pid = server.process.pid
        assert read_state(tmp_path)["pid"] == pid

        second = LocalChatServer(settings)  # another process of the same data dir attaches
        assert second.start() == server.base_url and second.process is None

        with services(settings.model_copy(update=UNUSED_URLS), chat=True) as live:
            env = service_env(live)
        assert env["TUTOR_CHAT_BASE_URL"] == server.base_url
        assert env["TUTOR_CHAT_MODEL"] == SMALL
        assert process_alive(pid)  # the attaching `services` left the server running

        text, usage = asyncio.run(stream_reply(server.base_url, server.model))
        assert text.strip()
        assert usage is not None and usage.completion_tokens > 0
    finally:
        server.stop()
    assert not process_alive(pid)
    assert read_state(tmp_path) == {}


UNUSED_URLS = {"database_url": "postgresql://unused", "redis_url": "redis://unused"}


async def stream_reply(base_url, model):
    async with AsyncOpenAI(base_url=base_url, api_key="local", max_retries=0) as client:
        stream = await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Name one planet."}],
            max_tokens=12,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
        parts, usage = [], None
        async with stream:
            async for event in stream:
                if event.choices:
                    parts.append(event.choices[0].delta.content or "")
                usage = event.usage or usage
    return "".join(parts), usage


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent has not collected it yet.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


PARENT = """
import sys
from tutor.llm.local_server import LocalChatServer
from tutor.settings import Settings
server = LocalChatServer(Settings(data_dir=sys.argv[1], local_chat_model=sys.argv[2],
                                  local_chat_context_tokens=1024))
server.start(timeout_s=120)
print(server.process.pid, flush=True)
sys.stdin.read()
"""


def test_the_server_dies_with_the_process_that_started_it(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path), SMALL],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid = int(parent.stdout.readline())
        assert process_alive(pid)
        parent.send_signal(signal.SIGKILL)  # no clean-up code runs in the parent
        parent.wait()
        deadline = time.monotonic() + 15
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not process_alive(pid)
        assert "pid" not in read_state(tmp_path)  # it went through its clean stop
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        parent.stdin.close()
