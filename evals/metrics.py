"""Ranking metrics as BEIR computes them (pytrec_eval): one query, one ranked list at a time.

`ranked` holds distinct document ids, best first; `qrels` maps document ids to graded
relevance, where anything above 0 counts as relevant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def _dcg(gains: Sequence[int]) -> float:
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """nDCG@k with gain = relevance, a log2(rank + 1) discount and the ideal order from qrels."""
    ideal = _dcg(sorted((rel for rel in qrels.values() if rel > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg([max(qrels.get(doc, 0), 0) for doc in ranked[:k]]) / ideal


def recall_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {doc for doc, rel in qrels.items() if rel > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document in the top k, or 0 when there is none."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if qrels.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0
