import math

import pytest

from evals.metrics import mrr_at_k, ndcg_at_k, recall_at_k

LOG2_3 = math.log2(3)  # the discount at rank 2


def test_ndcg_is_one_for_the_ideal_order():
    assert ndcg_at_k(["a", "b", "x"], {"a": 2, "b": 1}, 10) == pytest.approx(1.0)


def test_ndcg_discounts_a_relevant_document_at_rank_two():
    assert ndcg_at_k(["x", "a"], {"a": 1}, 10) == pytest.approx(1 / LOG2_3)


def test_ndcg_gain_is_the_grade_not_two_to_the_grade():
    # linear gain: (1 + 3/log2 3) / (3 + 1/log2 3) = 0.7967; 2^rel - 1 would give 0.7098
    assert ndcg_at_k(["b", "a"], {"a": 3, "b": 1}, 10) == pytest.approx(0.79671, abs=1e-5)


def test_ndcg_ideal_comes_from_the_qrels_not_the_ranking():
    # "b" was never retrieved, yet the ideal ranking holds it at rank 2
    assert ndcg_at_k(["a"], {"a": 1, "b": 1}, 10) == pytest.approx(1 / (1 + 1 / LOG2_3))


def test_ndcg_ideal_is_cut_at_k():
    assert ndcg_at_k(["a", "b"], {"a": 1, "b": 1, "c": 1}, 2) == pytest.approx(1.0)


def test_ndcg_ignores_documents_past_k():
    ranked = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at_k(ranked, {"a": 1}, 10) == 0.0


def test_ndcg_ignores_zero_grades_and_is_zero_without_relevant_documents():
    assert ndcg_at_k(["a", "b"], {"a": 1, "z": 0}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["a"], {"a": 0}, 10) == 0.0


def test_recall_counts_relevant_documents_in_the_top_k():
    qrels = {"a": 1, "b": 1, "c": 1}
    assert recall_at_k(["a", "x", "b", "c"], qrels, 3) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "x", "b", "c"], qrels, 4) == pytest.approx(1.0)


def test_recall_is_zero_without_relevant_documents():
    assert recall_at_k(["a"], {"a": 0}, 10) == 0.0


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_document():
    assert mrr_at_k(["x", "y", "a", "b"], {"a": 1, "b": 1}, 10) == pytest.approx(1 / 3)


def test_mrr_is_zero_when_the_first_relevant_document_is_past_k():
    assert mrr_at_k(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_mrr_skips_documents_judged_not_relevant():
    assert mrr_at_k(["z", "a"], {"z": 0, "a": 1}, 10) == pytest.approx(1 / 2)


# Answer metrics, against hand-computed cases.
def test_token_f1_hand_computed():
    from evals.answer_metrics import token_f1

    # prediction "the cat sat on mat" -> [cat, sat, on, mat]; gold "a cat on the mat" ->
    # [cat, on, mat]: 3 common, P = 3/4, R = 3/3, F1 = 2 * 0.75 / 1.75 = 0.857142...
    assert abs(token_f1("The cat sat on [1] the mat.", ["a cat on the mat"]) - 6 / 7) < 1e-9
    assert token_f1("nothing shared", ["cat"]) == 0.0
    assert token_f1("cat", ["dog", "the cat"]) == 1.0


def test_exact_match_and_containment():
    from evals.answer_metrics import contains, exact_match

    assert exact_match("The Denver Broncos.", ["Denver Broncos"]) == 1.0
    assert exact_match("Denver Broncos won", ["Denver Broncos"]) == 0.0
    assert contains("They were the Denver Broncos [2].", ["denver broncos"]) == 1.0
    assert contains("Score 3080 points", ["308"]) == 0.0
