"""Item analysis against values computed by hand on a small class, and its properties."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.classes.item_analysis import (
    ItemStats,
    Response,
    analyse_items,
    group_size,
    score_histogram,
    upper_and_lower,
)

# Six students, four items. Item 1 is multiple choice with 4 options, the key being option 2;
# the others are not (0 options). Student 5 left item 1 unanswered.
#
#            i0 i1 i2 i3 | total | item 1 chose
#   S0        0  1  0  1 |   2   |  2
#   S1        1  1  0  1 |   3   |  2
#   S2        1  1  0  1 |   3   |  2
#   S3        0  0  1  1 |   2   |  0
#   S4        1  1  0  1 |   3   |  2
#   S5        0  0  0  1 |   1   |  -
#
# Ranking by total, ties by input order: S1, S2, S4 (3), S0, S3 (2), S5 (1).
# Group size: max(1, round half up of 27% of 6 = 1.62) = 2, so upper = {S1, S2} (S4 ties with
# them but comes later) and lower = {S3, S5} (S0 ties with S3 but comes earlier, so ranks above).
ROWS = [
    ((0, 1, 0, 1), 2),
    ((1, 1, 0, 1), 2),
    ((1, 1, 0, 1), 2),
    ((0, 0, 1, 1), 0),
    ((1, 1, 0, 1), 2),
    ((0, 0, 0, 1), None),
]
CLASS = [
    Response(correct=tuple(bool(x) for x in row), chosen=(None, chosen, None, None))
    for row, chosen in ROWS
]
OPTIONS = [0, 4, 0, 0]


@pytest.fixture(scope="module")
def stats() -> list[ItemStats]:
    return analyse_items(CLASS, OPTIONS)


def test_the_upper_and_lower_groups_break_ties_by_input_order():
    assert upper_and_lower([2, 3, 3, 2, 3, 1]) == ([1, 2], [3, 5])


def test_facility_is_the_share_right(stats):
    # i0: S1, S2, S4 = 3/6; i1: S0, S1, S2, S4 = 4/6; i2: S3 = 1/6; i3: everyone.
    assert [s.facility for s in stats] == pytest.approx([3 / 6, 4 / 6, 1 / 6, 1.0])


def test_discrimination_is_upper_minus_lower_facility(stats):
    # i0: upper S1, S2 both right = 1, lower S3, S5 both wrong = 0 -> 1.0
    # i1: upper 2/2, lower 0/2 -> 1.0 (had S4 been in the upper group and S0 in the lower, as a
    #     later-ranks-higher tie-break would put them: 1 - 1/2 = 0.5)
    # i2: upper 0/2, lower S3 right, S5 wrong = 1/2 -> -0.5
    # i3: 1 - 1 -> 0.0
    assert [s.discrimination for s in stats] == pytest.approx([1.0, 1.0, -0.5, 0.0])


def test_point_biserial_correlates_the_item_with_the_rest_of_the_test(stats):
    # r = (n Sxy - Sx Sy) / sqrt((n Sxx - Sx^2)(n Syy - Sy^2)), y = total minus the item, n = 6.
    # i0: x = 0 1 1 0 1 0, y = 2 2 2 2 2 1: Sx 3, Sxx 3, Sy 11, Syy 21, Sxy 6
    #     -> (36 - 33) / sqrt((18 - 9)(126 - 121)) = 3 / sqrt(45) = 1/sqrt(5) = 0.4472
    # i1: x = 1 1 1 0 1 0, y = 1 2 2 2 2 1: Sx 4, Sxx 4, Sy 10, Syy 18, Sxy 7
    #     -> (42 - 40) / sqrt((24 - 16)(108 - 100)) = 2 / 8 = 0.25
    # i2: x = 0 0 0 1 0 0, y = 2 3 3 1 3 1: Sx 1, Sxx 1, Sy 13, Syy 33, Sxy 1
    #     -> (6 - 13) / sqrt((6 - 1)(198 - 169)) = -7 / sqrt(145) = -0.5813
    # i3: everyone right, no variance -> None
    found = [s.point_biserial for s in stats]
    assert found[:3] == pytest.approx([5**-0.5, 0.25, -7 / 145**0.5])
    assert found[3] is None


def test_point_biserial_leaves_the_item_out_of_the_total(stats):
    # Against the uncorrected total 2 3 3 2 3 1 (Sy 14, Syy 36, Sxy 9), item 0 would score
    # (54 - 42) / sqrt(9 * (216 - 196)) = 12 / sqrt(180) = 0.894, not 0.447.
    assert stats[0].point_biserial != pytest.approx(12 / 180**0.5)


def test_distractor_counts_per_option(stats):
    # Item 1: option 0 by S3, option 2 (the key) by four, options 1 and 3 by nobody; S5 skipped.
    assert stats[1].distractor_counts == (1, 0, 4, 0)
    assert [s.distractor_counts for s in (stats[0], stats[2], stats[3])] == [(), (), ()]


def test_flags(stats):
    # i2: facility 1/6 < 0.2 and discrimination -0.5 < 0.1; i3: facility 1 > 0.95 and
    # discrimination 0 < 0.1; i0 and i1 are fine.
    assert [s.flags for s in stats] == [
        (),
        (),
        ("too_hard", "low_discrimination"),
        ("too_easy", "low_discrimination"),
    ]


def test_an_item_everyone_got_wrong_has_no_point_biserial():
    responses = [Response((False, x), (None, None)) for x in (True, False, True)]
    wrong = analyse_items(responses, [0, 0])[0]
    assert (wrong.facility, wrong.discrimination, wrong.point_biserial) == (0.0, 0.0, None)
    assert wrong.flags == ("too_hard", "low_discrimination")


def test_no_variance_in_the_rest_of_the_test_means_no_point_biserial():
    # Item 1 varies, but item 0 (the rest of the test for item 1) is right for everyone.
    responses = [Response((True, x), (None, None)) for x in (True, False, True)]
    assert analyse_items(responses, [0, 0])[1].point_biserial is None


def test_thresholds_are_strict():
    # Facility 1/5 = 0.2 exactly is not too hard; 19/20 = 0.95 is not too easy.
    fifth = [Response((k == 0,), (None,)) for k in range(5)]
    nineteen = [Response((k < 19,), (None,)) for k in range(20)]
    assert "too_hard" not in analyse_items(fifth, [0])[0].flags
    assert "too_easy" not in analyse_items(nineteen, [0])[0].flags
    assert "too_hard" in analyse_items(fifth[1:], [0])[0].flags


def test_a_single_student_has_facility_only():
    [item] = analyse_items([Response((True,), (1,))], [3])
    assert (item.facility, item.discrimination, item.point_biserial) == (1.0, None, None)
    assert item.distractor_counts == (0, 1, 0)
    assert item.flags == ("too_easy",)


def test_an_empty_class_has_no_statistics():
    [item] = analyse_items([], [4])
    assert item == ItemStats(0, None, None, None, (0, 0, 0, 0), ())
    assert analyse_items([], []) == []


def test_group_size_is_27_percent_rounded_half_up():
    assert [group_size(n) for n in (1, 2, 3, 6, 10, 50, 100, 150)] == [1, 1, 1, 2, 3, 14, 27, 41]


@pytest.mark.parametrize(
    ("responses", "options"),
    [
        ([Response((True,), (4,))], [4]),  # options are 0..3
        ([Response((True,), (0,))], [0]),  # not a multiple-choice item
        ([Response((True, False), (None,))], [0, 0]),
        ([Response((True,), (None,))], [0, 0]),
        ([], [-1]),
    ],
)
def test_malformed_input_is_refused(responses, options):
    with pytest.raises(ValueError):
        analyse_items(responses, options)


def test_histogram_bins_with_the_top_bin_closed():
    scores = [0.0, 0.05, 0.1, 0.29, 0.5, 0.99, 1.0]
    assert score_histogram(scores) == [2, 1, 1, 0, 0, 1, 0, 0, 0, 2]
    assert score_histogram([1.0], bins=4) == [0, 0, 0, 1]
    assert score_histogram([], bins=3) == [0, 0, 0]


def test_histogram_bins_shares_of_points_by_their_exact_value():
    # 29/100 * 100 is 28.999999999999996 in floats; the share still lands in bin 29.
    assert score_histogram([29 / 100], bins=100)[29] == 1


@pytest.mark.parametrize(("scores", "bins"), [([1.01], 10), ([-0.1], 10), ([0.5], 0)])
def test_histogram_refuses_scores_outside_the_unit_interval_and_no_bins(scores, bins):
    with pytest.raises(ValueError):
        score_histogram(scores, bins)


@st.composite
def matrices(draw):
    """A response matrix and its items' option counts, MC and not mixed."""
    options = draw(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=5))
    student = st.tuples(
        st.tuples(*[st.booleans() for _ in options]),
        st.tuples(*[st.none() | st.integers(0, n - 1) if n else st.none() for n in options]),
    ).map(lambda pair: Response(*pair))
    return draw(st.lists(student, max_size=30)), options


@given(matrices())
def test_statistics_stay_in_their_ranges(matrix):
    responses, options = matrix
    for stats in analyse_items(responses, options):
        assert stats.facility is None or 0.0 <= stats.facility <= 1.0
        assert stats.discrimination is None or -1.0 <= stats.discrimination <= 1.0
        assert stats.point_biserial is None or -1.0 <= stats.point_biserial <= 1.0
        assert (stats.facility is None) == (len(responses) == 0)
        assert (stats.discrimination is None) == (len(responses) < 2)


@given(matrices())
def test_distractor_counts_add_up_to_those_who_chose(matrix):
    responses, options = matrix
    for stats, n_options in zip(analyse_items(responses, options), options, strict=True):
        assert len(stats.distractor_counts) == n_options
        chose = sum(r.chosen[stats.item] is not None for r in responses)
        assert sum(stats.distractor_counts) == chose


@given(matrices())
def test_point_biserial_matches_pearson_on_the_rest_score(matrix):
    responses, options = matrix
    for stats in analyse_items(responses, options):
        if stats.point_biserial is None:
            continue
        item = [int(r.correct[stats.item]) for r in responses]
        rest = [sum(r.correct) - x for r, x in zip(responses, item, strict=True)]
        assert stats.point_biserial == pytest.approx(statistics.correlation(item, rest), abs=1e-9)


@given(matrices())
def test_groups_are_disjoint_and_the_same_size(matrix):
    responses, _ = matrix
    groups = upper_and_lower([sum(r.correct) for r in responses])
    if groups is None:
        assert len(responses) < 2
        return
    upper, lower = groups
    assert len(upper) == len(lower) == group_size(len(responses))
    assert not set(upper) & set(lower)


@given(
    st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=50),
    st.integers(min_value=1, max_value=20),
)
def test_histogram_counts_every_score_once(scores, bins):
    counts = score_histogram(scores, bins)
    assert len(counts) == bins
    assert sum(counts) == len(scores)
