"""DEU III files (summitry.io.deu): the reader on synthetic files with the real header.

The header is the 75 columns of DEU III (Arregui & Perarnaud 2022; specs/models.md §3);
the dev file is tests/data/deu3/deu3_dev.csv (CC BY 4.0, LICENSE-NOTE.md beside it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import ParseError, SummitryError, ValidationError
from summitry.io import detect_format, load, load_many
from summitry.io.deu import COLUMNS, DeuSkipWarning, parse, parse_date

DEV = Path(__file__).resolve().parent.parent / "data" / "deu3" / "deu3_dev.csv"
CODES = ["com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el",
         "hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es",
         "se", "uk"]


def row(issue: str, proposal: str, *, pos: dict[str, str], sal: dict[str, str], rp: str,
        out: str, proc: str = "COD", intro: str = "23-03-00", finact: str = "999",
        vote: str = "QMV") -> list[str]:
    """A DEU row: positions/saliences by actor code, everything else empty."""
    ids = ["1", issue[-1], proposal, "buses", issue, "Dir", "Trans", proc, vote, "3", "2",
           intro, finact]
    return ids + [pos.get(c, "") for c in CODES] + [sal.get(c, "") for c in CODES] + [rp, out]


GOOD = row("d1i1", "d1", pos={"com": "100", "ep": "50", "de": "0", "fr": "999", "uk": "40"},
           sal={"com": "80", "ep": "", "de": "90", "fr": "70", "uk": "999", "it": "0"},
           rp="0", out="60")
NO_OUTCOME = row("d1i2", "d1", pos={"com": "0", "ep": "100", "de": "50"},
                 sal={"com": "50", "ep": "50", "de": "50"}, rp="", out="999")
TWO_ACTORS = row("d2i1", "d2", pos={"com": "0", "de": "100"}, sal={"com": "50", "de": "50"},
                 rp="", out="20", proc="CNS", intro="2021-09-05", finact="11-06-08")
NO_SALIENCE = row("d3i1", "d3", pos={"com": "0", "de": "100", "fr": "50"}, sal={}, rp="",
                  out="50")
NOT_A_NUMBER = row("d4i1", "d4", pos={"com": "abc", "de": "100", "fr": "50"},
                   sal={"com": "50", "de": "50", "fr": "50"}, rp="", out="50")
NO_ACTOR = row("d5i1", "d5", pos={}, sal={"com": "50"}, rp="", out="50")


def text(rows: list[list[str]], delim: str = ";", quote: bool = False) -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if quote else c

    lines = [delim.join(cell(c) for c in COLUMNS)]
    lines += [delim.join(cell(c) for c in r) for r in rows]
    return "\n".join(lines) + "\n"


def test_header_is_the_real_one() -> None:
    first = DEV.read_text(encoding="utf-8").splitlines()[0]
    assert tuple(first.split(";")) == COLUMNS
    assert len(COLUMNS) == 75


def test_one_issue(write) -> None:
    path = write("deu.csv", text([GOOD, NO_OUTCOME, TWO_ACTORS]))
    assert detect_format(path) == "deu"
    s = load(path, issue="d1i1")
    # 999 and empty positions are missing: fr (999) and it (no position) are not actors
    assert s.actor_ids == ("com", "ep", "de", "uk")
    assert s.actor("de").name == "Germany"
    assert s.salience_scale == "0-100"
    got = {st.actor: (st.position, st.salience) for st in s.stances}
    # ep's empty salience and uk's 999 salience are missing → 50 (the documented rule)
    assert got == {"com": (100, 80), "ep": (50, 50), "de": (0, 90), "uk": (40, 50)}
    (iss,) = s.issues
    assert iss.id == "d1i1" and iss.status_quo == 0
    deu = s.model_params["deu"]
    assert deu["outcomes"] == {"d1i1": 60.0}
    assert deu["procedure"] == "COD" and deu["proposal"] == "d1" and deu["vote"] == "QMV"
    assert deu["imputed_salience"] == {"d1i1": ["ep", "uk"]}
    assert deu["intro"] == "2000-03-23" and deu["final_act"] is None
    assert s.meta.event_date == dt.date(2000, 3, 23)
    assert "COD" in s.meta.keywords
    assert all(a.capability == 1.0 for a in s.actors)  # default convention: equal
    # the issue's row number and its isnrnmc select it too
    assert load(path, issue="2").issue_ids == ("d1i1",)
    assert load(path, issue="1").issue_ids == ("d1i1",)


def test_missing_salience_option_and_outcome_missing(write) -> None:
    path = write("deu.csv", text([GOOD, NO_OUTCOME]))
    s = load(path, issue="d1i1", missing_salience=0)
    assert {st.actor: st.salience for st in s.stances}["ep"] == 0
    t = load(path, issue="d1i2")  # a forecastable scenario, no known outcome
    assert t.model_params["deu"]["outcomes"] == {"d1i2": None}
    assert t.issue("d1i2").status_quo is None


def test_proposal_and_whole_file(write) -> None:
    path = write("deu.csv", text([GOOD, NO_OUTCOME, TWO_ACTORS]))
    s = load(path, proposal="d1")
    assert s.issue_ids == ("d1i1", "d1i2")
    assert s.model_params["deu"]["outcomes"] == {"d1i1": 60.0, "d1i2": None}
    assert s.problem().positions.shape == (1, 4, 2)
    with pytest.raises(ValidationError, match="3 issues of 2 proposals"):
        load(path)
    one = write("one.csv", text([GOOD, NO_OUTCOME]))
    assert load(one).issue_ids == ("d1i1", "d1i2")  # one proposal: loads as it is
    with pytest.raises(ValidationError, match="no issue 'zz'"):
        load(path, issue="zz")
    with pytest.raises(ValidationError, match="no proposal"):
        load(path, proposal="d9")


def test_delimiters_and_quotes_read_alike(write) -> None:
    rows = [GOOD, NO_OUTCOME, TWO_ACTORS]
    ref = load(write("a.csv", text(rows)), issue="d1i1")
    for k, (delim, quote) in enumerate([("\t", False), (",", False), (",", True),
                                        (";", True), ("\t", True)]):
        other = load(write(f"b{k}.csv", text(rows, delim, quote)), issue="d1i1")
        assert other.stances == ref.stances and other.issues == ref.issues
        assert other.model_params["deu"]["outcomes"] == ref.model_params["deu"]["outcomes"]


def test_skipped_rows_are_counted(write) -> None:
    short = GOOD[:40]
    bad_rows = [GOOD, NO_SALIENCE, NOT_A_NUMBER, NO_ACTOR, short, list(GOOD)]
    data = parse(write("deu.csv", text(bad_rows)))
    assert [it.issue for it in data.issues] == ["d1i1"]
    reasons = data.reasons()
    assert reasons == {"no salience": 1, "not a number": 1, "no actor": 1,
                       "wrong number of cells": 1, "duplicate issue": 1}
    bad = next(s for s in data.skipped if s.reason.startswith("not a number"))
    assert "pcom" in bad.reason and bad.row == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenarios = load_many(write("deu2.csv", text(bad_rows)))
    assert len(scenarios) == 1
    (w,) = [c for c in caught if issubclass(c.category, DeuSkipWarning)]
    assert "5 row(s) skipped" in str(w.message) and "1 × no salience" in str(w.message)


def test_scoreable_needs_outcome_and_three_actors(write) -> None:
    data = parse(write("deu.csv", text([GOOD, NO_OUTCOME, TWO_ACTORS, NO_ACTOR])))
    keep, skipped = data.scoreable(3)
    assert [it.issue for it in keep] == ["d1i1"]
    assert [s.reason.split(":")[0] for s in skipped] == [
        "no valid outcome", "too few actors", "no actor"]


def test_nothing_usable_is_a_clear_error(write) -> None:
    path = write("deu.csv", text([NO_SALIENCE, NO_ACTOR]))
    with pytest.raises(ValidationError, match="no usable issue") as info:
        load_many(path)
    assert "1 no salience" in str(info.value) and "row 2" in str(info.value)


def test_wrong_columns(write) -> None:
    head = ";".join(c for c in COLUMNS if c not in ("rp", "pde")) + ";outcome"
    path = write("deu.csv", "prnrnmc" + head.removeprefix("prnrnmc") + "\n1;2\n")
    with pytest.raises(ParseError) as info:
        load(path, format="deu")
    msg = str(info.value)
    assert "lacks 2 DEU III column(s): pde, rp" in msg and "row 1" in msg
    with pytest.raises(ParseError, match="unknown reader option"):
        load(write("ok.csv", text([GOOD])), colour="red")
    with pytest.raises(ParseError, match="capability"):
        load(write("ok2.csv", text([GOOD])), capability="power")


def test_capability_conventions(write) -> None:
    path = write("deu.csv", text([GOOD, TWO_ACTORS]))
    votes = load(path, issue="d1i1", capability="votes")
    assert votes.model_params["deu"]["period"] == "pre-nice"
    caps = {a.id: a.capability for a in votes.actors}
    assert caps["de"] == pytest.approx(caps["uk"])  # 10 votes each before Nice
    ssi = load(path, issue="d1i1", capability="ssi")
    # COD: the Parliament is a veto player with the largest index
    sc = {a.id: a.capability for a in ssi.actors}
    assert sc["ep"] > sc["com"] > sc["de"] > 0
    cns = load(path, issue="d2i1", capability="ssi")  # CNS: Parliament only consulted
    assert cns.model_params["deu"]["period"] == "nice-27"  # final act 11 June 2008
    assert {a.id for a in cns.actors} == {"com", "de"}
    forced = load(path, issue="d1i1", capability="ssi", period="lisbon")
    assert forced.model_params["deu"]["period"] == "lisbon"


def test_other_procedures_and_votes(write) -> None:
    # cooperation (SYN) plays the consultation game, an empty vote is QMV, Unan: vetoes
    syn = row("d8i1", "d8", pos={"com": "0", "ep": "100", "de": "50"},
              sal={"com": "50", "ep": "50", "de": "50"}, rp="", out="50", proc="SYN",
              vote="")
    unan = row("d9i1", "d9", pos={"com": "0", "ep": "100", "de": "50"},
               sal={"com": "50", "ep": "50", "de": "50"}, rp="", out="50", vote="Unan")
    path = write("deu.csv", text([syn, unan]))
    s = {a.id: a.capability for a in load(path, issue="d8i1", capability="ssi").actors}
    assert s["ep"] == 0.0 and s["com"] > s["de"] > 0
    u = {a.id: a.capability for a in load(path, issue="d9i1", capability="ssi").actors}
    assert u["com"] == 0.0 and u["ep"] == pytest.approx(u["de"]) == pytest.approx(1 / 16)


def test_period_follows_membership(write) -> None:
    # a proposal of 2000 with a position of Poland: at least the EU-25 Council
    r = row("d7i1", "d7", pos={"com": "0", "de": "100", "pl": "50"},
            sal={"com": "50", "de": "50", "pl": "50"}, rp="", out="50")
    (it,) = parse(write("deu.csv", text([r]))).issues
    assert it.period() == "nice-25"


def test_dates() -> None:
    assert parse_date("23-03-00") == dt.date(2000, 3, 23)
    assert parse_date("14-09-2016") == dt.date(2016, 9, 14)
    # the turned-around form of the release: 2023-07-01 is 23 July 2001, 1930-07-08 is
    # 30 July 2008
    assert parse_date("2023-07-01") == dt.date(2001, 7, 23)
    assert parse_date("1930-07-08") == dt.date(2008, 7, 30)
    assert parse_date("2016-09-14", dates="iso") == dt.date(2016, 9, 14)
    assert parse_date("999") is None and parse_date("") is None
    assert parse_date("31-02-01") is None


def test_dev_file() -> None:
    data = parse(DEV)
    assert len(data.issues) == 242 and not data.skipped
    assert len({it.proposal for it in data.issues}) == 92
    keep, skipped = data.scoreable()
    assert len(keep) == 242 and not skipped
    # the date reading puts every final act on or after its proposal
    both = [(it.intro, it.final_act) for it in data.issues if it.intro and it.final_act]
    assert len(both) == 229 and all(a <= b for a, b in both)
    assert sum(it.reference is not None for it in data.issues) == 170


def test_scenario_problem_matches_backtest_problem() -> None:
    from summitry.backtest_deu import deu_problem

    data = parse(DEV)
    batch = deu_problem(data.issues[:20], capability="ssi")
    for k in (0, 7, 19):
        it = data.issues[k]
        s = load(DEV, issue=it.issue, capability="ssi")
        p = s.problem()
        cols = [batch.actors.index(a) for a in p.actors]
        np.testing.assert_allclose(p.positions[0, :, 0], batch.positions[k, cols, 0])
        np.testing.assert_allclose(p.salience[0, :, 0], batch.salience[k, cols, 0])
        np.testing.assert_allclose(p.capability[0, :, 0], batch.capability[k, cols, 0])
        assert batch.active[k, :, 0].sum() == len(p.actors)
        sq = batch.status_quo[k, 0]
        assert (math.isnan(sq) and math.isnan(p.status_quo[0, 0])) or sq == p.status_quo[0, 0]


def test_load_many_by_proposal() -> None:
    scen = load_many(DEV, by="proposal")
    assert len(scen) == 92 and sum(len(s.issues) for s in scen) == 242


CELL = st.one_of(st.sampled_from(["", "0", "50", "100", "999", "-1", "NA", "x", "1,5", "'7'",
                                  "2023-07-01", "23-03-00"]),
                 st.integers(-5, 120).map(str))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=70, max_size=76), max_size=5),
       delim=st.sampled_from([";", ",", "\t"]))
def test_fuzz_only_summitry_errors(write, rows: list[list[str]], delim: str) -> None:
    path = write("fuzz.csv", text(rows, delim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeuSkipWarning)
        for call in (lambda: load_many(path), lambda: load(path, issue="2")):
            with contextlib.suppress(SummitryError):
                call()
