"""summitry's own YAML/JSON format (summitry.io.yaml) and its located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summitry.errors import InputError, ParseError, ValidationError
from summitry.io import detect_format, load

GOOD = """\
schema: summitry/1
meta: {title: Small test}
issues:
  - {id: year, name: Year, lower: 4, upper: 10, anchors: {4: early, 10: late}}
  - {id: money}
actors: [{id: a, capability: 1}, {id: b, capability: 2, capability_by_issue: {money: 3}}]
stances:
  - {actor: a, issue: year, position: 4, salience: 0.8}
  - {actor: b, issue: year, position: 10, salience: 0.5}
  - {actor: a, issue: money, position: 10, salience: 0.5}
outcomes:
  - {name: Late, rule: year >= 7}
  - {name: Early, rule: otherwise}
"""


def error(path: Path, kind: type[InputError] = ValidationError) -> InputError:
    with pytest.raises(kind) as info:
        load(path)
    assert path.name in str(info.value)
    return info.value


def test_good(write) -> None:
    path = write("small.yaml", GOOD)
    assert detect_format(path) == "yaml"
    s = load(path)
    assert s.id == "small"  # the file name when the file gives none
    assert s.issue("year").anchors == {4.0: "early", 10.0: "late"}
    assert s.actor("b").capability_on("money") == 3.0
    assert s.outcome_names == ("Late", "Early")


def test_json(write) -> None:
    import yaml

    data = yaml.safe_load(GOOD)
    path = write("small.json", json.dumps(data))
    assert load(path) == load(write("small.yaml", GOOD))


def test_not_a_mapping(write) -> None:
    exc = error(write("list.yaml", "- a\n- b\n"), ParseError)
    assert "not a mapping" in exc.reason and exc.found == "list"
    assert exc.expected == "a mapping with keys issues, actors, stances"


def test_syntax_error_names_line(write) -> None:
    exc = error(write("bad.yaml", GOOD.replace("- {id: money}", "- {id: money")), ParseError)
    assert "not valid YAML" in exc.reason
    assert exc.location is not None and exc.location.startswith("line 6")


def test_empty(write) -> None:
    with pytest.raises(ParseError, match="empty"):
        load(write("e.yaml", ""))


def test_not_utf8(write) -> None:
    exc = error(write("latin.yaml", GOOD.replace("Small", "Sm\u00e4ll").encode("latin-1")),
                ParseError)
    assert "not UTF-8" in exc.reason


def test_unknown_key(write) -> None:
    exc = error(write("k.yaml", GOOD.replace("capability: 1}", "capabilty: 1}")))
    assert exc.location == "actors[0].capabilty" and "xtra" in exc.reason


@pytest.mark.parametrize(
    ("old", "new", "location", "needle"),
    [
        ("{actor: b, issue: year", "{actor: c, issue: year", "stances[1].actor",
         "unknown actor 'c'"),
        ("{actor: a, issue: money", "{actor: a, issue: cash", "stances[2].issue",
         "unknown issue 'cash'"),
        ("{actor: a, issue: money", "{actor: a, issue: year", "stances[2]",
         "duplicate stance of 'a' on 'year'"),
        ("{actor: a, issue: money, position: 10, salience: 0.5}",
         "{actor: b, issue: year, position: 5, salience: 0.5}", "stances[2]",
         "duplicate stance"),
        ("position: 4, salience: 0.8", "position: 11, salience: 0.8", "stances[0].position",
         "11 is outside the scale of 'year' [4, 10]"),
        ("position: 4, salience: 0.8", "position: .nan, salience: 0.8",
         "stances[0].position", "finite"),
        ("position: 4, salience: 0.8", "position: 4, salience: 80", "stances[0].salience",
         "80 is above 1 (salience_scale is 0-1)"),
        ("lower: 4, upper: 10", "lower: 10, upper: 10", "issues[0]",
         "lower bound (10) must be below its upper bound (10)"),
        ("rule: year >= 7", "rule: years >= 7", "outcomes[0].rule",
         "unknown issue 'years' in 'years >= 7'"),
        ("rule: otherwise", "rule: year < 7", "outcomes[1].rule", "catch-all"),
        ("capability: 2,", "capability: -2,", "actors[1].capability", "greater than or equal"),
    ],
)
def test_invalid_values(write, old: str, new: str, location: str, needle: str) -> None:
    assert old in GOOD
    exc = error(write("v.yaml", GOOD.replace(old, new, 1)))
    problems = exc.problems or [exc]
    assert any(p.location == location and needle in p.reason for p in problems), str(exc)


def test_issue_without_stances(write) -> None:
    exc = error(write("n.yaml", GOOD.replace("- {id: money}", "- {id: money}\n  - {id: x}")))
    assert exc.location == "issues[2]" and "issue 'x' has no stances" in exc.reason


def test_options_refused(write) -> None:
    with pytest.raises(ParseError, match="no reader options"):
        load(write("o.yaml", GOOD), sheet="x")


def test_forced_unknown_format(write) -> None:
    from summitry.errors import SummitryError

    with pytest.raises(SummitryError, match="unknown format 'word'"):
        load(write("o.yaml", GOOD), format="word")


def test_alias_bomb_refused(write) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    exc = error(write("bomb.yaml", "\n".join(lines) + "\n"), ParseError)
    assert "expands to too many values" in exc.reason


def test_recursive_alias_refused(write) -> None:
    exc = error(write("loop.yaml", "issues: &a [*a]\n"), ParseError)
    assert "refers to itself" in exc.reason


def test_harmless_aliases_are_fine(write) -> None:
    text = GOOD.replace("{id: a, capability: 1}", "&act {id: a, capability: 1}")
    assert load(write("alias.yaml", text)).actor("a").capability == 1.0


def test_atomic_write_keeps_ordinary_permissions(tmp_path):
    import os
    import stat

    from summitry.io._common import atomic_write

    new = atomic_write(tmp_path / "new.txt", "x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask
    old = tmp_path / "old.txt"
    old.write_text("y")
    old.chmod(0o640)
    atomic_write(old, "z")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_text() == "z"
