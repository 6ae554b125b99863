"""decide-exchange-model input files (summitry.io.decide).

The example files are decide-exchange-model's own (GPL-3.0, tests/data/decide/
LICENSE.GPL-3.0.txt): sample_data.txt (Dutch road-toll case), copenhagen.csv (COP15),
cop21.csv (COP21) and copenhagen_with_errors.csv (deliberately malformed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summitry.errors import InputError, ParseError, SummitryError, ValidationError
from summitry.io import detect_format, load

DECIDE = Path(__file__).resolve().parent.parent / "data" / "decide"

HEADER = """\
#A\tusa\tUnited States\tthe hegemon
#A\teu\tEuropean Union
#A\tcn\tChina
#P\tcap\tEmission cap\tGt CO2
#M\tcap\t0\tnone
#M\tcap\t50\thalf
#M\tcap\t100\tfull
#P\tfund\tClimate fund
"""

GOOD = HEADER + """\
#D\tusa\tcap\t10\t0.9\t0.5
#D\teu\tcap\t80\t0.6\t0.3
#D\tcn\tcap\t30\t0.7\t0.4
#D\tusa\tfund\t20\t0.5\t0.5
#D\teu\tfund\t90\t0.8\t0.2
"""


def problems_of(exc: InputError) -> list[InputError]:
    return exc.problems or [exc]


# --- the shared example files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "n_actors", "n_issues", "n_stances"),
    [
        ("sample_data.txt", 10, 6, 60),
        ("copenhagen.csv", 11, 7, 75),  # Russia has no stance on Commitments and Extra
        ("cop21.csv", 15, 13, 181),
    ],
)
def test_examples_load(name: str, n_actors: int, n_issues: int, n_stances: int) -> None:
    path = DECIDE / name
    assert detect_format(path) == "decide"
    s = load(path)
    assert (len(s.actors), len(s.issues), len(s.stances)) == (n_actors, n_issues, n_stances)
    assert s.salience_scale == "0-1"
    assert s.id == path.stem
    s.problem()  # the arrays build


def test_sample_data_values() -> None:
    s = load(DECIDE / "sample_data.txt")
    toll = s.issue("tol-hoogte")
    assert (toll.lower, toll.upper) == (0.5, 7.0)  # '#M' rows 0.5 and 7
    assert toll.anchors == {0.5: "0.5", 7.0: "7"}
    assert s.issue("wanneer-tol").description == "Wat is dit voor onzin?"
    st = s.stance("Willems", "tol-hoogte")
    assert st is not None and (st.position, st.salience) == (3.0, 0.7)
    assert s.actor("GL").capability == 0.6 and not s.actor("GL").capability_by_issue
    assert s.actor("Willems").description == "Test"
    assert s.actor_ids[:3] == ("Willems", "PvdA", "GL")


def test_copenhagen_values() -> None:
    s = load(DECIDE / "copenhagen.csv")
    eu = s.actor("EU (incl Norway)")
    assert eu.id == "EU_incl_Norway" and eu.name == "EU (incl Norway)"
    assert eu.capability == 0.156
    assert s.stance("Russia", "Commitments") is None
    st = s.stance("China_India", "Extra")
    assert st is not None and (st.position, st.salience) == (90.0, 0.85)


def test_copenhagen_with_errors_names_each_bad_row() -> None:
    with pytest.raises(ValidationError) as info:
        load(DECIDE / "copenhagen_with_errors.csv")
    exc = info.value
    text = str(exc)
    assert "copenhagen_with_errors.csv" in text
    assert [p.location for p in exc.problems] == ["row 86", "row 87"]
    pos, power = exc.problems
    # row 86: Russia's position on Control is 160 on a 0-100 scale (no #M rows)
    assert "outside the scale of issue 'Control'" in str(pos)
    assert pos.expected is not None and "between 0 and 100" in pos.expected
    assert pos.found == "160"
    # row 87: China India's power is -0.247
    assert "power is negative" in str(power) and power.found == "-0.247"
    assert "row 86" in text and "row 87" in text and "found 160" in text


def test_copenhagen_with_errors_fixed_equals_copenhagen(write) -> None:
    """With its two defects fixed, the unquoted file with comments gives the same data."""
    text = (DECIDE / "copenhagen_with_errors.csv").read_text()
    text = text.replace("Control\t160\t", "Control\t60\t").replace("-0.247", "0.247")
    fixed = load(write("fixed.csv", text))
    orig = load(DECIDE / "copenhagen.csv")
    assert fixed.meta.title == "Copenhagen negotiations"  # the #O row
    rename = {"Canadas": "Canada", "Japans": "Japan"}

    def table(s):
        return {(rename.get(st.actor, st.actor), st.issue): (st.position, st.salience)
                for st in s.stances}

    assert table(fixed) == table(orig)
    assert {a.id: a.capability for a in fixed.actors} == {
        rename.get(a.id, a.id): a.capability for a in orig.actors}
    assert fixed.issue("Newtreaty").name == "Copenhagen new treaty vs extension of Kyoto"
    assert (fixed.issue("Control").lower, fixed.issue("Control").upper) == (0.0, 100.0)


# --- the format -------------------------------------------------------------------------------


def test_small_file(write) -> None:
    s = load(write("small.txt", GOOD))
    assert s.actor("usa").name == "United States"
    assert s.actor("usa").description == "the hegemon"
    cap = s.issue("cap")
    assert cap.name == "Emission cap" and cap.description == "Gt CO2"
    assert cap.anchors == {0.0: "none", 50.0: "half", 100.0: "full"}
    assert (s.issue("fund").lower, s.issue("fund").upper) == (0.0, 100.0)  # no #M rows
    assert s.stance("cn", "fund") is None  # no #D row: no stance


@pytest.mark.parametrize("delim", ["\t", ";", ","])
def test_delimiters_and_quotes(write, delim: str) -> None:
    quoted = "\n".join(delim.join(f"'{c}'" for c in line.split("\t"))
                       for line in GOOD.splitlines())
    plain = load(write("plain.txt", GOOD))
    s = load(write(f"q{ord(delim)}.txt", quoted))
    assert s.model_copy(update={"id": plain.id}) == plain


def test_decimal_comma_with_semicolons(write) -> None:
    text = GOOD.replace("\t", ";").replace("0.9", "0,9")
    s = load(write("comma.csv", text))
    st = s.stance("usa", "cap")
    assert st is not None and st.salience == 0.9


def test_decimal_comma_in_a_comma_file(write) -> None:
    text = GOOD.replace("\t", ",") + "#D,cn,fund,50,0,5,1\n"
    with pytest.raises(ValidationError) as info:
        load(write("dc.csv", text))
    exc = info.value
    assert exc.location == "row 14" and "decimal comma" in exc.reason
    assert exc.found == "6 values"


def test_power_per_issue_is_kept(write) -> None:
    text = GOOD + "#D\tcn\tfund\t50\t0.5\t0.9\n"
    text = text.replace("#D\tusa\tfund\t20\t0.5\t0.5", "#D\tusa\tfund\t20\t0.5\t0.7")
    s = load(write("power.txt", text))
    assert s.actor("usa").capability == 0.5
    assert s.actor("usa").capability_by_issue == {"fund": 0.7}
    assert s.actor("cn").capability == 0.4
    assert s.actor("cn").capability_on("fund") == 0.9
    cap = s.problem().capability[0]
    assert cap[s.actor_ids.index("usa")].tolist() == [0.5, 0.7]


def test_ids_are_made_safe_and_unique(write) -> None:
    text = ("#A\tA B\n#A\tA_B\n#A\tCôte d’Ivoire\n#P\t2020 target\n"
            "#D\tA B\t2020 target\t1\t1\t1\n#D\tA_B\t2020 target\t2\t1\t1\n"
            "#D\tCôte d’Ivoire\t2020 target\t3\t1\t1\n")
    s = load(write("ids.txt", text))
    assert s.actor_ids == ("A_B", "A_B_2", "Cote_d_Ivoire")
    assert [a.name for a in s.actors] == ["A B", "A_B", "Côte d’Ivoire"]
    assert s.issue_ids == ("i_2020_target",)
    assert s.issues[0].name == "2020 target"


# --- errors -----------------------------------------------------------------------------------


def test_empty_file(write) -> None:
    with pytest.raises(ParseError, match="empty"):
        load(write("empty.txt", "  \n"), format="decide")


def test_wrong_delimiter(write) -> None:
    path = write("pipes.txt", GOOD.replace("\t", "|"))
    with pytest.raises(ParseError) as info:
        load(path)
    text = str(info.value)
    assert "pipes.txt" in text and "delimiter" in text and "row 1" in text
    assert "#A|usa" in text


@pytest.mark.parametrize(
    ("row", "needle", "expected", "found"),
    [
        ("#D\tusa\tfund", "too short", "5 values after #D", "2 value(s)"),
        ("#D\tcn\tfund\tten\t0.5\t0.5", "position is not a number", "a number", "ten"),
        ("#D\tcn\tfund\tnan\t0.5\t0.5", "not a finite number", "a finite number", "nan"),
        ("#D\tcn\tfund\t5\tinf\t0.5", "not a finite number", "a finite number", "inf"),
        ("#D\tcn\tfund\t5\t0.5\t", "power is missing", "a number", "an empty cell"),
        ("#D\tcn\tfund\t5\t1.5\t0.5", "salience is outside 0–1", "between 0 and 1", "1.5"),
        ("#D\tcn\tfund\t101\t0.5\t0.5", "outside the scale of issue 'fund'",
         "between 0 and 100 (the default, no #M rows)", "101"),
        ("#D\tcn\tfund\t5\t0.5\t-1", "power is negative", "0 or more", "-1"),
        ("#D\tchina\tfund\t5\t0.5\t0.5", "unknown actor 'china'",
         "declared in a #A row", "china"),
        ("#D\tcn\tfunds\t5\t0.5\t0.5", "unknown issue 'funds' (did you mean 'fund'?)",
         "declared in a #P row", "funds"),
        ("#D\tusa\tcap\t5\t0.5\t0.5", "duplicate #D row for actor 'usa' on issue 'cap' "
         "(first in row 9)", "one #D row per actor and issue", None),
        ("#M\tcapp\t5", "unknown issue 'capp'", "declared in a #P row", "capp"),
        ("#A\tusa", "duplicate actor 'usa' (first declared in row 1)", "declared once", None),
        ("#P\t''", "no issue id", "#P, issue id", "an empty cell"),
        ("usa\tcap\t1\t1\t1", "the row has no tag", "#A, #P, #M, #D", "usa"),
    ],
)
def test_bad_row(write, row: str, needle: str, expected: str, found: str | None) -> None:
    path = write("bad.txt", GOOD + row + "\n")
    n = len(GOOD.splitlines()) + 1
    with pytest.raises(ValidationError) as info:
        load(path)
    (problem,) = problems_of(info.value)
    assert problem.location == f"row {n}"
    assert needle in problem.reason
    assert problem.expected is not None and expected in problem.expected
    assert problem.found == found
    text = str(info.value)
    assert "bad.txt" in text and f"row {n}" in text


def test_all_bad_rows_are_listed(write) -> None:
    text = GOOD.replace("#D\teu\tcap\t80\t0.6\t0.3", "#D\teu\tcap\tx\t0.6\t0.3")
    text = text.replace("#D\teu\tfund\t90\t0.8\t0.2", "#D\teu\tfund\t90\t8\t0.2")
    with pytest.raises(ValidationError) as info:
        load(write("two.txt", text))
    assert [p.location for p in info.value.problems] == ["row 10", "row 13"]
    assert str(info.value).startswith(str(Path(info.value.source or "")))
    assert "2 problems" in str(info.value)


def test_issue_without_stances(write) -> None:
    path = write("nostance.txt", GOOD + "#P\tempty\tNobody cares\n")
    with pytest.raises(ValidationError) as info:
        load(path)
    text = str(info.value)
    assert "has no stances" in text and "'empty'" in text
    assert info.value.location is not None and info.value.location.startswith("row 14")


def test_single_m_value_gives_an_empty_scale(write) -> None:
    text = "#A\ta\n#P\tx\n#M\tx\t5\n#D\ta\tx\t5\t0.5\t1\n"
    with pytest.raises(ValidationError) as info:
        load(write("onem.txt", text))
    exc = info.value
    assert exc.location == "row 3" and "single #M value" in exc.reason
    assert exc.found == "only 5" and "at least two different values" in (exc.expected or "")


def test_position_outside_the_m_bounds(write) -> None:
    text = "#A\ta\n#P\tyears\n#M\tyears\t4\n#M\tyears\t10\n#D\ta\tyears\t11\t0.5\t1\n"
    with pytest.raises(ValidationError) as info:
        load(write("years.txt", text))
    exc = info.value
    assert exc.location == "row 5" and exc.found == "11"
    assert exc.expected == "a position between 4 and 10 (its #M rows)"


def test_no_actors_or_issues(write) -> None:
    with pytest.raises(ParseError, match="no actors"):
        load(write("noact.txt", "#P\tx\n"))
    with pytest.raises(ParseError, match="no issues"):
        load(write("noiss.txt", "#A\ta\n"))


def test_options_are_refused(write) -> None:
    with pytest.raises(ParseError, match="no reader options"):
        load(write("opt.txt", GOOD), sheet="x")


def test_not_text(write) -> None:
    with pytest.raises(ParseError, match="binary"):
        load(write("bin.txt", b"#A\x00\x01\x02"), format="decide")


def test_windows_1252_is_read(write) -> None:
    path = write("cp.txt", GOOD.replace("European Union", "Europ\u00e9enne").encode("cp1252"))
    assert load(path).actor("eu").name == "Europ\u00e9enne"


def test_errors_are_summitry_errors(write) -> None:
    with pytest.raises(SummitryError):
        load(write("x.txt", "#D\n"), format="decide")
