"""KTAB wide CSV and XML scenarios (summitry.io.ktab).

The example files are KAPSARC KTAB's (MIT, tests/data/ktab/LICENSE); the SOE tables are
the China state-owned-enterprise cases of Efird, Lester & Wise (2016).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summitry.errors import InputError, ParseError, ValidationError
from summitry.io import detect_format, load

KTAB = Path(__file__).resolve().parent.parent / "data" / "ktab"

CSV = """\
Tiny,"A tiny test",2,2,
Actor,Description,Power,Pstn1,Sal1,Pstn2,Sal2,
A,First actor,10,20,30,40,50,
B,Second actor,5,60,70,80,90,
"""

XML = """<?xml version="1.0" encoding="UTF-8"?>
<Scenario>
  <name>Tiny</name>
  <desc>A tiny test</desc>
  <prngSeed>42</prngSeed>
  {params}
  <Dimensions><dName>One</dName><dName>Two</dName></Dimensions>
  <Actors>
    <Actor><name>A</name><description>First</description><capability>{cap}</capability>
      <Position><dCoord>{pos}</dCoord><dCoord>40</dCoord></Position>
      <Salience><dSal>30</dSal><dSal>50</dSal></Salience></Actor>
    <Actor><name>B</name><description>Second</description><capability>5</capability>
      <Position><dCoord>60</dCoord><dCoord>80</dCoord></Position>
      <Salience><dSal>70</dSal><dSal>90</dSal></Salience></Actor>
  </Actors>
  {extra}
</Scenario>
"""


def xml(params: str = "", cap: str = "10", pos: str = "20", extra: str = "") -> str:
    return XML.format(params=params, cap=cap, pos=pos, extra=extra)


# --- the shared example files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "n_actors", "n_dims"),
    [
        ("dummyData_3Dim.csv", 7, 3),
        ("dummyData_6Dim.csv", 27, 6),
        ("dummyData-a040.csv", 40, 1),
        ("dummyData-a080.csv", 80, 1),
        ("dummyData-a160.csv", 160, 1),
        ("SOE-Policy.csv", 26, 1),
        ("SOE-Competitive.csv", 34, 1),
        ("SOE-Pol-Comp.csv", 13, 2),
        ("dummyData_3Dim.xml", 7, 3),
    ],
)
def test_examples_load(name: str, n_actors: int, n_dims: int) -> None:
    path = KTAB / name
    assert detect_format(path) == ("ktab-xml" if name.endswith(".xml") else "ktab-csv")
    s = load(path)
    assert (len(s.actors), len(s.issues), len(s.stances)) == (n_actors, n_dims,
                                                               n_actors * n_dims)
    assert s.salience_scale == "0-100"
    assert all((i.lower, i.upper) == (0.0, 100.0) for i in s.issues)
    s.problem()


def test_dummy_3dim_values_and_csv_equals_xml() -> None:
    csv = load(KTAB / "dummyData_3Dim.csv")
    xml_ = load(KTAB / "dummyData_3Dim.xml")
    assert csv.issue_ids == xml_.issue_ids == ("Pstn1", "Pstn2", "Pstn3")
    a0 = csv.actor("SActor-00")
    assert a0.capability == 102.543 and a0.description == "Random Spatial Actor"
    st = csv.stance("SActor-00", "Pstn2")
    assert st is not None and (st.position, st.salience) == (6.37, 5.91)
    assert csv.meta.title == xml_.meta.title == "DummyData_3Dim"
    assert csv.meta.summary == "Dummy scenario to test reading format"
    assert csv.actors == xml_.actors and csv.stances == xml_.stances
    assert xml_.model_params == {"smp": {"seed": 3707583219545544125}}
    assert csv.model_params == {}


def test_soe_values() -> None:
    s = load(KTAB / "SOE-Pol-Comp.csv")
    assert s.issue_ids == ("Policy", "Competitive")  # "Policy Position" → "Policy"
    xj = s.actor("XJ")
    assert xj.description == "Xi Jinping" and xj.capability == 100.0
    st = s.stance("LK", "Competitive")
    assert st is not None and (st.position, st.salience) == (65.0, 41.3)
    assert s.meta.title == "China Policy/Competitive; scen 2"


def test_smp_example() -> None:
    s = load(KTAB / "smpExample.xml")
    assert s.actor_ids == ("Alice", "Bob", "Carol", "David", "Ellie")
    assert s.issue_ids == ("FirstDim", "SecondDim", "YADN")
    # Alice's first <dCoord> is empty: documented default, no stance there
    assert s.stance("Alice", "FirstDim") is None
    assert len(s.stances) == 14
    st = s.stance("Alice", "SecondDim")
    assert st is not None and (st.position, st.salience) == (39.8, 22.4)
    smp = s.model_params["smp"]
    assert smp["seed"] == 3507583219545544127 and isinstance(smp["seed"], int)
    assert smp["voting"] == "prop_cbc" and smp["pce"] == "markov_incentive"
    assert smp["transition"] == "stochastic" and smp["bargain_model"] == "init_only"
    assert set(smp) == {"victory", "pce", "transition", "voting", "risk_adjust",
                        "risk_range", "third_party", "bargain", "bargain_model", "seed",
                        "accommodation"}
    pairs = s.model_params["smp"]["accommodation"]
    assert len(pairs) == 6
    assert pairs[2] == {"actor": "Bob", "reference": "Alice", "adjust": 0.07}


def test_smp_example_params_are_accepted_by_the_model() -> None:
    from summitry.forecast import resolve_models

    s = load(KTAB / "smpExample.xml")
    (model,) = resolve_models("smp", s)
    assert model.voting == "prop_cbc" and model.seed == 3507583219545544127


def test_smp_example_empty_value_as_error() -> None:
    with pytest.raises(ValidationError) as info:
        load(KTAB / "smpExample.xml", empty="error")
    exc = info.value
    assert exc.location == "Actors/Actor[1] (Alice)/Position/dCoord[1]"
    assert "position on FirstDim is missing" in exc.reason
    assert exc.found == "an empty cell" and "smpExample.xml" in str(exc)


# --- CSV errors ---------------------------------------------------------------------------------


def one_error(path: Path, kind: type[InputError] = ValidationError, **kw) -> InputError:
    with pytest.raises(kind) as info:
        load(path, **kw)
    exc = info.value
    assert path.name in str(exc)
    return exc


def test_csv_small(write) -> None:
    s = load(write("tiny.csv", CSV))
    assert s.issue_ids == ("Pstn1", "Pstn2")
    assert s.actor("B").capability == 5.0


@pytest.mark.parametrize(
    ("old", "new", "location", "needle", "expected", "found"),
    [
        ("B,Second actor,5,60", "B,Second actor,5,x60", "row 4", "position on Pstn1 is not",
         "a number", "x60"),
        ("B,Second actor,5,60", "B,Second actor,5,NaN", "row 4", "not a finite number",
         "a finite number", "NaN"),
        ("B,Second actor,5,60", "B,Second actor,5,160", "row 4", "position on Pstn1 is "
         "outside 0–100", "between 0 and 100", "160"),
        ("70,80,90,", "70,80,-9,", "row 4", "salience on Pstn2 is outside 0–100",
         "between 0 and 100", "-9"),
        ("B,Second actor,5,", "B,Second actor,-5,", "row 4", "power is negative",
         "0 or more", "-5"),
        ("70,80,90,\n", "70,80\n", "row 4", "wrong number of cells", "7 cells", "6"),
        ("70,80,90,\n", "70,80,\n", "row 4", "salience on Pstn2 is missing", "a number",
         "an empty cell"),
        ("70,80,90,", "70,80,90,100", "row 4", "wrong number of cells", "7 cells", "8"),
        ("Tiny,\"A tiny test\",2,2", "Tiny,\"A tiny test\",3,2", "row 1",
         "number of actor rows does not match", "3 actor row(s)", "2"),
        ("Tiny,\"A tiny test\",2,2", "Tiny,\"A tiny test\",2,3", "row 2",
         "does not match the declared number of dimensions", "3 position/salience", "2 pair"),
        ("Tiny,\"A tiny test\",2,2", "Tiny,\"A tiny test\",two,2", "row 1",
         "number of actors is not a number", "a number", "two"),
        ("Tiny,\"A tiny test\",2,2", "Tiny,\"A tiny test\",2.5,2", "row 1",
         "not a positive whole number", "whole number", "2.5"),
        ("B,Second", "A,Second", "row 4", "duplicate actor 'A' (first in row 3)",
         "each actor once", None),
    ],
)
def test_csv_bad_value(write, old, new, location, needle, expected, found) -> None:
    assert old in CSV
    exc = one_error(write("bad.csv", CSV.replace(old, new)))
    (problem,) = exc.problems or [exc]
    assert problem.location == location
    assert needle in problem.reason
    assert problem.expected is not None and expected in problem.expected
    if found is not None:
        assert problem.found is not None and found in str(problem.found)


def test_csv_several_problems(write) -> None:
    text = CSV.replace("10,20,30", "10,x,30").replace("5,60,70", "5,60,700")
    exc = one_error(write("two.csv", text))
    assert [p.location for p in exc.problems] == ["row 3", "row 4"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Tiny,x,1,1\n", "needs a scenario row and a header row"),
        ("Tiny,x\nActor,Description,Power,P,S\nA,d,1,1,1\n", "scenario row is too short"),
        ("Tiny,x,1,1\nActor,Description,Power,P\nA,d,1,1\n", "without its salience"),
    ],
)
def test_csv_structure(write, text: str, needle: str) -> None:
    exc = one_error(write("s.csv", text), ParseError, format="ktab-csv")
    assert needle in str(exc)


def test_csv_header_not_ktab(write) -> None:
    exc = one_error(write("h.csv", "Tiny,x,1,1\nName,Description,Power,P,S\nA,d,1,1,1\n"),
                    ParseError, format="ktab-csv")
    assert exc.location == "row 2" and exc.found == "Name, Description, Power"
    assert "Actor, Description, Power (or Influence)" in (exc.expected or "")


def test_csv_empty(write) -> None:
    with pytest.raises(ParseError, match="empty"):
        load(write("e.csv", ""), format="ktab-csv")


def test_csv_wrong_delimiter(write) -> None:
    exc = one_error(write("semi.csv", CSV.replace(",", ";")), ParseError, format="ktab-csv")
    assert "too short" in str(exc) and "row 1" in str(exc)


def test_unknown_option(write) -> None:
    with pytest.raises(ParseError, match="only the reader option 'empty'"):
        load(write("tiny.csv", CSV), sheet="x")
    with pytest.raises(ParseError, match="'skip' or 'error'"):
        load(write("tiny2.csv", CSV), empty="zero")


# --- XML --------------------------------------------------------------------------------------


def test_xml_small(write) -> None:
    s = load(write("tiny.xml", xml()))
    assert s.issue_ids == ("One", "Two") and s.model_params == {"smp": {"seed": 42}}
    assert s.actor("A").description == "First"


def test_xml_refuses_entities(write) -> None:
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<Scenario><name>&lol2;</name></Scenario>')
    exc = one_error(write("bomb.xml", bomb), ParseError)
    assert "DOCTYPE or an ENTITY" in str(exc)


def test_xml_syntax_error(write) -> None:
    exc = one_error(write("broken.xml", xml().replace("</desc>", "</dsc>")), ParseError)
    assert "not valid XML: mismatched tag" in exc.reason
    assert exc.location is not None and exc.location.startswith("line 4, column ")


def test_xml_wrong_root(write) -> None:
    exc = one_error(write("root.xml", "<Model><Actors/></Model>"), ParseError)
    assert exc.expected == "a <Scenario> root element" and exc.found == "<Model>"


def test_xml_no_dimensions(write) -> None:
    exc = one_error(write("nodim.xml", "<Scenario><Actors/></Scenario>"), ParseError)
    assert "no dimensions" in exc.reason


@pytest.mark.parametrize(
    ("kw", "location", "needle", "found"),
    [
        ({"cap": "lots"}, "Actors/Actor[1] (A)/capability", "capability is not a number",
         "lots"),
        ({"cap": "-1"}, "Actors/Actor[1] (A)/capability", "capability is negative", "-1"),
        ({"pos": "inf"}, "Actors/Actor[1] (A)/Position/dCoord[1]", "not a finite number",
         "inf"),
        ({"pos": "101"}, "Actors/Actor[1] (A)/Position/dCoord[1]", "position on One is "
         "outside 0–100", "101"),
        ({"pos": "20</dCoord><dCoord>3"}, "Actors/Actor[1] (A)/Position",
         "wrong number of <dCoord> values", "3"),
        ({"params": "<ModelParameters><VotingRule>Plurality</VotingRule></ModelParameters>"},
         "ModelParameters/VotingRule", "unknown value 'Plurality'", "Plurality"),
        ({"params": "<ModelParameters><Voting>PropCbc</Voting></ModelParameters>"},
         "ModelParameters/Voting", "unknown KTAB model parameter 'Voting'", "PropCbc"),
        ({"extra": "<IdealAdjustment><iaPair><adjustingIdeal>Zed</adjustingIdeal>"
                   "<referencePos>A</referencePos><adjust>0.5</adjust></iaPair>"
                   "</IdealAdjustment>"},
         "IdealAdjustment/iaPair[1]/adjustingIdeal", "unknown actor 'Zed'", "Zed"),
    ],
)
def test_xml_bad_value(write, kw, location, needle, found) -> None:
    exc = one_error(write("bad.xml", xml(**kw)))
    (problem,) = exc.problems or [exc]
    assert problem.location == location
    assert needle in problem.reason
    assert problem.found == found


def test_xml_bad_seed(write) -> None:
    exc = one_error(write("seed.xml", xml().replace("<prngSeed>42", "<prngSeed>-4")))
    assert exc.location == "prngSeed" and exc.found == "-4"
    assert exc.expected == "an unsigned 64-bit integer"


def test_xml_empty_parameter_keeps_the_default(write) -> None:
    params = "<ModelParameters><VotingRule> </VotingRule><PCEModel>Conditional</PCEModel>" \
             "</ModelParameters>"
    s = load(write("p.xml", xml(params=params)))
    assert s.model_params["smp"] == {"pce": "conditional", "seed": 42}


def test_xml_issue_without_stances(write) -> None:
    text = xml(pos="").replace("<dCoord>60</dCoord>", "<dCoord></dCoord>")
    exc = one_error(write("nostance.xml", text))
    assert "issue 'One' has no stances" in str(exc)
