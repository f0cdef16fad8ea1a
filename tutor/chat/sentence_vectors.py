"""Embeddings of the sources' sentences, kept between asks.

Every answer scores each sentence of its sources against the question (`sharp_context`), and
embedding them is most of an ask's CPU: about 6 ms a sentence on one AVX2 core, 100-300 ms for
the 20-50 sentences of six chunks. A student's next question mostly finds the same chunks, so
their vectors are kept in a bounded least-recently-used cache, keyed by the sentence's text
(the vector depends on nothing else) and by the embedder that made it.
"""

from __future__ import annotations

import asyncio
import threading
import weakref

import numpy as np
from cachetools import LRUCache
from numpy.typing import NDArray

from ingestion.embedding import Embedder

# 384 float32 numbers a sentence: 20,000 sentences are about 30 MB per process.
CAPACITY = 20_000

# cachetools' caches are not thread-safe, and tests and evals run event loops in several threads
# of one process; a lookup or an insert is microseconds, the embedding runs outside the lock.
_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Embedder, LRUCache[str, NDArray[np.float32]]] = (
    weakref.WeakKeyDictionary()
)


def _cache_of(embedder: Embedder) -> LRUCache[str, NDArray[np.float32]]:
    cache = _caches.get(embedder)
    if cache is None:
        cache = _caches[embedder] = LRUCache(maxsize=CAPACITY)
    return cache


async def sentence_vectors(embedder: Embedder, texts: list[str]) -> NDArray[np.float32]:
    """The embeddings of `texts`, one row each; only those not seen lately are computed (in a
    thread, off the event loop)."""
    if not texts:
        return np.empty((0, embedder.dim), dtype=np.float32)
    found: dict[str, NDArray[np.float32]] = {}
    with _lock:
        cache = _cache_of(embedder)
        for text in texts:
            if text not in found and (vector := cache.get(text)) is not None:
                found[text] = vector
    missing = list(dict.fromkeys(text for text in texts if text not in found))
    if missing:
        computed = await asyncio.to_thread(embedder.embed, missing)
        with _lock:
            for text, vector in zip(missing, np.asarray(computed, dtype=np.float32), strict=True):
                found[text] = cache[text] = vector
    return np.stack([found[text] for text in texts])
