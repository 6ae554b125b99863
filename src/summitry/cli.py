"""The ``summitry`` command line: a thin layer over the library.

Every command has a library twin (``summitry forecast`` ↔ :func:`summitry.forecast`).
A user mistake (bad file, unknown model, bad option) prints one paragraph naming the
file, the row or key, what was expected and what was found, and exits with code 2 —
never a traceback. See docs/cli.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from summitry.errors import SummitryError

__all__ = ["app", "main"]

app = typer.Typer(
    name="summitry",
    help="Forecast and brief high-stakes negotiations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_EXAMPLE = "alaska-2025"

F = TypeVar("F", bound=Callable[..., Any])


class UserError(SummitryError):
    """A bad option value given on the command line."""


def fail(message: str) -> None:
    raise UserError(message)


# --- shared helpers --------------------------------------------------------------------------


def load_scenario(file: Path | None) -> Any:
    """The scenario in ``file``, or the shipped Alaska 2025 example when ``None``.

    ``file`` may also name a shipped example (``alaska-2025``, ``cop21`` …).
    """
    from summitry import examples
    from summitry.io import load

    if file is None:
        return load(examples.path(DEFAULT_EXAMPLE))
    if not file.exists() and str(file) in examples.names():
        return load(examples.path(str(file)))
    return load(file)


def parse_params(items: list[str] | None) -> dict[str, dict[str, Any]]:
    """``["challenge.q=0.5", "rounds=8"]`` → ``{"challenge": {"q": 0.5}, "*": {"rounds": 8}}``."""
    from summitry.models.base import parse_setting

    params: dict[str, dict[str, Any]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--param {item!r}: expected MODEL.NAME=VALUE or NAME=VALUE")
        model, dot, name = key.strip().rpartition(".")
        params.setdefault(model if dot else "*", {})[name] = parse_setting(value)
    return params


def parse_weights(items: list[str] | None) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            weights[key.strip()] = float(value)
        except ValueError:
            fail(f"--weight {item!r}: expected MODEL=NUMBER, found {value!r}")
        if not sep:
            fail(f"--weight {item!r}: expected MODEL=NUMBER")
    return weights


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        fail(f"--format: unknown format {fmt!r}; expected one of: {', '.join(allowed)}")
    return fmt


def fmt_num(x: float) -> str:
    if abs(x) >= 1000 or x == int(x):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}"
    return f"{x:.2f}" if abs(x) >= 10 else f"{x:.3g}"


# --- commands ---------------------------------------------------------------------------------

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario file (any supported format) or example name; "
                   "default: the shipped Alaska 2025 example.", show_default=False),
]


@app.command()
def forecast(
    file: FileArg = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    draws: Annotated[int, typer.Option(help="Monte Carlo draws (1 = point forecast).")] = 1,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed.")] = 1,
    rounds: Annotated[int | None, typer.Option(
        help="Rounds of the dynamic models (default: each model's own).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (repeatable).")] = None,
    weight: Annotated[list[str] | None, typer.Option(
        "--weight", help="Weight of a model in the combined outcome forecast, MODEL=W.")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Add the dynamic models' rounds (table and JSON).")] = False,
    exact: Annotated[bool, typer.Option(
        "--exact", help="Use the bit-exact reference arithmetic where a model has one.")] = False,
    executor: Annotated[str, typer.Option(
        "--executor", help="Where Monte Carlo chunks run: serial, process or dask.")] = "serial",
    workers: Annotated[int | None, typer.Option(
        help="Workers of --executor process/dask (default: all CPUs).")] = None,
) -> None:
    """Forecast every issue of a scenario with one or more models."""
    from summitry.forecast import forecast as run

    check_format(fmt, ("table", "json", "csv"))
    scenario = load_scenario(file)
    params = parse_params(param)
    names: list[str] | None = None
    if model:
        names = [n.strip() for m in model for n in m.split(",") if n.strip()]
    if rounds is not None:
        if rounds < 1:
            fail(f"--rounds: expected a whole number ≥ 1, found {rounds}")
        params.setdefault("*", {})["rounds"] = rounds
    if exact:
        params.setdefault("*", {})["exact"] = True
    _apply_generic(params, names, scenario)
    progress = _progress_bar(draws)
    with progress as bar:
        task = bar.add_task("Monte Carlo", total=None) if draws > 1 else None

        def report(done: int, total: int) -> None:
            if task is not None:
                bar.update(task, completed=done, total=total)

        ex = _make_executor(executor, workers) if draws > 1 else None
        try:
            result = run(scenario, names, draws=draws, seed=seed, params=params,
                         weights=parse_weights(weight) or None, progress=report, executor=ex)
        finally:
            if ex is not None:
                ex.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(history=history), indent=2) + "\n")
    elif fmt == "csv":
        frame = result.summary_frame() if draws > 1 else result.to_frame()
        sys.stdout.write(frame.to_csv(index=False))
    else:
        _print_forecast(result, history=history)


def _apply_generic(params: dict[str, dict[str, Any]], names: list[str] | None,
                   scenario: Any) -> None:
    """Move the generic settings (``rounds``, ``exact``) onto the models that take them."""
    from summitry.forecast import resolve_models
    from summitry.models import model_class

    generic = params.pop("*", {})
    chosen = [m.name for m in resolve_models(names, scenario, None)]
    for key, value in generic.items():
        takers = [n for n in chosen if key in model_class(n).param_names()]
        if not takers and key not in ("rounds", "exact"):
            fail(f"--param {key}={value}: no chosen model takes {key!r}")
        for n in takers:
            params.setdefault(n, {}).setdefault(key, value)


def _progress_bar(draws: int) -> Any:
    from contextlib import nullcontext

    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if draws < 5000 or not err.is_terminal:
        class _Quiet:
            def add_task(self, *a: Any, **k: Any) -> None:
                return None

            def update(self, *a: Any, **k: Any) -> None:
                return None

        return nullcontext(_Quiet())
    return Progress(TextColumn(f"Monte Carlo, {draws:,} draws"), BarColumn(),
                    TaskProgressColumn(), TimeElapsedColumn(), TextColumn("eta"),
                    TimeRemainingColumn(), console=err, transient=True)


def _print_forecast(result: Any, *, history: bool) -> None:
    sc = result.scenario
    title = sc.meta.title or sc.id
    mc = f" · {result.draws:,} draws, seed {result.seed}" if result.draws > 1 else ""
    table = Table(title=f"{title}{mc}", title_justify="left")
    table.add_column("Issue")
    table.add_column("Scale", style="dim")
    for r in result.results:
        table.add_column(r.model, justify="right")
    # once per model, not per cell: a median/quantile over a million draws is not free
    points = {r.model: r.point() for r in result.results}
    ranges = ({r.model: r.quantiles((0.05, 0.95)) for r in result.results}
              if result.draws > 1 else {})
    for k, iss in enumerate(sc.issues):
        cells = []
        for r in result.results:
            point = float(points[r.model][k])
            cell = fmt_num(point)
            if result.draws > 1:
                q = ranges[r.model][:, k]
                cell += f" [dim]({fmt_num(float(q[0]))}–{fmt_num(float(q[1]))})[/dim]"
            cells.append(cell)
        unit = f" {iss.units}" if iss.units else ""
        table.add_row(iss.label, f"{fmt_num(iss.lower)}–{fmt_num(iss.upper)}{unit}", *cells)
    out.print(table)
    if sc.outcomes:
        pt = Table(title="Named outcomes", title_justify="left")
        pt.add_column("Outcome")
        for r in result.results:
            pt.add_column(r.model, justify="right")
        pt.add_column("combined", justify="right", style="bold")
        per = {r.model: result.outcome_probabilities(r.model) for r in result.results}
        comb = result.outcome_probabilities()
        for name in sc.outcome_names:
            pt.add_row(name, *[f"{per[r.model][name]:.0%}" for r in result.results],
                       f"{comb[name]:.0%}")
        out.print(pt)
        if result.draws == 1:
            out.print("[dim]Point forecast: each model names one outcome. Run with "
                      "--draws 10000 for probabilities.[/dim]")
    if history:
        for r in result.results:
            if r.solution.history is None:
                continue
            _print_history(result.problem, r)


def _print_history(problem: Any, r: Any) -> None:
    sol = r.solution
    n = int(sol.n_rounds[0]) if sol.n_rounds is not None else sol.history.shape[1] - 1
    ho = problem.to_user(sol.history_outcome[0]) if sol.history_outcome is not None else None
    t = Table(title=f"{r.model}: round by round (draw 0)", title_justify="left")
    t.add_column("Round", justify="right")
    for iss in problem.issues:
        t.add_column(iss, justify="right")
    if ho is not None:
        for k in range(min(n + 1, ho.shape[0])):
            t.add_row(str(k), *[fmt_num(float(v)) for v in ho[k]])
    out.print(t)


@app.command("models")
def models_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List the registered models with their parameters and sources."""
    from summitry.forecast import _jsonable
    from summitry.models import model_info

    check_format(fmt, ("table", "json"))
    info = model_info()
    if fmt == "json":
        sys.stdout.write(json.dumps(_jsonable(info), indent=2) + "\n")
        return
    table = Table(title="Models", title_justify="left")
    for col in ("name", "title", "parameters (defaults)", "source"):
        table.add_column(col)
    for m in info:
        params = ", ".join(f"{k}={v!r}" for k, v in m["parameters"].items())
        table.add_row(m["name"], m["title"], params or "—", m["source"])
    out.print(table)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario file to check.")],
) -> None:
    """Check a scenario file; print a summary or the problems found (exit code 2)."""
    from summitry.io import detect_format, load

    scenario = load(file)
    out.print(
        f"{file}: valid {detect_format(file)} scenario — {len(scenario.actors)} actors, "
        f"{len(scenario.issues)} issues, {len(scenario.stances)} stances, "
        f"{len(scenario.outcomes)} named outcomes, {len(scenario.signals)} signals"
    )


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(help="File in any supported format.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write (.yaml/.json).")],
) -> None:
    """Convert any supported file to summitry YAML (or JSON), losslessly."""
    from summitry.io import load, save

    if output.suffix.lower() not in (".yaml", ".yml", ".json"):
        fail(f"--output {output}: expected a .yaml, .yml or .json file name")
    save(load(file), output)
    err.print(f"wrote {output}")


# --- database ---------------------------------------------------------------------------------

db_app = typer.Typer(help="The scenario database: versions, export, import, backup.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")

DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Database file (default: $SUMMITRY_DB or ~/.local/share/summitry/summitry.db).")]


def _store(db: Path | None) -> Any:
    from summitry.store import Store

    return Store(db)


@db_app.command("save")
def db_save(
    file: Annotated[Path, typer.Argument(help="Scenario file (any supported format).")],
    db: DbOpt = None,
    slug: Annotated[str | None, typer.Option(help="Name in the database.")] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="What changed.")] = "",
) -> None:
    """Save a scenario as a new version (earlier versions are kept)."""
    from summitry.io import load

    with _store(db) as store:
        info = store.save_scenario(load(file), slug=slug, message=message)
    out.print(f"saved {info.slug} version {info.version}")


@db_app.command("list")
def db_list(db: DbOpt = None) -> None:
    """List the scenarios in the database with their latest version."""
    with _store(db) as store:
        rows = store.list_scenarios()
    table = Table(title="Scenarios", title_justify="left")
    for col in ("slug", "title", "version", "saved"):
        table.add_column(col)
    for v in rows:
        table.add_row(v.slug, v.title, str(v.version), v.created[:19])
    out.print(table)


@db_app.command("history")
def db_history(slug: str, db: DbOpt = None) -> None:
    """Every saved version of a scenario."""
    with _store(db) as store:
        rows = store.history(slug)
    table = Table(title=f"{slug}: versions", title_justify="left")
    for col in ("version", "saved", "message", "hash"):
        table.add_column(col)
    for v in rows:
        table.add_row(str(v.version), v.created[:19], v.message, v.content_hash[:12])
    out.print(table)


@db_app.command("diff")
def db_diff(slug: str, old: int, new: int, db: DbOpt = None) -> None:
    """What changed between two versions."""
    with _store(db) as store:
        changes = store.diff(slug, old, new)
    if not changes:
        out.print("no changes")
    for c in changes:
        out.print(f"{c['path']}: {json.dumps(c['old'])} → {json.dumps(c['new'])}")


@db_app.command("restore")
def db_restore(slug: str, version: int, db: DbOpt = None) -> None:
    """Make an old version the newest again (as a new version; history is kept)."""
    with _store(db) as store:
        info = store.restore(slug, version)
    out.print(f"restored {slug} version {version} as version {info.version}")


@db_app.command("export")
def db_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
    db: DbOpt = None,
) -> None:
    """Export the whole database as one JSON document (lossless)."""
    from summitry.io._common import atomic_write

    with _store(db) as store:
        doc = store.export()
    atomic_write(output, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    err.print(f"wrote {output}")


@db_app.command("import")
def db_import(
    file: Annotated[Path, typer.Argument(help="A file written by `summitry db export`.")],
    db: DbOpt = None,
) -> None:
    """Import an export into an empty database."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{file}: file not found")
    except OSError as exc:
        fail(f"{file}: cannot read the file ({exc.strerror})")
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"{file}: not a JSON export ({exc})")
    if not isinstance(doc, dict):
        fail(f"{file}: expected a JSON object written by `summitry db export`")
    with _store(db) as store:
        counts = store.import_(doc)
    out.print(", ".join(f"{n} {t}" for t, n in counts.items()))


@db_app.command("backup")
def db_backup(
    output: Annotated[Path, typer.Option("--output", "-o", help="New database file.")],
    db: DbOpt = None,
) -> None:
    """A consistent copy of the live database."""
    with _store(db) as store:
        store.backup(output)
    err.print(f"wrote {output}")


# --- signals, precedents, backtests (docs/probabilities.md) ----------------------------------


def _parse_date(text: str | None, option: str = "--date") -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, found {text!r}")
    return None  # pragma: no cover - fail raises


def _model_list(model: list[str] | None) -> list[str] | None:
    if not model:
        return None
    return [n.strip() for m in model for n in m.split(",") if n.strip()]


def _filters(base: Any, era: str | None, years: str | None, summit_format: list[str] | None,
             all_summits: bool, min_confidence: str | None, confidence_weights: bool) -> Any:
    """The reference-class filters: the scenario's ``reference.filters``, then options."""
    from summitry.reference import Filters

    flt = Filters.from_mapping(base)
    changes: dict[str, Any] = {}
    if era is not None:
        changes["era"] = era
    if years is not None:
        changes["years"] = Filters.from_mapping({"years": years}).years
    if summit_format:
        changes["format"] = tuple(f.strip() for s in summit_format for f in s.split(",")
                                  if f.strip())
    if all_summits:
        changes["core"] = False
    if min_confidence is not None:
        changes["min_confidence"] = min_confidence
    if confidence_weights:
        changes["confidence_weights"] = True
    return flt.replace(**changes)


EraOpt = Annotated[str | None, typer.Option(
    "--era", help="all, cold_war (≤ 1991) or post_cold_war.", show_default=False)]
YearsOpt = Annotated[str | None, typer.Option(
    "--years", help="Start years, e.g. 1985-2000 (either end may be left out).",
    show_default=False)]
SummitFormatOpt = Annotated[list[str] | None, typer.Option(
    "--summit-format", help="Keep summits of this format (bilateral, four_power, "
    "multilateral_sidelines; repeatable).", show_default=False)]
AllSummitsOpt = Annotated[bool, typer.Option(
    "--all-summits", help="Include summits outside the core bilateral set.")]
MinConfOpt = Annotated[str | None, typer.Option(
    "--min-confidence", help="Drop rows coded with less confidence (low, medium, high).",
    show_default=False)]
ConfWeightsOpt = Annotated[bool, typer.Option(
    "--confidence-weights", help="Weight rows by coding confidence (1, 2/3, 1/3).")]


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


@app.command("signal")
def signal_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario file (summitry YAML or JSON).")],
    observe: Annotated[str, typer.Option("--observe", help="Id of the signal seen (or, with "
                                         "--absent, looked for and not seen).")],
    absent: Annotated[bool, typer.Option("--absent", help="The signal was looked for and "
                                         "not seen (absence is evidence too).")] = False,
    note: Annotated[str, typer.Option("--note", help="Why, or the source.")] = "",
    date: Annotated[str | None, typer.Option("--date", help="Date of the observation, "
                                             "YYYY-MM-DD (default: today).")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Models behind the starting prior (default: all).")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws of the starting prior.")] = 1000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed of the starting prior.")] = 1,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Record a signal in a scenario file and print the updated outcome probabilities.

    The update starts from the latest posterior in the file's update log; with an empty
    log, from the models' probabilities pooled with the base rates (then the signals the
    file already marks). The file is rewritten atomically with the new entry appended.
    """
    from summitry.signals import record

    check_format(fmt, ("table", "json"))
    if draws < 1:
        fail(f"--draws: expected a whole number ≥ 1, found {draws}")
    when = _parse_date(date)
    updated = record(file, observe, absent=absent, note=note, date=when,
                     models=_model_list(model), draws=draws, seed=seed)
    entry = updated.updates[-1]
    if fmt == "json":
        sys.stdout.write(json.dumps(entry.model_dump(mode="json"), indent=2) + "\n")
        return
    table = Table(title=f"{observe} {entry.status} on {entry.date.isoformat()} · update "
                  f"{len(updated.updates)} of {file}", title_justify="left")
    for col in ("Outcome", "Before", "After", "Change"):
        table.add_column(col, justify="left" if col == "Outcome" else "right")
    for name in updated.outcome_names:
        a, b = entry.prior[name], entry.posterior[name]
        table.add_row(name, _pct(a), _pct(b), f"{100 * (b - a):+.1f} pts")
    out.print(table)
    if entry.note:
        out.print(f"[dim]note: {entry.note}[/dim]", markup=True)


@app.command("signals")
def signals_cmd(
    file: FileArg = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Show the evidence × outcome matrix (ACH) and the update history of a scenario."""
    from summitry.backtest import json_records
    from summitry.signals import evidence_matrix

    check_format(fmt, ("table", "json"))
    scenario = load_scenario(file)
    matrix = evidence_matrix(scenario)
    if fmt == "json":
        doc = {"outcomes": list(scenario.outcome_names),
               "evidence": json_records(matrix.reset_index()),
               "updates": [u.model_dump(mode="json") for u in scenario.updates]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    names = list(scenario.outcome_names)
    table = Table(title="Evidence × outcome: P(signal | outcome)", title_justify="left")
    table.add_column("Signal", overflow="fold")
    table.add_column("Status")
    table.add_column("Group", style="dim", overflow="fold")
    for n in names:
        table.add_column(n, justify="right")
    table.add_column("Diag.", justify="right")
    def cell(x: Any, fmt: str = "g") -> str:
        x = float(x)
        return "—" if x != x else format(x, fmt)  # NaN: a signal without likelihoods

    for sid, row in matrix.iterrows():
        table.add_row(str(sid), str(row["status"]), str(row["group"]),
                      *[cell(row[n]) for n in names], cell(row["diagnosticity"], ".2f"))
    out.print(table)
    if not scenario.signals:
        out.print("[dim]The scenario declares no signals.[/dim]")
    if not scenario.updates:
        out.print("[dim]No updates recorded yet; record one with: summitry signal FILE "
                  "--observe ID[/dim]")
        return
    hist = Table(title="Update history", title_justify="left")
    for col in ("Date", "Signal", "Status", *names, "Note"):
        hist.add_column(col, justify="right" if col in names else "left", overflow="fold")
    for u in scenario.updates:
        hist.add_row(u.date.isoformat(), u.signal, u.status,
                     *[f"{_pct(u.prior[n])} → {_pct(u.posterior[n])}" for n in names],
                     u.note)
    out.print(hist)


@app.command("precedents")
def precedents_cmd(
    file: FileArg = None,
    k: Annotated[int, typer.Option("-k", help="Most similar summits to list.")] = 5,
    era: EraOpt = None,
    years: YearsOpt = None,
    summit_format: SummitFormatOpt = None,
    all_summits: AllSummitsOpt = False,
    min_confidence: MinConfOpt = None,
    confidence_weights: ConfWeightsOpt = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Base rates of the summit record and the closest precedents with their outcomes.

    The filters start from the scenario's reference.filters; the options override them.
    """
    from summitry.backtest import json_records
    from summitry.reference import base_rates, closest_precedents

    check_format(fmt, ("table", "json"))
    if k < 0:
        fail(f"-k: expected a whole number ≥ 0, found {k}")
    scenario = load_scenario(file)
    ref = scenario.reference
    flt = _filters(ref.filters if ref is not None else None, era, years, summit_format,
                   all_summits, min_confidence, confidence_weights)
    rates = base_rates(flt)
    mapping = dict(ref.mapping) if ref is not None else {}
    prec = closest_precedents(scenario, k)
    if fmt == "json":
        doc = {"base_rates": rates.to_dict(), "mapping": mapping,
               "precedents": json_records(prec.assign(year=prec["year"].astype(int)))}
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
        return
    shown = ", ".join(f"{key}={val}" for key, val in flt.to_dict().items()) or "default"
    table = Table(title=f"Base rates · {rates.n} summits (filters: {shown})",
                  title_justify="left")
    for col in ("Outcome code", "Rate", "Summits", "Named outcome"):
        table.add_column(col, justify="right" if col in ("Rate", "Summits") else "left")
    for code, rate in rates.items():
        table.add_row(code, _pct(rate), fmt_num(rates.counts[code]), mapping.get(code, ""))
    out.print(table)
    pt = Table(title="Closest precedents (* = listed in the scenario)", title_justify="left")
    for col in ("Summit", "Leaders", "Outcome", "Similarity", "Shared agenda"):
        pt.add_column(col, justify="right" if col == "Similarity" else "left")
    for _, row in prec.iterrows():
        label = f"{'* ' if row['explicit'] else ''}{row['summit_id']}"
        who = f"{row['us_leader']} – {row['soviet_russian_leader']}"
        outcome = str(row["outcome"]) + (f"\n[dim]→ {row['outcome_name']}[/dim]"
                                         if row["outcome_name"] else "")
        pt.add_row(label, who, outcome, f"{float(row['similarity']):.2f}", str(row["shared"]))
    out.print(pt)


backtest_app = typer.Typer(
    help="Backtests: published cases (absolute error per model) and the summit record "
    "(leave-one-out base rates vs uniform). Without a subcommand: both.",
    invoke_without_command=True, no_args_is_help=False,
)
app.add_typer(backtest_app, name="backtest")

BtFormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="table or json (default: table).", show_default=False)]


def _bt_format(ctx: typer.Context, fmt: str | None) -> str:
    parent = ctx.parent.params.get("fmt") if ctx.parent is not None else None
    return check_format(fmt or parent or "table", ("table", "json"))


@backtest_app.callback()
def backtest_main(ctx: typer.Context, fmt: BtFormatOpt = None) -> None:
    """Run the backtests (both when no subcommand is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from summitry.backtest import backtest_cases, backtest_summits

    fmt = check_format(fmt or "table", ("table", "json"))
    results = [backtest_cases(), backtest_summits()]
    if fmt == "json":
        sys.stdout.write(json.dumps({r.name: r.to_dict() for r in results}, indent=2) + "\n")
        return
    _print_cases(results[0])
    _print_summits(results[1])


@backtest_app.command("cases")
def backtest_cases_cmd(
    ctx: typer.Context,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Models to score (default: all).")] = None,
    fmt: BtFormatOpt = None,
) -> None:
    """Score every model on the published cases (1994 car emissions: actual 8.833 years)."""
    from summitry.backtest import backtest_cases

    fmt = _bt_format(ctx, fmt)
    result = backtest_cases(_model_list(model))
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_cases(result)


@backtest_app.command("summits")
def backtest_summits_cmd(
    ctx: typer.Context,
    era: EraOpt = None,
    years: YearsOpt = None,
    summit_format: SummitFormatOpt = None,
    all_summits: AllSummitsOpt = False,
    min_confidence: MinConfOpt = None,
    confidence_weights: ConfWeightsOpt = False,
    smoothing: Annotated[float, typer.Option(
        help="Pseudo-count added to every outcome code (0.5 avoids probability-0 misses).")]
    = 0.0,
    mode: Annotated[str, typer.Option(
        help="loo (from all other summits) or prequential (from earlier ones).")] = "loo",
    fmt: BtFormatOpt = None,
) -> None:
    """Forecast each summit by the base rates of the others; Brier/log/RPS vs uniform."""
    from summitry.backtest import backtest_summits

    fmt = _bt_format(ctx, fmt)
    flt = _filters(None, era, years, summit_format, all_summits, min_confidence,
                   confidence_weights)
    result = backtest_summits(flt, smoothing=smoothing, mode=mode)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_summits(result)


@backtest_app.command("deu")
def backtest_deu_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        help="A DEU III file (the original ';' file, or the same columns tab- or "
        "comma-delimited).", show_default=False)],
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Models to score (default: all registered).")] = None,
    capability: Annotated[str, typer.Option(
        help="Capability convention: equal, votes or ssi (Shapley–Shubik index of the "
        "legislative game; the DEU convention).")] = "ssi",
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (or NAME=VALUE for all).")]
    = None,
    missing_salience: Annotated[float, typer.Option(
        help="Salience (0–100) of an actor with a position but no salience.")] = 50.0,
    bootstrap: Annotated[int, typer.Option(
        help="Bootstrap replicates (resampling whole proposals) of each model's "
        "difference from the baseline.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the CV.")] = 0,
    cv: Annotated[bool, typer.Option(
        "--cv/--no-cv", help="Score the ensemble out of fold (weights refitted in "
        "cross-validation grouped by proposal; needs SciPy).")] = False,
    chart: Annotated[Path | None, typer.Option(
        help="Also write an SVG bar chart of MAE by model to this file.",
        show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="table, json or csv (tidy per-issue forecasts).",
        show_default=False)] = None,
) -> None:
    """Score every model on real EU legislative outcomes (DEU III): MAE, RMSE, median
    absolute error, share within 10 points, per procedure, vs the weighted mean."""
    from summitry.backtest_deu import backtest_deu, mae_chart_svg

    parent = ctx.parent.params.get("fmt") if ctx.parent is not None else None
    fmt = check_format(fmt or parent or "table", ("table", "json", "csv"))
    if not file.exists():
        fail(f"{file}: file not found; expected a DEU III file")
    result = backtest_deu(file, _model_list(model), capability=capability,
                          params=parse_params(param), missing_salience=missing_salience,
                          n_boot=bootstrap, seed=seed, cv_ensemble=cv)
    if chart is not None:
        from summitry.io._common import atomic_write

        atomic_write(chart, mae_chart_svg(result))
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    elif fmt == "csv":
        sys.stdout.write(result.to_csv())
    else:
        _print_deu(result)


def _print_deu(result: Any) -> None:
    table = Table(title=f"DEU III backtest · {result.n_issues} issues of {result.n_proposals} "
                  f"proposals · capability {result.capability}", title_justify="left")
    for col in ("Model", "MAE", "RMSE", "MedAE", "≤10", "ΔMAE [95% CI]", "COD", "CNS"):
        table.add_column(col, justify="left" if col == "Model" else "right",
                         no_wrap=col != "Model", min_width=8 if col == "Model" else None)
    notes = []
    published = []
    for m in result.models:
        pub = " / ".join(f"{p['mae']:.2f}" for p in m.get("published", [])
                         if p.get("n") == 351)
        if pub:
            published.append(f"{m['model']} {pub}")
        if m.get("mae") is None:
            table.add_row(str(m["model"]), "—", "—", "—", "—", "n/a", "—", "—")
            notes.append(f"{m['model']}: {m['note']}")
            continue
        vs = m.get("vs_baseline")
        delta = (f"{vs['diff']:+.2f} [{vs['low']:+.1f}, {vs['high']:+.1f}]" if vs else "—")
        proc = m.get("by_procedure", {})
        table.add_row(
            str(m["model"]), f"{m['mae']:.2f}", f"{m['rmse']:.2f}", f"{m['median_ae']:.2f}",
            f"{100 * m['within_10']:.0f}%", delta,
            f"{proc['COD']['mae']:.2f}" if "COD" in proc else "—",
            f"{proc['CNS']['mae']:.2f}" if "CNS" in proc else "—")
        if m.get("note") and m["model"] != "baseline":
            notes.append(f"{m['model']}: {m['note']}")
        if "interval" in m:
            iv = m["interval"]
            notes.append(f"{m['model']}: {100 * iv['level']:.0f}% interval covers "
                         f"{100 * iv['coverage']:.1f}% of outcomes (mean width "
                         f"{iv['mean_width']:.1f} points)")
    out.print(table)
    out.print("Baseline: salience-weighted mean of all actors with a position (equal "
              "capability, missing salience = "
              f"{result.settings['missing_salience']:g}). ΔMAE < 0: better than the baseline "
              "(bootstrap over proposals). MedAE: median absolute error; ≤10: share within 10 "
              "points; COD/CNS: MAE by procedure.")
    if published:
        out.print("Published MAE on all 351 DEU III issues (specs/models.md §2a; --format json "
                  "names each): " + "; ".join(published) + ".")
    if result.skipped:
        reasons: dict[str, int] = {}
        for s in result.skipped:
            kind = str(s["reason"]).split(":")[0]
            reasons[kind] = reasons.get(kind, 0) + 1
        out.print(f"Skipped {len(result.skipped)} row(s): "
                  + ", ".join(f"{n} {r}" for r, n in reasons.items()))
    for note in notes:
        out.print(f"[dim]{note}[/dim]")


def _print_cases(result: Any) -> None:
    table = Table(title="Published cases: point forecast vs actual", title_justify="left")
    for col in ("Case", "Model", "Forecast", "Actual", "Abs. error", "Note"):
        table.add_column(col, justify="right" if col in ("Forecast", "Actual", "Abs. error")
                         else "left")
    for _, r in result.frame.iterrows():
        solved = r["note"] == ""
        table.add_row(str(r["case"]), str(r["model"]),
                      f"{r['forecast']:.3f}" if solved else "—", f"{r['actual']:.3f}",
                      f"{r['abs_error']:.3f}" if solved else "—", str(r["note"]))
    out.print(table)
    best = result.summary.get("best_model")
    if best:
        out.print(f"Lowest error: {best} ({result.summary['mae_by_model'][best]:.3f}).")


def _print_summits(result: Any) -> None:
    s = result.summary
    shown = ", ".join(f"{key}={val}" for key, val in s["filters"].items()) or "default"
    table = Table(title=f"Summit record, {s['mode']} base-rate forecasts · {s['n']} summits "
                  f"(filters: {shown})", title_justify="left")
    for col in ("Score", "Base rates", "Uniform", "Skill"):
        table.add_column(col, justify="left" if col == "Score" else "right")
    labels = {"brier": "Brier (lower is better)", "log_score": "Log score (higher is better)",
              "rps": "Ranked probability score (lower)"}
    for key, label in labels.items():
        table.add_row(label, f"{s[key]:.4f}", f"{s[key + '_uniform']:.4f}",
                      f"{100 * s[key + '_skill']:+.1f}%")
    out.print(table)


# --- Monte Carlo executors, what-if, sensitivity (docs/monte-carlo.md) -------------------------


def _make_executor(name: str, workers: int | None) -> Any:
    """The executor named on the command line (``None`` for serial: run_batch's default)."""
    from summitry.executors import EXECUTORS, get_executor

    key = name.strip().lower()
    if key not in EXECUTORS:
        fail(f"--executor: unknown executor {name!r}; expected one of: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        fail(f"--workers: expected a whole number ≥ 1, found {workers}")
    if key == "serial":
        return None
    if key == "process":
        return get_executor("process", workers=workers)
    return get_executor("dask", **({"n_workers": workers} if workers else {}))


def _run_with_progress(draws: int, fn: Callable[[Any], Any]) -> Any:
    """Call ``fn(progress)`` under the rich progress bar (long Monte Carlo runs only)."""
    with _progress_bar(draws) as bar:
        task = bar.add_task("Monte Carlo", total=None) if draws > 1 else None

        def report(done: int, total: int) -> None:
            if task is not None:
                bar.update(task, completed=done, total=total)

        return fn(report)


def _arrow(base: str, new: str, change: str) -> str:
    return f"{base} → {new} [dim]({change})[/dim]"


@app.command("whatif")
def whatif_cmd(
    file: FileArg = None,
    drop: Annotated[list[str] | None, typer.Option(
        "--drop", help="Drop an actor, by id or name (repeatable).")] = None,
    assign: Annotated[list[str] | None, typer.Option(
        "--set", help="Set an input: ACTOR.ISSUE.position|salience|capability=VALUE or "
        "ACTOR.capability=VALUE (repeatable).")] = None,
    merge: Annotated[list[str] | None, typer.Option(
        "--merge", help="Merge actors into a coalition: A+B=NEW_ID (repeatable).")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws (1 = point forecast).")] = 1,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed (the same for both runs).")] = 1,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    executor: Annotated[str, typer.Option(
        "--executor", help="Where Monte Carlo chunks run: serial, process or dask.")] = "serial",
    workers: Annotated[int | None, typer.Option(
        help="Workers of --executor process/dask (default: all CPUs).")] = None,
) -> None:
    """Forecast a changed scenario beside the base one (drop, set, merge actors)."""
    from summitry.whatif import apply_changes, compare

    check_format(fmt, ("table", "json"))
    if not (drop or assign or merge):
        fail("nothing to change: give --drop ACTOR, --set ACTOR.ISSUE.FIELD=VALUE or "
             "--merge A+B=NAME")
    if draws < 1:
        fail(f"--draws: expected a whole number ≥ 1, found {draws}")
    scenario = load_scenario(file)
    changed, changes = apply_changes(scenario, drop=drop or (), assign=assign or (),
                                     merge=merge or ())
    params = parse_params(param)
    names = _model_list(model)
    _apply_generic(params, names, scenario)
    ex = _make_executor(executor, workers)
    try:
        result = _run_with_progress(draws, lambda report: compare(
            scenario, changed, names, draws=draws, seed=seed, params=params, changes=changes,
            progress=report, executor=ex))
    finally:
        if ex is not None:
            ex.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    title = scenario.meta.title or scenario.id or "scenario"
    mc = f" · {draws:,} draws, seed {seed}" if draws > 1 else ""
    table = Table(title=f"What if: {'; '.join(changes)} — {title}{mc}\n"
                  "[dim]base → what-if (change)[/dim]", title_justify="left")
    table.add_column("Issue")
    for m in result.models:
        table.add_column(m, justify="right")
    frame = result.issue_frame()
    for iss in scenario.issues:
        cells = []
        for m in result.models:
            row = frame[(frame["model"] == m) & (frame["issue"] == iss.id)].iloc[0]
            cells.append(_arrow(fmt_num(float(row["base"])), fmt_num(float(row["whatif"])),
                                f"{float(row['change']):+.2f}"))
        table.add_row(iss.label, *cells)
    out.print(table)
    if scenario.outcomes:
        oc = result.outcome_frame()
        pt = Table(title="Named outcomes", title_justify="left")
        pt.add_column("Outcome")
        cols = [*result.models, "combined"]
        for m in cols:
            pt.add_column(m, justify="right", style="bold" if m == "combined" else None)
        for name in scenario.outcome_names:
            cells = []
            for m in cols:
                row = oc[(oc["model"] == m) & (oc["outcome"] == name)].iloc[0]
                cells.append(_arrow(f"{row['base']:.0%}", f"{row['whatif']:.0%}",
                                    f"{100 * row['change']:+.1f} pts"))
            pt.add_row(name, *cells)
        out.print(pt)
        if draws == 1:
            out.print("[dim]Point forecast: each model names one outcome. Run with "
                      "--draws 10000 for probabilities.[/dim]")


@app.command("sensitivity")
def sensitivity_cmd(
    file: FileArg = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    top: Annotated[int, typer.Option(
        help="Inputs shown per model and issue in the table (0 = all).")] = 10,
    issue: Annotated[list[str] | None, typer.Option(
        "--issue", "-i", help="Only these outcome issues (repeatable).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    sobol_n: Annotated[int, typer.Option(
        "--sobol", help="Instead: Sobol indices of the uncertainty block from N base "
        "samples (N·(groups+2) draws; 0 = off).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the Sobol samples.")] = 1,
) -> None:
    """One-at-a-time sensitivity: which inputs move each issue's outcome most."""
    from summitry.sensitivity import (
        CAPABILITY_STEP,
        POSITION_STEP,
        SALIENCE_STEP,
        elasticities,
        sobol,
        tornado,
    )

    check_format(fmt, ("table", "json", "csv"))
    if top < 0:
        fail(f"--top: expected a whole number ≥ 0, found {top}")
    if sobol_n < 0 or sobol_n == 1:
        fail(f"--sobol: expected 0 (off) or a whole number ≥ 2, found {sobol_n}")
    scenario = load_scenario(file)
    params = parse_params(param)
    names = _model_list(model)
    _apply_generic(params, names, scenario)
    if sobol_n:
        _print_sobol(scenario, sobol(scenario, names, n=sobol_n, seed=seed, params=params),
                     issue, fmt, top, sobol_n)
        return
    frame = _issue_rows(scenario, elasticities(scenario, names, params=params), issue)
    if _emit_frame(frame, fmt):
        return
    title = scenario.meta.title or scenario.id or "scenario"
    out.print(f"[bold]Sensitivity — {title}[/bold]\n[dim]Each input moved alone: position "
              f"±{POSITION_STEP:g}% of the scale, salience ±{SALIENCE_STEP:g}, capability "
              f"±{CAPABILITY_STEP:.0%}. Low/High: the outcome at the input's low/high value; "
              "Elast.: the outcome's change as a share of its scale per unit of input.[/dim]")
    for m in dict.fromkeys(frame["model"]):
        for iss in scenario.issues:
            rows = tornado(frame, iss.id, model=m, top=top or None)
            sub = frame[(frame["model"] == m) & (frame["issue"] == iss.id)]
            if sub.empty:
                continue
            base = float(sub["base"].iloc[0])
            t = Table(title=f"{m} · {iss.label}: outcome {fmt_num(base)}", title_justify="left")
            for col in ("Actor", "Input", "Issue", "Range", "Low", "High", "Δ", "Elast."):
                t.add_column(col, justify="left" if col in ("Actor", "Input", "Issue")
                             else "right")
            for r in rows.to_dict("records"):
                t.add_row(str(r["actor"]), str(r["input"]), str(r["input_issue"]),
                          f"{fmt_num(r['input_low'])}–{fmt_num(r['input_high'])}",
                          fmt_num(r["low"]), fmt_num(r["high"]), f"{r['delta']:+.3g}",
                          f"{r['elasticity']:+.3f}")
            if rows.empty:
                t.add_row("[dim]no input moves this outcome[/dim]", "", "", "", "", "", "", "")
            out.print(t)


def _issue_rows(scenario: Any, frame: Any, issue: list[str] | None) -> Any:
    """The rows of ``frame`` for the chosen issues (an unknown issue names the known ones)."""
    if not issue:
        return frame
    for iid in issue:
        scenario.issue(iid)  # raises UnknownNameError naming the issues
    return frame[frame["issue"].isin(issue)].reset_index(drop=True)


def _emit_frame(frame: Any, fmt: str) -> bool:
    """Write ``frame`` as JSON records or CSV; ``False`` when ``fmt`` is the table."""
    if fmt == "json":
        sys.stdout.write(json.dumps(frame.to_dict("records"), indent=2) + "\n")
    elif fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    return fmt in ("json", "csv")


def _print_sobol(scenario: Any, frame: Any, issue: list[str] | None, fmt: str, top: int,
                 n: int) -> None:
    frame = _issue_rows(scenario, frame, issue)
    if _emit_frame(frame, fmt):
        return
    title = scenario.meta.title or scenario.id or "scenario"
    out.print(f"[bold]Sobol indices — {title}[/bold]\n[dim]Share of each outcome's Monte Carlo "
              f"variance due to one actor's uncertain positions, saliences, capability or "
              f"attendance (N = {n:,}; inputs sampled independently). First: alone; "
              "total: with all its interactions.[/dim]")
    for m in dict.fromkeys(frame["model"]):
        for iss in scenario.issues:
            sub = frame[(frame["model"] == m) & (frame["issue"] == iss.id)]
            if sub.empty:
                continue
            sd = float(sub["variance"].iloc[0]) ** 0.5
            t = Table(title=f"{m} · {iss.label}: outcome sd {fmt_num(sd)}", title_justify="left")
            for col in ("Actor", "Input", "First", "Total"):
                t.add_column(col, justify="left" if col in ("Actor", "Input") else "right")
            for r in sub.head(top or None).to_dict("records"):
                t.add_row(str(r["actor"]), str(r["input"]), f"{r['first']:.3f}",
                          f"{r['total']:.3f}")
            out.print(t)


# --- report and briefing (docs/report.md, docs/briefing.md) ---------------------------------

ReportDrawsOpt = Annotated[int, typer.Option(
    "--draws", help="Monte Carlo draws behind the probabilities (1 = point forecasts).")]


def _publish_forecast(scenario: Any, model: list[str] | None, draws: int, seed: int,
                      rounds: int | None, param: list[str] | None) -> Any:
    """The forecast a report or article shows (with the CLI's usual model options)."""
    from summitry.forecast import forecast as run

    if draws < 1:
        fail(f"--draws: expected a whole number ≥ 1, found {draws}")
    params = parse_params(param)
    names = _model_list(model)
    if rounds is not None:
        if rounds < 1:
            fail(f"--rounds: expected a whole number ≥ 1, found {rounds}")
        params.setdefault("*", {})["rounds"] = rounds
    _apply_generic(params, names, scenario)
    return _run_with_progress(draws, lambda progress: run(
        scenario, names, draws=draws, seed=seed, params=params, progress=progress))


@app.command("report")
def report_cmd(
    file: FileArg = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to write: .html (offline, interactive), .md or .pdf.",
        show_default=False)] = Path("report.html"),
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    draws: ReportDrawsOpt = 1000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed.")] = 1,
    rounds: Annotated[int | None, typer.Option(
        help="Rounds of the dynamic models (default: each model's own).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (repeatable).")] = None,
    no_sensitivity: Annotated[bool, typer.Option(
        "--no-sensitivity", help="Leave out the sensitivity (tornado) section.")] = False,
) -> None:
    """Write the analyst's report: charts, tables, probabilities, signals, precedents."""
    import time

    from summitry.report import write_report

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md", ".markdown", ".pdf"):
        fail(f"--output {output}: expected a file name ending in .html, .md or .pdf")
    scenario = load_scenario(file)
    result = _publish_forecast(scenario, model, draws, seed, rounds, param)
    started = time.perf_counter()
    write_report(output, scenario, result, sensitivity=not no_sensitivity)
    err.print(f"wrote {output} ({time.perf_counter() - started:.1f} s)")


_LIGHTS = {"green": "[green]●[/green]", "orange": "[yellow]●[/yellow]",
           "red": "[red]●[/red]", "info": "[blue]○[/blue]"}


def _print_checks(article: Any) -> None:
    from summitry.briefing import check_article
    from summitry.briefing.seo import overall_scores

    results = check_article(article)
    seo, readability = overall_scores(results)
    table = Table(title=f"SEO and readability — keyphrase {article.keyphrase!r}",
                  title_justify="left")
    for col in ("", "Check", "Value", "Advice"):
        table.add_column(col)
    groups = (("seo", "SEO"), ("readability", "Readability"), ("info", "Information"))
    for kind, label in groups:
        rows = [r for r in results if r.kind == kind]
        if not rows:
            continue
        table.add_row("", f"[bold]{label}[/bold]", "", "")
        for r in rows:
            table.add_row(_LIGHTS[r.status], r.name, r.value, r.message)
    out.print(table, markup=True)
    scored = [r for r in results if r.kind in ("seo", "readability")]
    count = {c: sum(1 for r in scored if r.status == c) for c in ("green", "orange", "red")}
    flags = sum(1 for r in results if r.id.startswith("flag:"))
    out.print(f"SEO score {seo}/100 · readability score {readability}/100 · checks: "
              f"{count['green']} green, {count['orange']} orange, {count['red']} red · "
              f"{flags} metadata default{'s' if flags != 1 else ''} to replace")


@app.command("brief")
def brief_cmd(
    file: FileArg = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the article: .html (with JSON-LD) or .md.",
        show_default=False)] = None,
    stage: Annotated[str, typer.Option(
        help="before, during (a live blog) or after the event.")] = "before",
    check: Annotated[bool, typer.Option(
        "--check", help="Print the SEO and readability checks as a traffic-light table.")
    ] = False,
    sitemap: Annotated[Path | None, typer.Option(
        "--sitemap", help="Add the article to this Google News sitemap (two-day window).",
        show_default=False)] = None,
    url: Annotated[str | None, typer.Option(
        "--url", help="Canonical URL of the article (default: meta.url).",
        show_default=False)] = None,
    published: Annotated[str | None, typer.Option(
        "--published", help="Publication time, ISO 8601 (default: now).",
        show_default=False)] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    draws: ReportDrawsOpt = 1000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed.")] = 1,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting MODEL.NAME=VALUE (repeatable).")] = None,
) -> None:
    """Write the briefing article (SEO metadata, JSON-LD, dated updates)."""
    import datetime as dt

    from summitry.briefing import build_article, render_html, render_markdown, update_sitemap
    from summitry.io._common import atomic_write

    if stage not in ("before", "during", "after"):
        fail(f"--stage: unknown stage {stage!r}; expected one of: before, during, after")
    if output is None and not check and sitemap is None:
        fail("nothing to do: give --output FILE (.html or .md), --check or --sitemap FILE")
    if output is not None and output.suffix.lower() not in (".html", ".htm", ".md",
                                                            ".markdown"):
        fail(f"--output {output}: expected a file name ending in .html or .md")
    when = None
    if published is not None:
        try:
            when = dt.datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
        except ValueError:
            fail(f"--published: expected an ISO 8601 date-time such as "
                 f"2025-08-14T09:00:00+00:00, found {published!r}")
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
    scenario = load_scenario(file)
    result = _publish_forecast(scenario, model, draws, seed, None, param)
    article = build_article(scenario, result, stage=stage,  # type: ignore[arg-type]
                            url=url, published=when)
    if output is not None:
        md = output.suffix.lower() in (".md", ".markdown")
        atomic_write(output, render_markdown(article) if md else render_html(article))
        err.print(f"wrote {output}")
    if sitemap is not None:
        from summitry.briefing.sitemap import WINDOW

        update_sitemap(sitemap, article)
        age = dt.datetime.now(dt.UTC) - article.published
        if age > WINDOW:
            err.print(f"updated {sitemap}; the article was published more than two days ago, "
                      "so the news sitemap leaves it out (Google News lists only the last two "
                      "days)")
        else:
            err.print(f"updated {sitemap}")
    if check:
        _print_checks(article)


# --- web app (docs/web.md) --------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(
        help="Address to bind. The default serves this computer only; another address "
             "exposes the app (and its database) to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    db: Annotated[Path | None, typer.Option(
        "--db", help="Database file (default: $SUMMITRY_DB or "
                     "~/.local/share/summitry/summitry.db).")] = None,
    max_upload_mb: Annotated[float, typer.Option(
        min=0.001, help="Largest accepted upload in MB (larger: 413).")] = 10.0,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Threads running background Monte Carlo forecasts.")] = 2,
) -> None:
    """Start the web app (pages, JSON API under /api, OpenAPI at /openapi.json)."""
    try:
        import uvicorn

        from summitry.web import create_app
    except ImportError as exc:
        from summitry.errors import MissingExtraError

        raise MissingExtraError(f"summitry serve ({exc.name} is missing)", "web") from None
    loopback = host in ("127.0.0.1", "localhost", "::1")
    hosts = None if loopback else ["*"]
    application = create_app(db, max_upload_bytes=int(max_upload_mb * 1024 * 1024),
                             job_workers=workers, allowed_hosts=hosts)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"summitry web app on http://{shown}:{port}/  (database: "
              f"{application.state.store_path}; Ctrl+C stops)", markup=False)
    if not loopback:
        err.print("warning: listening beyond this computer; anyone who can reach "
                  f"{host}:{port} can read and change the scenarios", markup=False,
                  style="yellow")
    uvicorn.run(application, host=host, port=port, log_level="warning")


# --- sweeps (docs/performance.md) -------------------------------------------------------------


def _sweep_executor(name: str, scheduler: str | None, workers: int | None) -> Any:
    """The sweep's executor: ``auto`` is a local Dask cluster when Dask is installed,
    else a process pool (serial on one CPU); ``--scheduler`` means an existing cluster."""
    import importlib.util
    import os

    from summitry.executors import EXECUTORS, get_executor

    key = name.strip().lower()
    if key not in (*EXECUTORS, "auto"):
        fail(f"--executor: unknown executor {name!r}; expected one of: auto, "
             + ", ".join(EXECUTORS))
    if workers is not None and workers < 1:
        fail(f"--workers: expected a whole number ≥ 1, found {workers}")
    if scheduler is not None:
        if key not in ("auto", "dask"):
            fail(f"--scheduler is a Dask cluster's address; it cannot be used with "
                 f"--executor {key}")
        return get_executor("dask", address=scheduler)
    if key == "auto":
        if importlib.util.find_spec("distributed") is not None:
            key = "dask"
        else:
            key = "process" if (workers or os.cpu_count() or 1) > 1 else "serial"
    if key == "serial":
        return get_executor("serial")
    if key == "process":
        return get_executor("process", workers=workers)
    return get_executor("dask", processes=True, threads_per_worker=1,
                        dashboard_address=None,
                        **({"n_workers": workers} if workers else {}))


@app.command("sweep")
def sweep_cmd(
    file: FileArg = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "-g", help="A setting to sweep: MODEL.PARAM=v1,v2,… or "
        "ACTOR.ISSUE.FIELD=START:STOP:COUNT (repeatable; the product is run).")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to run (repeat, or comma-separated; default: all).")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws per setting.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed (the same for every "
                                      "setting).")] = 1,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Model setting for every run, MODEL.NAME=VALUE.")] = None,
    weight: Annotated[list[str] | None, typer.Option(
        "--weight", help="Weight of a model in the combined outcome forecast, MODEL=W.")] = None,
    executor: Annotated[str, typer.Option(
        "--executor", help="auto (a local Dask cluster when Dask is installed), serial, "
        "process or dask.")] = "auto",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler, e.g. "
        "tcp://10.0.0.5:8786.")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Workers of the process pool or local cluster (default: all CPUs).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Parquet file to write (default: SCENARIO-sweep.parquet).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume/--fresh", help="Reuse the chunks an interrupted run of the same sweep "
        "saved (default), or start over.")] = True,
    chunk_size: Annotated[int | None, typer.Option(
        "--chunk-size", help="Draws per task (default 2000).")] = None,
) -> None:
    """Forecast every combination of the --grid settings; write tidy Parquet rows."""
    from summitry.sweep import parse_grid, run_sweep

    if not grid:
        fail("nothing to sweep: give --grid MODEL.PARAM=v1,v2 or "
             "--grid ACTOR.ISSUE.FIELD=START:STOP:COUNT (repeatable)")
    if draws < 1:
        fail(f"--draws: expected a whole number ≥ 1, found {draws}")
    scenario = load_scenario(file)
    items = parse_grid(grid or [], scenario)
    params = parse_params(param)
    names = _model_list(model)
    _apply_generic(params, names, scenario)
    path = output or Path(f"{scenario.id or 'scenario'}-sweep.parquet")
    ex = _sweep_executor(executor, scheduler, workers)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("Sweep"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("chunks"), console=err, transient=True,
                   disable=not err.is_terminal)
    try:
        with bar:
            task = bar.add_task("sweep", total=None)
            result = run_sweep(
                scenario, items, models=names, draws=draws, seed=seed, params=params,
                weights=parse_weights(weight) or None, executor=ex, out=path,
                resume=resume, chunk_size=chunk_size,
                progress=lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        ex.close()
    summary = result.summary_frame()
    title = scenario.meta.title or scenario.id or "scenario"
    probs = [c for c in summary.columns if str(c).startswith("P(")]
    keys = [g.key for g in result.grid]
    shown = probs or [c for c in summary.columns if str(c).endswith(" (q50)")]
    what = ("combined named-outcome probabilities" if probs else
            "median outcome (q50) of each issue, averaged over the models")
    table = Table(title=f"Sweep — {title} · {draws:,} draws per setting, seed {seed}\n"
                  f"[dim]{what}; every statistic is in {path}[/dim]", title_justify="left")
    table.add_column("#", justify="right")
    for col in [*keys, *shown]:
        table.add_column(str(col).removesuffix(" (q50)"), justify="right")
    for rec in summary.to_dict("records"):
        cells = [str(rec["setting"])]
        for col in keys:
            v = rec[col]
            cells.append(fmt_num(float(v)) if isinstance(v, (int, float)) and
                         not isinstance(v, bool) else str(v))
        cells += [f"{rec[c]:.0%}" if probs else fmt_num(float(rec[c])) for c in shown]
        table.add_row(*cells)
    out.print(table)
    n_rows = len(result.frame)
    reused = f", {result.reused} reused from an interrupted run" if result.reused else ""
    out.print(f"Wrote {path}: {n_rows:,} rows ({len(result.settings)} settings); "
              f"{result.ran} chunks run{reused}.")


# --- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print a message and return exit code 2."""
    from summitry.models import _numba

    _numba.skip_blas_probe()  # ~0.15 s less start-up; no summitry kernel uses BLAS
    try:  # typer ≥ 0.20 vendors click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover - older typer on real click
        from click import exceptions as click_exc  # type: ignore[no-redef]

    try:
        rv = app(args=argv, standalone_mode=False)
    except SummitryError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, style="red")
        return 2
    except click_exc.NoArgsIsHelpError as exc:
        exc.show()
        return 0
    except click_exc.ClickException as exc:
        exc.show()
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    return int(rv) if isinstance(rv, int) else 0


def _entry() -> None:  # pragma: no cover
    sys.exit(main())
