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


def parse_value(text: str) -> Any:
    """``"1"`` → 1, ``"0.5"`` → 0.5, ``"true"`` → True, else the string."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text.strip()


def parse_params(items: list[str] | None) -> dict[str, dict[str, Any]]:
    """``["challenge.q=0.5", "rounds=8"]`` → ``{"challenge": {"q": 0.5}, "*": {"rounds": 8}}``."""
    params: dict[str, dict[str, Any]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--param {item!r}: expected MODEL.NAME=VALUE or NAME=VALUE")
        model, dot, name = key.strip().rpartition(".")
        params.setdefault(model if dot else "*", {})[name] = parse_value(value)
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

        result = run(scenario, names, draws=draws, seed=seed, params=params,
                     weights=parse_weights(weight) or None, progress=report)
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

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if draws < 5000 or not err.is_terminal:
        class _Quiet:
            def add_task(self, *a: Any, **k: Any) -> None:
                return None

            def update(self, *a: Any, **k: Any) -> None:
                return None

        return nullcontext(_Quiet())
    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=err, transient=True)


def _print_forecast(result: Any, *, history: bool) -> None:
    sc = result.scenario
    title = sc.meta.title or sc.id
    mc = f" · {result.draws:,} draws, seed {result.seed}" if result.draws > 1 else ""
    table = Table(title=f"{title}{mc}", title_justify="left")
    table.add_column("Issue")
    table.add_column("Scale", style="dim")
    for r in result.results:
        table.add_column(r.model, justify="right")
    for k, iss in enumerate(sc.issues):
        cells = []
        for r in result.results:
            point = float(r.point()[k])
            cell = fmt_num(point)
            if result.draws > 1:
                q = r.quantiles((0.05, 0.95))[:, k]
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


# --- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print a message and return exit code 2."""
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
