"""Sentence embeddings kept between asks: the same vectors as the embedder's, each text embedded
once while it stays in the cache, and one embedder's vectors never served for another's."""

from __future__ import annotations

import asyncio
import zlib

import numpy as np
from numpy.typing import NDArray

from tutor.chat import sentence_vectors as module
from tutor.chat.sentence_vectors import sentence_vectors


class CountingEmbedder:
    """A unit vector per text from its checksum; records every text it was asked to embed."""

    dim = 8

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        self.embedded += texts
        rows = [
            np.random.default_rng(zlib.crc32(text.encode()) + self.seed).normal(size=self.dim)
            for text in texts
        ]
        matrix = np.asarray(rows, dtype=np.float32)
        unit: NDArray[np.float32] = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return unit


def vectors(embedder: CountingEmbedder, texts: list[str]) -> NDArray[np.float32]:
    return asyncio.run(sentence_vectors(embedder, texts))


def test_a_second_ask_on_the_same_sentences_embeds_nothing():
    embedder = CountingEmbedder()
    texts = ["Chloroplasts hold chlorophyll.", "RuBisCO fixes carbon.", "Light is absorbed."]
    first = vectors(embedder, texts)
    assert embedder.embedded == texts
    again = vectors(embedder, [texts[2], texts[0], "A new sentence here.", texts[0]])
    assert embedder.embedded == [*texts, "A new sentence here."]
    np.testing.assert_array_equal(again[0], first[2])
    np.testing.assert_array_equal(again[1], first[0])
    np.testing.assert_array_equal(again[3], first[0])
    fresh = CountingEmbedder().embed([texts[2], texts[0], "A new sentence here.", texts[0]])
    np.testing.assert_array_equal(again, fresh)


def test_each_embedder_has_vectors_of_its_own():
    one, other = CountingEmbedder(seed=0), CountingEmbedder(seed=99)
    text = ["The Calvin cycle makes glucose."]
    assert not np.array_equal(vectors(one, text), vectors(other, text))
    assert other.embedded == text


def test_the_cache_is_bounded_and_forgets_the_least_recent(monkeypatch):
    monkeypatch.setattr(module, "CAPACITY", 2)
    embedder = CountingEmbedder()
    vectors(embedder, ["a sentence", "b sentence"])
    vectors(embedder, ["a sentence"])  # a is now the more recent
    vectors(embedder, ["c sentence"])  # evicts b
    embedder.embedded.clear()
    vectors(embedder, ["a sentence", "b sentence"])
    assert embedder.embedded == ["b sentence"]


def test_no_sentences_give_no_rows():
    assert vectors(CountingEmbedder(), []).shape == (0, CountingEmbedder.dim)
