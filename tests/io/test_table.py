"""Tidy long tables: CSV, TSV and XLSX (summitry.io.table)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from summitry.errors import InputError, MissingExtraError, ParseError, ValidationError
from summitry.io import detect_format, load

TABLE = """\
actor,issue,position,salience,capability,actor_name,issue_name,lower,upper,status_quo,source,group,issue_group
usa,ceasefire,20,0.9,1.0,United States,Ceasefire,0,100,10,State Dept,west,security
usa,sanctions,80,0.6,1.0,,Sanctions,,,,,west,economy
ru,ceasefire,70,0.8,0.8,Russia,,,,,,east,
ru,sanctions,10,0.9,0.5,Russia,,,,,TASS,east,
ua,ceasefire,0,1,0.6,,,0,100,,,west,
"""

# Bueno de Mesquita (1994) car-emission standards as in Scholz, Calbert & Smith (2011),
# Table 1 (shared/data/published/bdm1994_car_emissions.csv): one issue, no issue column.
BDM = """\
Actor,Capability,Position,Salience
Netherlands,0.08,4,80
Belgium,0.08,7,40
Luxembourg,0.03,4,20
Germany,0.16,4,80
France,0.16,10,60
Italy,0.16,10,60
UK,0.16,10,90
Ireland,0.05,7,10
Denmark,0.05,4,100
Greece,0.08,7,70
"""


def error(path: Path, kind: type[InputError] = ValidationError, **kw) -> InputError:
    with pytest.raises(kind) as info:
        load(path, **kw)
    assert path.name in str(info.value)
    return info.value


def single(exc: InputError) -> InputError:
    (problem,) = exc.problems or [exc]
    return problem


def test_full_table(write) -> None:
    path = write("t.csv", TABLE)
    assert detect_format(path) == "table"
    s = load(path)
    assert s.actor_ids == ("usa", "ru", "ua") and s.issue_ids == ("ceasefire", "sanctions")
    usa, ru = s.actor("usa"), s.actor("ru")
    assert usa.name == "United States" and usa.group == "west"
    assert ru.name == "Russia" and ru.capability == 0.8  # first of equally common values
    assert ru.capability_by_issue == {"sanctions": 0.5}
    cf = s.issue("ceasefire")
    assert (cf.name, cf.lower, cf.upper, cf.status_quo, cf.group) == (
        "Ceasefire", 0.0, 100.0, 10.0, "security")
    assert s.issue("sanctions").group == "economy"
    st = s.stance("ru", "sanctions")
    assert st is not None and (st.position, st.salience, st.source) == (10.0, 0.9, "TASS")
    assert s.salience_scale == "0-1"
    assert len(s.stances) == 5 and s.stance("ua", "sanctions") is None


def test_one_issue_without_issue_column(write) -> None:
    s = load(write("bdm1994.csv", BDM))
    assert s.issue_ids == ("bdm1994",) and s.salience_scale == "0-100"
    assert s.actor("UK").capability == 0.16
    # the compromise (capability × salience weighted mean) of the case is 7.390
    num = sum(s.actor(st.actor).capability * st.salience * st.position for st in s.stances)
    den = sum(s.actor(st.actor).capability * st.salience for st in s.stances)
    assert num / den == pytest.approx(7.390, abs=5e-4)


def test_tsv_and_semicolon_with_decimal_comma(write) -> None:
    base = load(write("base.csv", BDM))
    tsv = load(write("base.tsv", BDM.replace(",", "\t")))
    semi = load(write("base.txt", BDM.replace(",", ";").replace("0.", "0,")))
    for other in (tsv, semi):
        assert other.model_copy(update={"id": base.id, "issues": base.issues,
                                        "stances": base.stances}) == base
        assert [(st.position, st.salience) for st in other.stances] == [
            (st.position, st.salience) for st in base.stances]


def test_header_aliases_and_ignored_columns(write) -> None:
    text = "Actor,Issue,Position,Salience,Power,Notes,\na,x,1,0.5,2,hello,\nb,x,3,0.5,1,,\n"
    s = load(write("alias.csv", text))
    assert s.actor("a").capability == 2.0


def test_salience_scale_option(write) -> None:
    text = "actor,issue,position,salience\na,x,10,1\nb,x,20,0.5\n"
    assert load(write("s1.csv", text)).salience_scale == "0-1"
    assert load(write("s2.csv", text), salience_scale="0-100").salience_scale == "0-100"
    text = "actor,issue,position,salience\na,x,10,50\nb,x,20,0.5\n"
    assert load(write("s3.csv", text)).salience_scale == "0-100"
    p = single(error(write("s4.csv", text), salience_scale="0-1"))
    assert p.location == "row 2" and p.found == "50"
    assert "as the option salience_scale says" in (p.expected or "")


def test_unknown_options(write) -> None:
    with pytest.raises(ParseError, match="unknown reader option"):
        load(write("o.csv", BDM), empty="skip")
    with pytest.raises(ParseError, match="'0-1' or '0-100'"):
        load(write("o2.csv", BDM), salience_scale="percent")


# --- errors -------------------------------------------------------------------------------------


def test_empty(write) -> None:
    with pytest.raises(ParseError, match="empty"):
        load(write("e.csv", "\n\n"))


def test_header_only(write) -> None:
    exc = error(write("h.csv", "actor,issue,position,salience\n"), ParseError)
    assert "header but no rows" in str(exc)


def test_wrong_delimiter(write) -> None:
    exc = error(write("p.csv", BDM.replace(",", "|")), ParseError)
    assert exc.location == "row 1" and "is the delimiter one of" in exc.reason
    assert "Actor|Capability|Position|Salience" in str(exc.found)


def test_missing_column_with_typo(write) -> None:
    exc = error(write("m.csv", "actor,issue,position,salince\na,x,1,1\n"), ParseError)
    assert "lacks the column(s) salience" in exc.reason
    assert "is 'salince' a misspelling of 'salience'?" in exc.reason
    assert exc.found == "header actor, issue, position, salince"


def test_unknown_column(write) -> None:
    exc = error(write("u.csv", "actor,issue,position,salience,capabilty\na,x,1,1,1\n"),
                ParseError)
    assert "unknown column(s) 'capabilty' (did you mean 'capability'?)" in exc.reason


def test_duplicate_column(write) -> None:
    exc = error(write("d.csv", "actor,issue,position,salience,Power,capability\n"), ParseError)
    assert "'capability' appears twice" in exc.reason and exc.found == "columns 5 and 6"


@pytest.mark.parametrize(
    ("row", "needle", "expected", "found"),
    [
        ("c,x,ten,0.5", "position is not a number", "a number", "ten"),
        ("c,x,10,NaN", "salience is not a finite number", "a finite number", "NaN"),
        ("c,x,-inf,0.5", "position is not a finite number", "a finite number", "-inf"),
        ("c,x,1e999,0.5", "position is too large", "a finite number", "1e999"),
        ("c,x,,0.5", "position is missing", "a number", "an empty cell"),
        ("c,x,10,-0.5", "salience is negative", "0 or more", "-0.5"),
        ("c,x,10,101", "salience is above 100", "between 0 and 100", "101"),
        ("c,x,150,0.5", "position is outside the scale of issue 'x'", "between 0 and 100",
         "150"),
        ("c,x,10,0.5,-1", "capability is negative", "0 or more", "-1"),
        (",x,10,0.5", "actor is missing", "an actor name", "an empty cell"),
        ("c,,10,0.5", "issue is missing", "an issue name", "an empty cell"),
        ("a,x,10,0.5", "duplicate stance of 'a' on 'x' (first in row 2)",
         "one row per actor and issue", None),
        ("c,x,10,0.5,,,,5", "issue 'x' has two different values of lower (row 2 gives 0.0)",
         "the same lower on every row", 5.0),
    ],
)
def test_bad_row(write, row: str, needle: str, expected: str, found: object) -> None:
    text = "actor,issue,position,salience,capability,actor_name,issue_name,lower\n" \
           "a,x,10,0.5,1,,,0\nb,x,20,0.7,1,,,\n" + row + "\n"
    p = single(error(write("bad.csv", text)))
    assert p.location == "row 4"
    assert needle in p.reason
    assert p.expected is not None and expected in p.expected
    assert p.found == found


def test_decimal_comma_in_a_comma_file(write) -> None:
    p = single(error(write("dc.csv", "actor,issue,position,salience\na,x,0,5,0,5\n")))
    assert p.location == "row 2"
    assert "more cells than the header (does a decimal comma split a number?)" in p.reason
    assert (p.expected, p.found) == ("at most 4 cells", "6")


def test_every_bad_row_is_listed(write) -> None:
    text = BDM.replace("Belgium,0.08,7,40", "Belgium,0.08,x,40").replace(
        "Greece,0.08,7,70", "Greece,0.08,7,700")
    exc = error(write("two.csv", text))
    assert [p.location for p in exc.problems] == ["row 3", "row 11"]
    assert "2 problems" in str(exc)


def test_bounds_lower_not_below_upper(write) -> None:
    text = "actor,issue,position,salience,lower,upper\na,x,5,0.5,10,5\n"
    p = single(error(write("b.csv", text)))
    assert p.location == "row 2" and "lower bound is not below its upper bound" in p.reason
    assert p.found == "lower 10, upper 5"


def test_status_quo_outside(write) -> None:
    text = "actor,issue,position,salience,status_quo\na,x,5,0.5,200\n"
    p = single(error(write("sq.csv", text)))
    assert p.location == "row 2" and "status quo of issue 'x' is outside" in p.reason


def test_positions_checked_against_given_bounds(write) -> None:
    text = "actor,issue,position,salience,lower,upper\na,yr,5,0.5,4,10\nb,yr,11,0.5,,\n"
    p = single(error(write("yr.csv", text)))
    assert p.location == "row 3" and p.expected == "a position between 4 and 10"


def test_binary_is_refused(write) -> None:
    with pytest.raises(ParseError, match="binary"):
        load(write("b.csv", b"actor\x00issue"))


# --- XLSX ---------------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]], title: str = "Sheet") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.create_sheet("Other").append(["actor", "issue", "position", "salience"])
    wb.save(path)
    return path


ROWS: list[list[object]] = [
    ["Actor", "Issue", "Position", "Salience", "Capability"],
    ["a", "x", 10, 0.1, 2],
    ["b", "x", 90.5, 1, 1],
    [None, None, None, None, None],
    ["b", "y", 3, 0.25, 1],
]


def test_xlsx(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", ROWS)
    assert detect_format(path) == "xlsx"
    s = load(path)
    assert s.issue_ids == ("x", "y") and s.actor("a").capability == 2.0
    st = s.stance("b", "x")
    assert st is not None and (st.position, st.salience) == (90.5, 1.0)
    assert s.salience_scale == "0-1"


def test_xlsx_sheet_option(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", ROWS, title="Data")
    with pytest.raises(ParseError) as info:
        load(path, sheet="Dta")
    assert "no sheet named 'Dta' (did you mean 'Data'?)" in str(info.value)
    with pytest.raises(ParseError, match="header but no rows"):
        load(path, sheet="Other")


def test_xlsx_row_numbers(tmp_path: Path) -> None:
    rows = [*ROWS, ["c", "y", "high", 0.5, 1]]
    path = make_xlsx(tmp_path / "t.xlsx", rows)
    p = single(error(path))
    assert p.location == "row 6" and p.found == "high"


def test_xlsx_damaged(write) -> None:
    pytest.importorskip("openpyxl")
    exc = error(write("bad.xlsx", b"PK\x03\x04 not really a zip"), ParseError)
    assert "not a readable .xlsx workbook" in str(exc)


def test_xlsx_without_openpyxl(write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingExtraError, match=r"summitry\[xlsx\]"):
        load(write("t.xlsx", b"PK\x03\x04"))
