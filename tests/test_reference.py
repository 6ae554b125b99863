"""Base rates, mapping, prior and precedents from the shipped summit record.

The pinned figures come from data/summits/us_russia_summits.csv (shipped as package data,
sources in src/summitry/data/summits/SOURCES.md): over the 39 core bilateral summits the data
README gives "about 36 % binding agreement, 46 % joint statement only, 18 % no agreement";
the exact counts are 14, 18 and 7.
"""

from __future__ import annotations

from fractions import Fraction
from importlib import resources

import pytest

from summitry.errors import SummitryError, UnknownNameError
from summitry.reference import (
    OUTCOME_CODES,
    Filters,
    base_rates,
    closest_precedents,
    leader_meetings,
    map_to_outcomes,
    prior,
    resolve_summit,
    summit_record,
)
from summitry.scenario import Scenario

MAPPING = {
    "binding_agreement_signed": "Breakthrough",
    "joint_statement_only": "Symbolic win",
    "no_agreement": "Collapse",
}


def scenario(reference: dict | None = None, **extra) -> Scenario:
    data = {
        "id": "test",
        "meta": {"keywords": ["Ukraine ceasefire"]},
        "issues": [
            {"id": "ceasefire", "name": "Ukraine ceasefire", "group": "ukraine"},
            {"id": "new_start", "name": "New START extension", "group": "arms control"},
        ],
        "actors": [{"id": "us"}, {"id": "ru"}],
        "stances": [
            {"actor": "us", "issue": "ceasefire", "position": 80, "salience": 0.8},
            {"actor": "ru", "issue": "ceasefire", "position": 30, "salience": 0.8},
            {"actor": "us", "issue": "new_start", "position": 60, "salience": 0.5},
            {"actor": "ru", "issue": "new_start", "position": 50, "salience": 0.5},
        ],
        "outcomes": [
            {"name": "Breakthrough", "rule": "ceasefire >= 60"},
            {"name": "Symbolic win", "rule": "new_start >= 50"},
            {"name": "Collapse", "rule": "otherwise"},
        ],
        **extra,
    }
    if reference is not None:
        data["reference"] = reference
    return Scenario.model_validate(data)


def exact(rates) -> dict[str, Fraction]:
    return {k: Fraction(v).limit_denominator(1000) for k, v in rates.items()}


# --- the record ------------------------------------------------------------------------------


def test_record_shape_and_columns():
    rec = summit_record()
    assert len(rec) == 44
    assert {"summit_id", "place", "format", "in_core_bilateral_set", "main_agenda", "outcome",
            "coding_confidence", "source_1", "year", "era"} <= set(rec.columns)
    assert int(rec["in_core_bilateral_set"].sum()) == 39
    assert set(rec["outcome"]) == set(OUTCOME_CODES)
    row = rec.set_index("summit_id").loc["1991-moscow"]
    assert row["year"] == 1991 and row["era"] == "cold_war"
    assert rec.set_index("summit_id").loc["1992-campdavid", "era"] == "post_cold_war"
    rec.loc[0, "outcome"] = "changed"  # a copy: the cached record is untouched
    assert summit_record().loc[0, "outcome"] != "changed"


def test_leader_meetings_and_sources_are_shipped():
    assert len(leader_meetings()) == 89
    sources = resources.files("summitry").joinpath("data/summits/SOURCES.md").read_text()
    assert "source_1" in sources and "Office of the Historian" in sources


# --- base rates ------------------------------------------------------------------------------


def test_base_rates_core_bilateral_pinned_to_readme():
    rates = base_rates()
    assert rates.n == 39 and rates.effective_n == 39
    assert exact(rates) == {"binding_agreement_signed": Fraction(14, 39),
                            "joint_statement_only": Fraction(18, 39),
                            "no_agreement": Fraction(7, 39)}
    # the README's rounded figures
    assert round(rates["binding_agreement_signed"], 2) == 0.36
    assert round(rates["joint_statement_only"], 2) == 0.46
    assert round(rates["no_agreement"], 2) == 0.18
    assert dict(rates.counts) == {"no_agreement": 7, "joint_statement_only": 18,
                                  "binding_agreement_signed": 14}
    assert sum(rates.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("filters", "n", "expected"),
    [
        ({"core": False}, 44, (14, 21, 9)),
        ({"era": "cold_war"}, 17, (8, 5, 4)),
        ({"era": "post_cold_war"}, 22, (6, 13, 3)),
        ({"years": "1985-1991"}, 9, (4, 2, 3)),
        ({"years": [1985, 1991]}, 9, (4, 2, 3)),
        ({"min_confidence": "high"}, 29, (13, 11, 5)),
        ({"format": "bilateral", "core": False}, 39, (14, 18, 7)),
        ({"format": ["four_power", "multilateral_sidelines"], "core": False}, 5, (0, 3, 2)),
        ({"exclude": ["2018-helsinki"]}, 38, (14, 18, 6)),
    ],
)
def test_base_rates_filters(filters, n, expected):
    rates = base_rates(filters)
    assert rates.n == n
    b, j, x = expected
    assert exact(rates) == {"binding_agreement_signed": Fraction(b, n),
                            "joint_statement_only": Fraction(j, n),
                            "no_agreement": Fraction(x, n)}


def test_confidence_as_weights():
    # core set by confidence: high 13/11/5, medium 1/7/2 (binding/joint/none); medium = 2/3
    rates = base_rates({"confidence_weights": True})
    assert rates.n == 39
    assert exact(rates) == {"binding_agreement_signed": Fraction(41, 107),
                            "joint_statement_only": Fraction(47, 107),
                            "no_agreement": Fraction(19, 107)}
    assert rates.effective_n < 39


def test_smoothing_adds_pseudo_counts():
    rates = base_rates({"format": ["four_power", "multilateral_sidelines"], "core": False},
                       smoothing=0.5)
    assert rates["binding_agreement_signed"] == pytest.approx(0.5 / 6.5)
    assert rates["joint_statement_only"] == pytest.approx(3.5 / 6.5)


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"era": "victorian"}, "unknown era"),
        ({"decade": 1980}, "unknown filter 'decade'"),
        ({"format": "tea_party"}, "unknown format"),
        ({"min_confidence": "certain"}, "unknown level"),
        ({"years": "1990-1980"}, "after the last"),
        ({"years": "late eighties"}, "YYYY-YYYY"),
        ({"core": "yes"}, "true or false"),
        ({"years": [2019, 2020]}, "no summit"),
        ({"exclude": ["1999-nowhere"]}, "unknown summit"),
    ],
)
def test_bad_filters(filters, needle):
    with pytest.raises(SummitryError, match=needle):
        base_rates(filters)


def test_filter_aliases():
    assert base_rates({"core_only": False}).n == 44
    assert base_rates({"in_core_bilateral_set": True, "min_coding_confidence": "high"}).n == 29


def test_filters_roundtrip():
    flt = Filters.from_mapping({"era": "cold_war", "format": "bilateral"})
    assert flt.to_dict() == {"era": "cold_war", "format": ["bilateral"]}
    assert Filters.from_mapping(flt.to_dict()) == flt


# --- mapping and prior -----------------------------------------------------------------------


def test_map_to_outcomes():
    sc = scenario({"mapping": MAPPING})
    mapped = map_to_outcomes(base_rates(), sc)
    assert mapped == pytest.approx({"Breakthrough": 14 / 39, "Symbolic win": 18 / 39,
                                    "Collapse": 7 / 39})


def test_several_codes_map_to_one_outcome():
    sc = scenario({"mapping": {"binding_agreement_signed": "Breakthrough",
                               "joint_statement_only": "Breakthrough",
                               "no_agreement": "Collapse"}})
    mapped = map_to_outcomes(base_rates(), sc)
    assert mapped == pytest.approx({"Breakthrough": 32 / 39, "Symbolic win": 0.0,
                                    "Collapse": 7 / 39})


def test_unmapped_code_is_a_clear_error():
    sc = scenario({"mapping": {"binding_agreement_signed": "Breakthrough"}})
    with pytest.raises(SummitryError, match=r"does not map.*'joint_statement_only'"):
        map_to_outcomes(base_rates(), sc)
    with pytest.raises(SummitryError, match=r"no reference\.mapping"):
        map_to_outcomes(base_rates(), scenario())


def test_prior_is_weighted_pool():
    sc = scenario({"mapping": MAPPING})
    model = {"Breakthrough": 0.5, "Symbolic win": 0.5, "Collapse": 0.0}
    p = prior(sc, model)  # default weight 0.3
    assert p["Breakthrough"] == pytest.approx(0.3 * 14 / 39 + 0.7 * 0.5)
    assert p["Symbolic win"] == pytest.approx(0.3 * 18 / 39 + 0.7 * 0.5)
    assert p["Collapse"] == pytest.approx(0.3 * 7 / 39)
    assert sum(p.values()) == pytest.approx(1.0)
    assert prior(sc, model, weight=1.0) == pytest.approx(map_to_outcomes(base_rates(), sc))
    assert prior(sc, model, weight=0.0) == model


def test_prior_uses_scenario_weight_and_filters():
    sc = scenario({"mapping": MAPPING, "weight": 0.5, "filters": {"era": "cold_war"}})
    model = {"Breakthrough": 0.0, "Symbolic win": 1.0, "Collapse": 0.0}
    p = prior(sc, model)
    assert p["Breakthrough"] == pytest.approx(0.5 * 8 / 17)
    assert p["Collapse"] == pytest.approx(0.5 * 4 / 17)


def test_prior_without_reference_is_the_model():
    model = {"Breakthrough": 0.2, "Symbolic win": 0.3, "Collapse": 0.5}
    assert prior(scenario(), model) == model
    with pytest.raises(SummitryError, match=r"no reference\.mapping"):
        prior(scenario(), model, weight=0.3)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        ({"Breakthrough": 0.2, "Symbolic win": 0.3}, "no probability for outcome"),
        ({"Breakthrough": 0.2, "Symbolic win": 0.3, "Collapse": 0.6}, "sum to 1"),
        ({"Breakthrough": -0.2, "Symbolic win": 0.7, "Collapse": 0.5}, "≥ 0"),
        ({"Breakthrough": 0.2, "Symbolic win": 0.3, "Collapse": 0.5, "Coup": 0.0},
         "unknown outcome 'Coup'"),
    ],
)
def test_prior_rejects_bad_model_probabilities(model, needle):
    with pytest.raises(SummitryError, match=needle):
        prior(scenario({"mapping": MAPPING}), model)


def test_prior_rejects_bad_weight():
    with pytest.raises(SummitryError, match=r"weight must be in \[0, 1\]"):
        prior(scenario({"mapping": MAPPING}),
              {"Breakthrough": 1.0, "Symbolic win": 0.0, "Collapse": 0.0}, weight=1.5)


# --- precedents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ident", "summit_id"),
    [
        ("1985-geneva", "1985-geneva"),
        ("Geneva 1985", "1985-geneva"),
        ("1985 Geneva", "1985-geneva"),
        ("geneva, 1985", "1985-geneva"),
        ("Ljubljana 2001", "2001-ljubljana"),
        ("Slovenia 2001", "2001-ljubljana"),
        ("Brdo pri Kranju 2001", "2001-ljubljana"),
        ("Helsinki 2018", "2018-helsinki"),
        ("Helsinki 1990", "1990-helsinki"),
        ("Reykjavik 1986", "1986-reykjavik"),
    ],
)
def test_resolve_summit(ident, summit_id):
    assert resolve_summit(ident) == summit_id


@pytest.mark.parametrize(
    ("ident", "needle"),
    [("Moscow 2003", "no summit in 2003"), ("Tokyo 1990", "the summits of 1990 are"),
     ("1990", "ambiguous"), ("Geneva", "expected a summit id")],
)
def test_resolve_summit_errors(ident, needle):
    with pytest.raises(SummitryError, match=needle):
        resolve_summit(ident)


def test_closest_precedents_explicit_first_then_similar():
    sc = scenario({"mapping": MAPPING,
                   "precedents": ["Geneva 1985", "Ljubljana 2001", "Helsinki 2018"]})
    prec = closest_precedents(sc, k=5)
    assert list(prec["summit_id"][:3]) == ["1985-geneva", "2001-ljubljana", "2018-helsinki"]
    assert list(prec["explicit"]) == [True] * 3 + [False] * 5
    assert len(prec) == 8
    assert list(prec["outcome"][:3]) == ["joint_statement_only", "no_agreement",
                                         "no_agreement"]
    assert list(prec["outcome_name"][:3]) == ["Symbolic win", "Collapse", "Collapse"]
    rest = prec["similarity"][3:].to_numpy()
    assert all(rest[:-1] >= rest[1:])
    # Ukraine and arms control on the agenda: 1994 Moscow shares both words
    assert "1994-moscow" in set(prec["summit_id"])
    assert "Ukraine" in prec.set_index("summit_id").loc["1994-moscow", "shared"]


def test_closest_precedents_without_reference():
    prec = closest_precedents(scenario(), k=3)
    assert len(prec) == 3 and not prec["explicit"].any()
    assert set(prec["outcome_name"]) == {""}
    assert (prec["similarity"] > 0).all()


def test_format_counts_in_similarity():
    sc_bi = scenario({"mapping": MAPPING})
    sc_mp = scenario({"mapping": MAPPING, "filters": {"format": "multilateral_sidelines",
                                                      "core": False}})
    top_bi = closest_precedents(sc_bi, k=44)
    top_mp = closest_precedents(sc_mp, k=44)
    s_bi = top_bi.set_index("summit_id")["similarity"]
    s_mp = top_mp.set_index("summit_id")["similarity"]
    assert s_mp["1991-london"] - s_bi["1991-london"] == pytest.approx(0.2)
    assert s_bi["1991-moscow"] - s_mp["1991-moscow"] == pytest.approx(0.2)


def test_bad_explicit_precedent():
    sc = scenario({"mapping": MAPPING, "precedents": ["Atlantis 1066"]})
    with pytest.raises(SummitryError, match="Atlantis 1066"):
        closest_precedents(sc)


def test_alaska_example_precedents_resolve():
    """The shipped Alaska example's precedents must all name summits of the record."""
    from summitry import examples
    from summitry.io import load

    sc = load(examples.path("alaska-2025"))
    assert sc.reference is not None
    ids = [resolve_summit(p) for p in sc.reference.precedents]
    assert {"1985-geneva", "2001-ljubljana", "2018-helsinki"} <= set(ids)
    prec = closest_precedents(sc)
    assert prec["explicit"].sum() == len(set(ids))
    if sc.reference.mapping:
        assert set(map_to_outcomes(base_rates(sc.reference.filters), sc)) == set(
            sc.outcome_names)


def test_unknown_name_error_is_a_summitry_error():
    assert issubclass(UnknownNameError, SummitryError)
