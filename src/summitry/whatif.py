"""What-if analysis: change a scenario, forecast both, show what moved.

Scenarios are frozen; every operation here returns a NEW, re-validated
:class:`~summitry.scenario.Scenario` and leaves its input untouched:

- :func:`drop_actor` — the actor leaves the table: its stances go, and so do correlation
  groups no uncertainty block names any more. Dropping the last actor with a stance on an
  issue is refused (the issue would have nobody to negotiate it).
- :func:`set_value` — ``"China.sanctions.salience" = 0.9``: a stance's ``position`` (issue
  units) or ``salience`` (the scenario's salience scale), or a ``capability`` — the actor's
  overall one (``"China.capability"``; per-issue overrides stay) or on one issue
  (``"China.sanctions.capability"``). Actors are named by id or name, issues by id or
  name. A value set this way is *known*: the uncertainty of that input is removed, so a
  Monte Carlo run holds it fixed.
- :func:`merge_actors` — a coalition of two or more actors under a new id. Its overall
  capability is the members' sum; on each issue its capability is the sum over the members
  with a stance on that issue, its position the capability × salience weighted mean of
  their positions (the compromise model's formula, Van den Bos 1991 — the position a
  coalition that pools its weight would settle on; the plain mean where all weights are
  0), and its salience the members' maximum (a coalition cares as much as its most
  committed member). The coalition is taken at these point values: the members'
  uncertainty blocks are not carried over.

:func:`compare` forecasts a base and a changed scenario with the same models, draws and
seed. Monte Carlo draws are keyed by input (:mod:`summitry.simulate`), so inputs the change
does not touch get the same draws in both runs and the difference is the change's effect,
not sampling noise. ``summitry whatif`` prints the resulting :class:`WhatIf`.

>>> from summitry.scenario import Scenario
>>> sc = Scenario.model_validate({
...     "issues": [{"id": "x"}], "actors": [{"id": "a"}, {"id": "b", "capability": 3}],
...     "stances": [{"actor": "a", "issue": "x", "position": 0, "salience": 1},
...                 {"actor": "b", "issue": "x", "position": 100, "salience": 1}]})
>>> set_value(sc, "b.x.position", 60).stance("b", "x").position
60.0
>>> m = merge_actors(sc, ["a", "b"], "ab")
>>> m.actor("ab").capability, m.stance("ab", "x").position
(4.0, 75.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summitry.errors import SummitryError, UnknownNameError
from summitry.scenario import Actor, Issue, Scenario

if TYPE_CHECKING:
    import pandas as pd

    from summitry.forecast import Forecast

__all__ = [
    "FIELDS",
    "WhatIf",
    "apply_changes",
    "compare",
    "drop_actor",
    "merge_actors",
    "parse_assignment",
    "parse_merge",
    "set_value",
]

#: The inputs :func:`set_value` can change.
FIELDS = ("position", "salience", "capability")


# --- lookups ----------------------------------------------------------------------------------


def _find_actor(scenario: Scenario, ref: str) -> Actor | None:
    for a in scenario.actors:
        if a.id == ref:
            return a
    for a in scenario.actors:
        if a.name and a.name == ref:
            return a
    return None


def _find_issue(scenario: Scenario, ref: str) -> Issue | None:
    for i in scenario.issues:
        if i.id == ref:
            return i
    for i in scenario.issues:
        if i.name and i.name == ref:
            return i
    return None


def _actor(scenario: Scenario, ref: str) -> Actor:
    found = _find_actor(scenario, ref)
    if found is None:
        raise UnknownNameError("actor", ref, scenario.actor_ids)
    return found


def _rebuild(data: dict[str, Any]) -> Scenario:
    """Validate the changed data; drop correlation groups nobody names any more."""
    from summitry.io import from_dict

    groups = {
        u["group"]
        for item in [*data["stances"], *data["actors"]]
        if (u := item.get("uncertainty")) and u.get("group")
    }
    data["correlations"] = {g: r for g, r in data.get("correlations", {}).items() if g in groups}
    return from_dict(data, source="what-if")


def _data(scenario: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = scenario.model_dump(by_alias=True)
    return data


# --- operations ----------------------------------------------------------------------------------


def drop_actor(scenario: Scenario, actor: str) -> Scenario:
    """The scenario without ``actor`` (id or name) and its stances.

    Raises:
        UnknownNameError: no such actor.
        SummitryError: it is the only actor, or the only one with a stance on an issue.
    """
    gone = _actor(scenario, actor)
    if len(scenario.actors) == 1:
        raise SummitryError(f"cannot drop {gone.id!r}: it is the scenario's only actor")
    data = _data(scenario)
    data["actors"] = [a for a in data["actors"] if a["id"] != gone.id]
    data["stances"] = [s for s in data["stances"] if s["actor"] != gone.id]
    left = {s["issue"] for s in data["stances"]}
    orphans = [i.id for i in scenario.issues if i.id not in left]
    if orphans:
        raise SummitryError(
            f"cannot drop {gone.id!r}: it is the only actor with a stance on "
            + ", ".join(repr(i) for i in orphans)
            + "; give another actor a stance there first"
        )
    return _rebuild(data)


def _split_path(scenario: Scenario, path: str) -> tuple[Actor, Issue | None, str]:
    """``"China.sanctions.salience"`` → (actor, issue, field); ids may contain dots."""
    parts = [p.strip() for p in path.strip().split(".")]
    if len(parts) < 2 or not all(parts):
        raise SummitryError(
            f"cannot read {path!r}; expected ACTOR.ISSUE.FIELD or ACTOR.capability "
            f"(FIELD one of: {', '.join(FIELDS)})"
        )
    field = parts[-1]
    if field not in FIELDS:
        raise UnknownNameError("field", field, FIELDS)
    head = parts[:-1]
    if field == "capability":
        whole = _find_actor(scenario, ".".join(head))
        if whole is not None:
            return whole, None, field
    actor_hit = False
    for k in range(len(head) - 1, 0, -1):
        actor = _find_actor(scenario, ".".join(head[:k]))
        if actor is None:
            continue
        actor_hit = True
        issue = _find_issue(scenario, ".".join(head[k:]))
        if issue is not None:
            return actor, issue, field
    if actor_hit or len(head) == 1:
        if len(head) == 1:
            _actor(scenario, head[0])  # raises for an unknown actor
            raise SummitryError(
                f"{path!r}: a {field} belongs to an actor on an issue; "
                f"expected ACTOR.ISSUE.{field}"
            )
        raise UnknownNameError("issue", ".".join(head[1:]), scenario.issue_ids)
    raise UnknownNameError("actor", head[0], scenario.actor_ids)


def set_value(scenario: Scenario, path: str, value: float) -> Scenario:
    """The scenario with one input set to ``value`` (its uncertainty removed).

    Args:
        scenario: the scenario.
        path: ``ACTOR.ISSUE.position``, ``ACTOR.ISSUE.salience``,
            ``ACTOR.ISSUE.capability`` or ``ACTOR.capability``.
        value: in the input's own units (issue units; the salience scale; capability).

    Raises:
        UnknownNameError: an unknown actor, issue or field (naming the known ones).
        SummitryError: no stance for that actor and issue, or a value out of range
            (a :class:`~summitry.errors.ValidationError` naming the rule).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value):
        raise SummitryError(f"{path}: expected a finite number, found {value!r}")
    actor, issue, field = _split_path(scenario, path)
    data = _data(scenario)
    a_data = next(a for a in data["actors"] if a["id"] == actor.id)
    if field == "capability":
        if issue is None:
            a_data["capability"] = float(value)
            unc = a_data.get("uncertainty")
            if unc and unc.get("capability") is not None:
                unc["capability"] = None
        else:
            a_data["capability_by_issue"] = {**a_data.get("capability_by_issue", {}),
                                             issue.id: float(value)}
        return _rebuild(data)
    assert issue is not None
    for st in data["stances"]:
        if st["actor"] == actor.id and st["issue"] == issue.id:
            st[field] = float(value)
            if st.get("uncertainty") and st["uncertainty"].get(field) is not None:
                st["uncertainty"][field] = None
            return _rebuild(data)
    has = [s.issue for s in scenario.stances if s.actor == actor.id]
    raise SummitryError(
        f"{path}: {actor.id!r} has no stance on {issue.id!r}; it has stances on: "
        + (", ".join(has) or "(none)")
    )


def merge_actors(
    scenario: Scenario, actors: Sequence[str], new_id: str, *, name: str | None = None
) -> Scenario:
    """The scenario with ``actors`` (ids or names) replaced by one coalition ``new_id``.

    See the module docstring for how capability, position and salience combine. The
    coalition takes the place of its first member in the actor list.

    Raises:
        UnknownNameError: an unknown actor.
        SummitryError: fewer than two distinct actors, or ``new_id`` already taken by an
            actor outside the coalition.
    """
    members = [_actor(scenario, ref) for ref in actors]
    ids = list(dict.fromkeys(a.id for a in members))
    if len(ids) < 2:
        raise SummitryError("a merge needs at least two different actors, found "
                            + (", ".join(ids) or "none"))
    new_id = new_id.strip()
    if not new_id:
        raise SummitryError("a merge needs a name for the coalition (A+B=NAME)")
    if new_id not in ids and _find_actor(scenario, new_id) is not None:
        raise SummitryError(f"cannot name the coalition {new_id!r}: an actor of that id "
                            "already exists")
    group = {scenario.actor(i).id: scenario.actor(i) for i in ids}
    total = sum(a.capability for a in group.values())
    by_issue: dict[str, float] = {}
    stances: list[dict[str, Any]] = []
    for iss in scenario.issues:
        held = [(group[s.actor], s) for s in scenario.stances
                if s.issue == iss.id and s.actor in group]
        if not held:
            continue
        caps = [a.capability_on(iss.id) for a, _ in held]
        cap_here = sum(caps)
        if not math.isclose(cap_here, total):
            by_issue[iss.id] = cap_here
        w = [c * s.salience for c, (_, s) in zip(caps, held, strict=True)]
        pos = (sum(wk * s.position for wk, (_, s) in zip(w, held, strict=True)) / sum(w)
               if sum(w) > 0 else sum(s.position for _, s in held) / len(held))
        pos = min(max(pos, iss.lower), iss.upper)
        stances.append({"actor": new_id, "issue": iss.id, "position": pos,
                        "salience": max(s.salience for _, s in held),
                        "source": "coalition of " + ", ".join(a.id for a, _ in held)})
    groups = {a.group for a in group.values()}
    coalition: dict[str, Any] = {
        "id": new_id,
        "name": name or " + ".join(a.label for a in group.values()),
        "description": "Coalition of " + ", ".join(group),
        "capability": total,
        "capability_by_issue": by_issue,
        "group": groups.pop() if len(groups) == 1 else None,
    }
    data = _data(scenario)
    first = next(k for k, a in enumerate(data["actors"]) if a["id"] in group)
    data["actors"] = ([a for a in data["actors"][:first] if a["id"] not in group]
                      + [coalition]
                      + [a for a in data["actors"][first:] if a["id"] not in group])
    data["stances"] = [s for s in data["stances"] if s["actor"] not in group] + stances
    return _rebuild(data)


# --- parsing (CLI) ---------------------------------------------------------------------------


def parse_assignment(text: str) -> tuple[str, float]:
    """``"China.sanctions.salience=0.9"`` → ``("China.sanctions.salience", 0.9)``.

    >>> parse_assignment("US.ceasefire.position = 55")
    ('US.ceasefire.position', 55.0)
    """
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise SummitryError(f"--set {text!r}: expected ACTOR.ISSUE.FIELD=VALUE, e.g. "
                            "China.sanctions.salience=0.9")
    try:
        value = float(raw)
    except ValueError:
        raise SummitryError(f"--set {text!r}: expected a number after '=', found "
                            f"{raw.strip()!r}") from None
    if not math.isfinite(value):
        raise SummitryError(f"--set {text!r}: expected a finite number, found {raw.strip()!r}")
    return path.strip(), value


def parse_merge(text: str) -> tuple[list[str], str]:
    """``"US+EU=West"`` → ``(["US", "EU"], "West")``.

    >>> parse_merge("US + EU = West")
    (['US', 'EU'], 'West')
    """
    left, sep, new = text.partition("=")
    members = [m.strip() for m in left.split("+") if m.strip()]
    if not sep or len(members) < 2 or not new.strip():
        raise SummitryError(f"--merge {text!r}: expected ACTOR+ACTOR[+…]=NEW_ID, e.g. "
                            "US+EU=West")
    return members, new.strip()


def apply_changes(
    scenario: Scenario,
    *,
    drop: Iterable[str] = (),
    assign: Iterable[str | tuple[str, float]] = (),
    merge: Iterable[str | tuple[Sequence[str], str]] = (),
) -> tuple[Scenario, list[str]]:
    """Apply drops, then merges, then assignments; return the scenario and a description.

    ``assign`` items are ``"PATH=VALUE"`` strings or ``(path, value)`` pairs; ``merge``
    items are ``"A+B=NEW"`` strings or ``([a, b], new)`` pairs.
    """
    changes: list[str] = []
    out = scenario
    for actor in drop:
        out = drop_actor(out, actor)
        changes.append(f"drop {actor}")
    for group in merge:
        members, new = (parse_merge(group) if isinstance(group, str)
                        else (list(group[0]), group[1]))
        out = merge_actors(out, members, new)
        changes.append(f"merge {' + '.join(members)} = {new}")
    for assignment in assign:
        path, value = (parse_assignment(assignment) if isinstance(assignment, str)
                       else assignment)
        out = set_value(out, path, value)
        note = ""
        if (path.rsplit(".", 1)[-1] == "salience" and out.salience_scale == "0-100"
                and 0 < value <= 1):
            # a common slip: 0.9 meant as 90 % in a file whose saliences run 0–100
            note = f" (saliences here run 0–100: {value:g} is {value:g} %, not {value:.0%})"
        changes.append(f"set {path} = {value:g}{note}")
    return out, changes


# --- comparing forecasts ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WhatIf:
    """A base and a changed forecast of the same models, draws and seed."""

    base: Forecast
    changed: Forecast
    changes: tuple[str, ...]

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(m for m in self.base.models if m in self.changed.models)

    def issue_frame(self) -> pd.DataFrame:
        """One row per model × issue: ``base``, ``whatif`` and ``change``.

        User units; the point forecast (the median over draws in a Monte Carlo run).
        """
        import pandas as pd

        rows = []
        for m in self.models:
            b, c = self.base[m].point(), self.changed[m].point()
            for k, iss in enumerate(self.base.scenario.issues):
                rows.append({"model": m, "issue": iss.id, "name": iss.label,
                             "base": float(b[k]), "whatif": float(c[k]),
                             "change": float(c[k] - b[k])})
        return pd.DataFrame(rows)

    def outcome_frame(self) -> pd.DataFrame:
        """One row per model (and ``"combined"``) × named outcome: probabilities."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        if not self.base.scenario.outcomes:
            return pd.DataFrame(columns=["model", "outcome", "base", "whatif", "change"])
        for m in [*self.models, None]:
            pb = self.base.outcome_probabilities(m)
            pc = self.changed.outcome_probabilities(m)
            for name in pb:
                rows.append({"model": m or "combined", "outcome": name, "base": pb[name],
                             "whatif": pc.get(name, 0.0),
                             "change": pc.get(name, 0.0) - pb[name]})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the changes, per issue and model the three numbers, and outcomes."""
        issues: dict[str, dict[str, Any]] = {}
        for row in self.issue_frame().to_dict("records"):
            item = issues.setdefault(row["issue"], {"id": row["issue"], "name": row["name"],
                                                    "models": {}})
            item["models"][row["model"]] = {k: row[k] for k in ("base", "whatif", "change")}
        out: dict[str, Any] = {
            "scenario": {"id": self.base.scenario.id,
                         "title": self.base.scenario.meta.title or self.base.scenario.id},
            "changes": list(self.changes),
            "draws": self.base.draws,
            "seed": self.base.seed,
            "issues": list(issues.values()),
        }
        if self.base.scenario.outcomes:
            outcomes: dict[str, dict[str, Any]] = {}
            for row in self.outcome_frame().to_dict("records"):
                item = outcomes.setdefault(row["outcome"], {"name": row["outcome"],
                                                            "models": {}})
                nums = {k: row[k] for k in ("base", "whatif", "change")}
                if row["model"] == "combined":
                    item.update(nums)
                else:
                    item["models"][row["model"]] = nums
            out["outcomes"] = list(outcomes.values())
        return out


def compare(
    base: Scenario,
    changed: Scenario,
    models: str | Sequence[str] | None = None,
    *,
    draws: int = 1,
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    changes: Sequence[str] = (),
    **kwargs: Any,
) -> WhatIf:
    """Forecast ``base`` and ``changed`` with the same models, draws and seed.

    ``kwargs`` (``weights``, ``executor``, ``chunk_size``, ``progress``) go to
    :func:`summitry.forecast.forecast` for both runs.
    """
    from summitry.forecast import forecast

    fb = forecast(base, models, draws=draws, seed=seed, params=params, **kwargs)
    fc = forecast(changed, list(fb.models), draws=draws, seed=seed, params=params, **kwargs)
    return WhatIf(base=fb, changed=fc, changes=tuple(changes))
