"""Honest folds (near-duplicate groups), the ACLED event-type choice and the stems analyzer."""

from __future__ import annotations

import numpy as np

from powderkeg.coder.models.decision import acled_column
from powderkeg.coder.models.text import parse, stems12
from powderkeg.evaluate import _splits
from powderkeg.evaluate.groups import near_duplicate_groups, near_duplicate_mask

STORY_A = ("Four female suicide bombers blew themselves up near a bus station in northeastern "
           "Nigeria, killing two people and injuring 16.")
STORY_A2 = ("Four female kamikazes went off near a bus station in northeastern Nigeria, killing "
            "two people and injuring 16.")
STORY_B = "Police fired tear gas at thousands of protesters marching on parliament in Belgrade."
STORY_C = "The two foreign ministers signed a trade agreement in Vienna on Tuesday."


def test_near_duplicates_share_a_group_and_others_do_not() -> None:
    g = near_duplicate_groups([STORY_A, STORY_B, STORY_A2, STORY_C])
    assert g[0] == g[2]
    assert len({g[0], g[1], g[3]}) == 3
    assert g.tolist() == near_duplicate_groups([STORY_A, STORY_B, STORY_A2, STORY_C]).tolist()


def test_near_duplicate_mask_flags_reworded_copies_only() -> None:
    mask = near_duplicate_mask([STORY_A2, STORY_C], [STORY_A, STORY_B])
    assert mask.tolist() == [True, False]
    assert near_duplicate_mask([], [STORY_A]).tolist() == []


def test_grouped_splits_never_split_a_group() -> None:
    rng = np.random.default_rng(0)
    y = np.array(["a", "b"] * 30, dtype=object)
    groups = np.repeat(np.arange(20), 3)  # 20 groups of 3 rows
    rng.shuffle(groups)
    for tr, te in _splits(y, 5, 0, groups):
        assert not set(groups[tr]) & set(groups[te])
        assert len(tr) + len(te) == len(y)


def test_acled_column_sums_sub_types_of_an_event_type() -> None:
    c2a = {"ARMED_CLASH": ["Battles", "Armed clash"],
           "GOV_REGAINS_TERIT": ["Battles", "Government regains territory"],
           "PEACE_PROTEST": ["Protests", "Peaceful protest"],
           "DIPLO": None}
    c2a = {k: v for k, v in c2a.items() if v}
    classes = ["ARMED_CLASH", "DIPLO", "GOV_REGAINS_TERIT", "PEACE_PROTEST"]
    # the best single sub-type is a protest, but the two battle sub-types together outweigh it
    row = np.array([1.0, 5.0, 0.9, 1.2])
    acled = [0, 2, 3]
    assert classes[acled[int(np.argmax(row[acled]))]] == "PEACE_PROTEST"
    assert classes[acled_column(classes, row, c2a, temperature=1.0)] == "ARMED_CLASH"
    # a sharp softmax (high temperature) is the plain argmax over ACLED sub-types
    assert classes[acled_column(classes, row, c2a, temperature=50.0)] == "PEACE_PROTEST"
    assert acled_column(["DIPLO"], np.array([1.0]), c2a) == -1


def test_stems12_joins_inflections_and_drops_stop_words() -> None:
    a = set(stems12(parse("Troops shelled the villages")))
    b = set(stems12(parse("troops shelling villages")))
    assert "shell" in a and "shell" in b
    assert "shell villag" in a and "shell villag" in b
    assert "the" not in a
    marked = stems12(parse("<s>Russia</s> attacked <t>Ukraine</t>"))
    assert marked[:3] == ["_src_", "attack", "_tgt_"]
