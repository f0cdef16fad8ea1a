"""The OpenVINO backend gives the torch model's vectors, caches its export, and falls back."""

import copy
import logging
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from pydantic import ValidationError

from ingestion import embedding
from ingestion.chunking import Chunker
from ingestion.detection import detect_type
from ingestion.embedding import OpenVinoEmbedder, SentenceTransformerEmbedder, load_embedder
from ingestion.extraction import ExtractionReport, ExtractOptions, iter_sections
from tests.conftest import shared_file
from tutor.settings import Settings


@pytest.fixture(scope="module")
def openvino_embedder(embedder, tmp_path_factory):
    return OpenVinoEmbedder(embedder, tmp_path_factory.mktemp("models"))


def _real_chunks(embedder: SentenceTransformerEmbedder, relative: str) -> list[str]:
    """What the pipeline would embed for a real document."""
    data = shared_file(relative).read_bytes()
    file_type = detect_type(data, relative)
    sections = iter_sections(data, file_type, ExtractOptions(), ExtractionReport())
    chunker = Chunker(copy.deepcopy(embedder.tokenizer), 200, 30)
    return [chunk.embedding_text() for chunk in chunker.stream(sections)]


def test_openvino_reproduces_torch_on_real_chunks(embedder, openvino_embedder):
    texts = _real_chunks(embedder, "documents/educational/GeoTopo-komprimiert.pdf")[:150]
    texts += ["x", "What does RuBisCO do?", "word " * 600]  # tiny, a query, truncated
    ours = openvino_embedder.embed(texts)
    theirs = embedder.embed(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    required = embedding.MIN_COSINE_TO_TORCH[openvino_embedder.precision]
    assert float(np.min(np.sum(ours * theirs, axis=1))) >= required


def test_openvino_handles_any_batch_size(embedder, openvino_embedder):
    assert openvino_embedder.embed([]).shape == (0, 384)
    texts = [f"note number {i} about cell {'walls ' * i}" for i in range(67)]
    ours = openvino_embedder.embed(texts)
    assert float(np.min(np.sum(ours * embedder.embed(texts), axis=1))) >= 0.9999
    # Rows stay in the caller's order although batches run longest first.
    assert np.allclose(openvino_embedder.embed(texts[5:6])[0], ours[5], atol=1e-5)


def test_queued_calls_overlap_and_each_gets_its_own_rows(embedder, openvino_embedder):
    # The pipeline queues the next batch before taking the last one's vectors, and other
    # threads (queries) may queue at the same time: every call must get exactly its rows.
    calls = [
        [f"call {c} text {i} {'about plants ' * (i % 7)}" for i in range(40 + c)] for c in range(6)
    ]
    with ThreadPoolExecutor(3) as pool:
        futures = list(pool.map(openvino_embedder.submit, calls))
    for texts, future in zip(calls, futures, strict=True):
        vectors = future.result(timeout=120)
        assert vectors.shape == (len(texts), 384)
        assert float(np.min(np.sum(vectors * embedder.embed(texts), axis=1))) >= 0.9995
    assert openvino_embedder.submit([]).result().shape == (0, 384)


def test_token_ids_give_the_same_vectors_as_texts(embedder, openvino_embedder):
    # Ingestion passes the chunker's token ids so the texts are not tokenised again.
    assert openvino_embedder.takes_token_ids
    texts = _real_chunks(embedder, "documents/educational/GeoTopo-komprimiert.pdf")[:40]
    texts += ["x", "word " * 600]  # the shortest, and one past the model's 256 tokens
    ids = embedder.tokenizer(texts, add_special_tokens=False)["input_ids"]
    from_ids = openvino_embedder.submit(texts, ids).result(timeout=120)
    assert np.array_equal(from_ids, openvino_embedder.embed(texts))


def test_an_embedder_that_cannot_queue_still_gives_a_future(embedder):
    future = embedding.submit_embedding(embedder, ["one text", "two texts"])
    assert future.done() and future.result().shape == (2, 384)


def test_the_export_is_cached_and_reused(embedder, tmp_path, monkeypatch):
    OpenVinoEmbedder(embedder, tmp_path)
    (exported,) = tmp_path.iterdir()
    assert (exported / "model.xml").exists() and (exported / "model.bin").exists()

    def no_export(*_args):
        raise AssertionError("exported again despite the cache")

    monkeypatch.setattr(embedding, "_export", no_export)
    OpenVinoEmbedder(embedder, tmp_path)
    assert list(tmp_path.iterdir()) == [exported]


def test_a_backend_that_misses_torch_falls_back(tmp_path, monkeypatch, caplog):
    # Cosine can never exceed 1, so the start-up check must refuse OpenVINO.
    monkeypatch.setattr(embedding, "MIN_COSINE_TO_TORCH", {"f32": 1.01, "bf16": 1.01})
    with caplog.at_level(logging.WARNING, logger="ingestion.embedding"):
        model = load_embedder("openvino", cache_dir=tmp_path)
    assert isinstance(model, SentenceTransformerEmbedder)
    assert "using torch" in caplog.text


def test_backend_setting(monkeypatch):
    assert Settings().embedding_backend == "openvino"
    monkeypatch.setenv("TUTOR_EMBEDDING_BACKEND", "torch")
    assert Settings().embedding_backend == "torch"
    monkeypatch.setenv("TUTOR_EMBEDDING_BACKEND", "onnx-int8")
    with pytest.raises(ValidationError):
        Settings()


def test_openvino_sends_no_telemetry(openvino_embedder):
    from openvino.tools.ovc import convert_impl

    assert openvino_embedder.backend == "openvino"
    assert sys.modules["openvino_telemetry"] is None
    assert convert_impl.tm.__name__.endswith("telemetry_stub")
