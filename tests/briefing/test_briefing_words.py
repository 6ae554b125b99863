"""Words of estimative probability (ICD 203) and text helpers."""

from __future__ import annotations

from itertools import pairwise

import pytest

from summitry.briefing.words import BANDS, chance_phrase, icd203, join_names, slugify


@pytest.mark.parametrize(("p", "words"), [
    (0.0, "almost no chance"), (0.01, "almost no chance"), (0.049, "almost no chance"),
    (0.05, "very unlikely"), (0.19, "very unlikely"), (0.20, "unlikely"),
    (0.44, "unlikely"), (0.45, "roughly even chance"), (0.55, "roughly even chance"),
    (0.56, "likely"), (0.80, "likely"), (0.81, "very likely"), (0.95, "very likely"),
    (0.96, "almost certain"), (1.0, "almost certain"),
])
def test_icd203_bands(p: float, words: str) -> None:
    assert icd203(p) == words


def test_bands_cover_zero_to_one_in_order() -> None:
    assert BANDS[0][0] == 0.0 and BANDS[-1][1] == 1.0
    assert all(a[1] == b[0] for a, b in pairwise(BANDS))
    for lo, hi, words in BANDS:
        assert icd203((lo + hi) / 2) == words


def test_icd203_rejects_non_probabilities() -> None:
    with pytest.raises(ValueError):
        icd203(1.2)


def test_chance_phrase_gives_words_and_number() -> None:
    assert chance_phrase("Collapse", 0.03) == "“Collapse” has almost no chance (3%)"
    assert chance_phrase("Deal", 0.5) == "“Deal” has a roughly even chance (50%)"
    assert chance_phrase("Deal", 0.004) == "“Deal” has almost no chance (<1%)"
    assert chance_phrase("Deal", 0.62) == "“Deal” is likely (62%)"


def test_join_and_slug() -> None:
    assert join_names(["a", "b", "c"]) == "a, b and c"
    assert join_names(["a"]) == "a" and join_names([]) == ""
    assert slugify("Trump–Putin summit: Ünïcode & co") == "trump-putin-summit-unicode-co"
    assert len(slugify("word " * 40)) <= 75
