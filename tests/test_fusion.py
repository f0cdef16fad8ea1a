import pytest

from retrieval.fusion import rrf_fuse, rrf_scores


def test_rrf_sums_reciprocal_ranks_across_rankings():
    scores = rrf_scores([["a", "b"], ["b", "c"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 62)


def test_item_found_by_both_retrievers_wins():
    fused = rrf_fuse([["a", "b", "c"], ["c", "d", "b"]])
    assert [key for key, _ in fused][:2] == ["c", "b"]  # both retrievers found them


def test_weights_scale_each_ranking():
    fused = rrf_fuse([["dense"], ["fts"]], weights=[2.0, 1.0])
    assert fused[0][0] == "dense"


def test_weights_must_match_rankings():
    with pytest.raises(ValueError):
        rrf_scores([["a"]], weights=[1.0, 2.0])
