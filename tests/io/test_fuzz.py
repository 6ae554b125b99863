"""Every importer fails only with a SummitryError, whatever it is fed.

Random bytes and random rows built from each format's own vocabulary (tags, headers,
numbers, NaN, quotes, delimiters) go through :func:`summitry.io.load`, once with the
format forced and once through detection. A reader may accept the input or raise a
:class:`~summitry.errors.SummitryError`; any other exception is a bug.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.errors import SummitryError
from summitry.io import load

FORMATS = ["yaml", "decide", "ktab-csv", "ktab-xml", "table", "xlsx"]
SUFFIXES = [".yaml", ".json", ".txt", ".csv", ".tsv", ".xml", ".xlsx", ""]

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def a_file(data: bytes, suffix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        yield path


def only_summitry_errors(data: bytes, suffix: str, fmt: str | None) -> None:
    with a_file(data, suffix) as path, suppress(SummitryError):
        load(path, format=fmt)


# --- random bytes -----------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), fmt=st.sampled_from(FORMATS))
def test_random_bytes_forced(data: bytes, fmt: str) -> None:
    only_summitry_errors(data, ".dat", fmt)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_detected(data: bytes, suffix: str) -> None:
    only_summitry_errors(data, suffix, None)


# --- random rows ----------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "inf", "-0", "1e999", "0,5", "1_0", "½", " 7 ", "0x10"]),
)
NAMES = st.one_of(
    st.sampled_from(["a", "b", "x", "y", "A B", "'q'", '"q"', "é", "and", "1", "#", "<a>"]),
    st.text(max_size=6),
)
CELLS = st.one_of(NUMBERS, NAMES)
DELIMS = st.sampled_from(["\t", ";", ",", "|"])


def rows_to_text(rows: list[list[str]], delim: str) -> bytes:
    return "\n".join(delim.join(r) for r in rows).encode("utf-8", "surrogatepass")


DECIDE_ROWS = st.lists(
    st.tuples(st.sampled_from(["#A", "#P", "#M", "#D", "'#D'", "#/", "#O", "x"]),
              st.lists(CELLS, max_size=6)).map(lambda t: [t[0], *t[1]]),
    max_size=12,
)


@FUZZ
@given(rows=DECIDE_ROWS, delim=DELIMS, forced=st.booleans())
def test_decide_rows(rows: list[list[str]], delim: str, forced: bool) -> None:
    only_summitry_errors(rows_to_text(rows, delim), ".txt", "decide" if forced else None)


KTAB_ROWS = st.tuples(
    st.lists(CELLS, min_size=0, max_size=5),
    st.lists(st.sampled_from(["Actor", "Description", "Power", "Influence", "P1", "S1",
                              "P2", "S2", ""]), max_size=8),
    st.lists(st.lists(CELLS, max_size=8), max_size=5),
).map(lambda t: [t[0], t[1], *t[2]])


@FUZZ
@given(rows=KTAB_ROWS, forced=st.booleans())
def test_ktab_csv_rows(rows: list[list[str]], forced: bool) -> None:
    only_summitry_errors(rows_to_text(rows, ","), ".csv", "ktab-csv" if forced else None)


TABLE_ROWS = st.tuples(
    st.lists(st.sampled_from(["actor", "issue", "position", "salience", "capability",
                              "lower", "upper", "status_quo", "group", "issue_name",
                              "Power", "note", "bogus", ""]), max_size=9),
    st.lists(st.lists(CELLS, max_size=9), max_size=6),
).map(lambda t: [t[0], *t[1]])


@FUZZ
@given(rows=TABLE_ROWS, delim=DELIMS, forced=st.booleans())
def test_table_rows(rows: list[list[str]], delim: str, forced: bool) -> None:
    only_summitry_errors(rows_to_text(rows, delim), ".csv", "table" if forced else None)


ELEMENT = st.sampled_from(["name", "desc", "prngSeed", "Dimensions", "dName", "Actors",
                           "Actor", "capability", "Position", "dCoord", "Salience", "dSal",
                           "ModelParameters", "VotingRule", "IdealAdjustment", "iaPair",
                           "adjust", "x"])


def _xml(tree: object) -> str:
    if isinstance(tree, str):
        return tree.replace("<", "&lt;").replace("&", "&amp;")
    tag, children = tree  # type: ignore[misc]
    return f"<{tag}>" + "".join(_xml(c) for c in children) + f"</{tag}>"


XML_TREES = st.recursive(
    CELLS, lambda kids: st.tuples(ELEMENT, st.lists(kids, max_size=4)), max_leaves=25
)


@FUZZ
@given(children=st.lists(XML_TREES, max_size=5), garbage=st.sampled_from(
    ["", "<!DOCTYPE x>", "<a", "&bogus;", "</Scenario>"]), forced=st.booleans())
def test_ktab_xml_trees(children: list[object], garbage: str, forced: bool) -> None:
    text = "<Scenario>" + "".join(_xml(c) for c in children) + garbage + "</Scenario>"
    only_summitry_errors(text.encode("utf-8", "surrogatepass"), ".xml",
                         "ktab-xml" if forced else None)


YAML_DOCS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), NAMES),
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(st.sampled_from(["issues", "actors", "stances", "id", "lower",
                                         "upper", "actor", "issue", "position", "salience",
                                         "outcomes", "rule", "name", "meta", "schema"]),
                        kids, max_size=5)),
    max_leaves=30,
)


@FUZZ
@given(doc=YAML_DOCS)
def test_yaml_documents(doc: object) -> None:
    import yaml

    text = yaml.safe_dump(doc, allow_unicode=True)
    only_summitry_errors(text.encode("utf-8", "surrogatepass"), ".yaml", None)
