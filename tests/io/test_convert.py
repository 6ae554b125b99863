"""summitry.io.convert: any format → YAML/JSON, losslessly and atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from summitry.errors import InputError
from summitry.io import convert, load

DATA = Path(__file__).resolve().parent.parent / "data"

EXAMPLES = sorted(
    [p for p in (DATA / "decide").iterdir() if p.suffix in (".csv", ".txt")
     and "errors" not in p.name and "LICENSE" not in p.name]
    + [p for p in (DATA / "ktab").iterdir() if p.suffix in (".csv", ".xml")]
    + list((DATA / "published").glob("bdm1994*.csv"))  # a tidy table, if present
)


def test_examples_found() -> None:
    assert len([p for p in EXAMPLES if "published" not in str(p)]) == 3 + 10


@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_lossless(tmp_path: Path, src: Path, suffix: str) -> None:
    original = load(src)
    dst = tmp_path / f"out{suffix}"
    assert convert(src, dst) == original
    again = load(dst)
    assert again == original
    assert again.input_hash() == original.input_hash()
    # converting the converted file changes nothing
    dst2 = tmp_path / f"again{suffix}"
    convert(dst, dst2)
    assert dst2.read_text() == dst.read_text()


def test_table_and_xlsx_lossless(tmp_path: Path) -> None:
    text = ("actor,issue,position,salience,capability,lower,upper,status_quo,source,group\n"
            "A B,x,4.5,0.25,2,4,10,5,src,g\nC,x,9,1,1,,,,,\nC,y,1e-3,0.5,3,,,,,\n")
    src = tmp_path / "t.csv"
    src.write_text(text)
    original = load(src)
    assert convert(src, tmp_path / "t.yaml") == load(tmp_path / "t.yaml") == original
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append(line.split(","))
    wb.save(tmp_path / "t.xlsx")
    from_xlsx = convert(tmp_path / "t.xlsx", tmp_path / "t2.yaml")
    assert from_xlsx.model_copy(update={"id": "t"}) == original
    assert load(tmp_path / "t2.yaml") == from_xlsx


def test_bad_source_writes_nothing(tmp_path: Path) -> None:
    src = DATA / "decide" / "copenhagen_with_errors.csv"
    dst = tmp_path / "out.yaml"
    with pytest.raises(InputError):
        convert(src, dst)
    assert not dst.exists()
    dst.write_text("old")
    with pytest.raises(InputError):
        convert(src, dst)
    assert dst.read_text() == "old"
    assert list(tmp_path.iterdir()) == [dst]  # no temporary file left behind


def test_format_and_options_are_passed(tmp_path: Path) -> None:
    src = DATA / "ktab" / "smpExample.xml"
    with pytest.raises(InputError, match="position on FirstDim is missing"):
        convert(src, tmp_path / "x.yaml", empty="error")
    s = convert(src, tmp_path / "x.yaml", format="ktab-xml")
    assert load(tmp_path / "x.yaml").model_params == s.model_params
