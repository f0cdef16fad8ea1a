"""Embedding backends: does OpenVINO give the torch vectors, and how much faster is it?

    python benchmarks/embedding.py [--sample 256] [--rounds 5]

Texts are real: the chunks our pipeline embeds for the ingestion benchmark's documents, plus
SciFact abstracts and queries. Every text is embedded by both backends and the cosine between
the two vectors is reported (the service requires >= 0.9999). Speed is timed on a random
sample, the backends interleaved round by round on the same texts, so both see the same load.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from ingest import DEFAULT_DATA_DIR, DEFAULT_FILES
from numpy.typing import NDArray
from run_info import print_load, source_state

from ingestion.chunking import Chunker
from ingestion.detection import detect_type
from ingestion.embedding import (
    MIN_COSINE_TO_TORCH,
    OpenVinoEmbedder,
    SentenceTransformerEmbedder,
)
from ingestion.extraction import ExtractionReport, ExtractOptions, iter_sections

SCIFACT = DEFAULT_DATA_DIR.parents[1] / "scifact"


def real_texts(embedder: SentenceTransformerEmbedder, abstracts: int) -> dict[str, list[str]]:
    """Chunk texts of the benchmark documents, SciFact abstracts and SciFact queries."""
    chunker = Chunker(copy.deepcopy(embedder.tokenizer), 200, 30)
    texts: dict[str, list[str]] = {}
    for name in DEFAULT_FILES:
        data = (DEFAULT_DATA_DIR / name).read_bytes()
        file_type = detect_type(data, name)
        sections = iter_sections(data, file_type, ExtractOptions(), ExtractionReport())
        texts[name] = [chunk.embedding_text() for chunk in chunker.stream(sections)]
    with (SCIFACT / "corpus.jsonl").open() as corpus:
        docs = [json.loads(line) for _, line in zip(range(abstracts), corpus, strict=False)]
    texts["scifact abstracts"] = [f"{d['title']}\n{d['text']}" for d in docs]
    with (SCIFACT / "queries.jsonl").open() as queries:
        texts["scifact queries"] = [json.loads(line)["text"] for line in queries][:300]
    return texts


def print_cosines(
    torch_model: SentenceTransformerEmbedder,
    openvino: OpenVinoEmbedder,
    texts: dict[str, list[str]],
) -> None:
    """Per source and overall: min, 0.1% quantile and mean cosine, OpenVINO vs torch."""
    required = MIN_COSINE_TO_TORCH[openvino.precision]
    print(f"\n== cosine(OpenVINO {openvino.precision}, torch) per text (required >= {required}) ==")
    every: list[NDArray[np.float32]] = []
    for source, items in texts.items():
        cosines = np.sum(openvino.embed(items) * torch_model.embed(items), axis=1)
        every.append(cosines)
        print(f"{source[:24]:<26}{len(items):>6} texts  min {cosines.min():.7f}")
    cosines = np.concatenate(every)
    print(
        f"{'all':<26}{len(cosines):>6} texts  min {cosines.min():.7f}  "
        f"p0.1% {np.quantile(cosines, 0.001):.7f}  mean {cosines.mean():.8f}"
    )


def print_speed(
    backends: dict[str, Callable[[list[str]], object]], sample: list[str], rounds: int
) -> None:
    """Seconds per backend over interleaved rounds, and each one's speed-up over the first."""
    seconds: dict[str, list[float]] = {name: [] for name in backends}
    for _ in range(rounds):
        for name, embed in backends.items():
            started = time.perf_counter()
            embed(sample)
            seconds[name].append(time.perf_counter() - started)
    base = np.array(next(iter(seconds.values())))
    print(f"\n== speed: {len(sample)} chunks, {rounds} interleaved rounds ==")
    for name, times in seconds.items():
        ratio = base / np.array(times)
        print(
            f"{name:<12} median {np.median(times):6.2f} s  {len(sample) / np.median(times):6.1f} "
            f"chunks/s  speed-up (median of rounds) {np.median(ratio):.2f}x  "
            f"[{' '.join(f'{r:.2f}' for r in ratio)}]"
        )


def main(args: argparse.Namespace) -> None:
    """Cosines over every text, then speed on a sample."""
    print(f"source: {source_state()}")
    print_load("at start")
    torch_model = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        compiled = [OpenVinoEmbedder(torch_model, Path(cache), "f32")]
        print(f"OpenVINO export + compile + check: {time.perf_counter() - started:.1f} s")
        native = OpenVinoEmbedder(torch_model, Path(cache), "auto")
        if native.precision != "f32":  # the CPU computes bfloat16 natively
            compiled.append(native)
        texts = real_texts(torch_model, args.abstracts)
        for openvino in compiled:
            print_cosines(torch_model, openvino, texts)
        chunks = [text for name in DEFAULT_FILES for text in texts[name]]
        rng = np.random.default_rng(0)
        sample = [chunks[i] for i in rng.choice(len(chunks), args.sample, replace=False)]
        backends = {"torch": torch_model.embed}
        backends |= {f"openvino {ov.precision}": ov.embed for ov in compiled}
        print_speed(backends, sample, args.rounds)
    print_load("at end")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=1000, help="SciFact abstracts to add")
    parser.add_argument("--sample", type=int, default=256, help="chunks per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse_args())
