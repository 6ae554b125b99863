"""The scenario: who sits at the table, what is on the agenda, where each party stands.

A :class:`Scenario` is a frozen, validated value (pydantic v2) read once at the boundary
(:func:`summitry.load`) and never mutated; what-if operations return new scenarios.

- :class:`Issue` — an agenda item with a scale (``lower``–``upper`` in the user's units),
  labelled ``anchors``, an optional ``status_quo`` and a ``group`` (agenda pillar).
- :class:`Actor` — a party with an overall ``capability`` (optionally per issue).
- :class:`Stance` — one actor's ``position`` (issue units) and ``salience`` on one issue,
  with a ``source``/rationale. Salience is 0–1 or 0–100 as the file declares once in
  ``salience_scale``.
- :class:`Uncertainty` / :class:`Distribution` — ranges or distributions for position,
  salience and capability, and an actor's probability of being absent; used by
  :mod:`summitry.simulate`.
- :class:`OutcomeRule` — ordered named outcomes on issue outcomes (``Breakthrough:
  ceasefire >= 60 and sanctions >= 40``) ending in a catch-all, so the set is exhaustive.
- :class:`Signal` — an indicator with its likelihood under each named outcome.
- :class:`Meta` — title, summary, date, venue and keywords for the briefing.

:meth:`Scenario.problem` turns the scenario into the :class:`~summitry.problem.Problem`
arrays the models consume.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from summitry._rules import Rule, RuleSyntaxError, parse_rule
from summitry.problem import Problem

__all__ = [
    "Actor",
    "Distribution",
    "Issue",
    "Meta",
    "OutcomeRule",
    "ReferenceMapping",
    "Scenario",
    "Signal",
    "SignalUpdate",
    "Stance",
    "Uncertainty",
]

SCHEMA: Literal["summitry/1"] = "summitry/1"

Id = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\s<>\"'`]+$")]


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number, found {v}")
    return v


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- uncertainty ------------------------------------------------------------------------


def _dist_shorthand(v: Any) -> Any:
    """``[low, high]`` means uniform; a bare number means fixed."""
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return {"dist": "uniform", "low": v[0], "high": v[1]}
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"dist": "fixed", "value": v}
    return v


class Distribution(_Frozen):
    """A distribution of one uncertain input, in the input's own units.

    ``uniform(low, high)``, ``triangular(low, mode, high)``, ``normal(mean, sd)``
    truncated to ``[low, high]`` (defaults: the input's valid range), or ``fixed(value)``.
    A two-element list ``[low, high]`` is shorthand for uniform.
    """

    dist: Literal["uniform", "triangular", "normal", "fixed"] = "uniform"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    value: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        for name in ("low", "high", "mode", "mean", "sd", "value"):
            v = getattr(self, name)
            if v is not None:
                _finite(v, name)
        need = {
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "fixed": ("value",),
        }[self.dist]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(need)}; missing "
                             + ", ".join(missing))
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if self.dist == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            if not self.low <= self.mode <= self.high:
                raise ValueError(f"mode {self.mode} is outside [{self.low}, {self.high}]")
        return self

    def support(self) -> tuple[float, float]:
        """The smallest interval holding every draw (``inf`` where unbounded)."""
        if self.dist == "fixed":
            assert self.value is not None
            return (self.value, self.value)
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return (lo, hi)

    def center(self) -> float:
        """A central value (used when the point value is not given elsewhere)."""
        if self.dist == "fixed":
            assert self.value is not None
            return self.value
        if self.dist == "normal":
            assert self.mean is not None
            return self.mean
        if self.dist == "triangular":
            assert self.mode is not None
            return self.mode
        assert self.low is not None and self.high is not None
        return (self.low + self.high) / 2


Dist = Annotated[Distribution, BeforeValidator(_dist_shorthand)]


class Uncertainty(_Frozen):
    """What is uncertain about a stance (position, salience) or an actor (capability,
    absence). ``group`` names a correlation group: draws of stances in one group are
    correlated with the group's ``rho`` (declared in ``Scenario.correlations``)."""

    position: Dist | None = None
    salience: Dist | None = None
    capability: Dist | None = None
    absent: float = Field(default=0.0, ge=0.0, le=1.0)
    group: str | None = None


# --- the core values ----------------------------------------------------------------------


def _anchor_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {float(k): str(val) for k, val in v.items()}
    return v


class Issue(_Frozen):
    """An agenda item on a scale from ``lower`` to ``upper`` (the user's units)."""

    id: Id
    name: str = ""
    description: str = ""
    lower: float = 0.0
    upper: float = 100.0
    units: str = ""
    anchors: Annotated[dict[float, str], BeforeValidator(_anchor_keys)] = Field(
        default_factory=dict
    )
    status_quo: float | None = None
    group: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Issue:
        _finite(self.lower, "lower")
        _finite(self.upper, "upper")
        if self.lower >= self.upper:
            raise ValueError(
                f"the scale's lower bound ({self.lower:g}) must be below its upper bound "
                f"({self.upper:g})"
            )
        for k in self.anchors:
            if not self.lower <= k <= self.upper:
                raise ValueError(f"anchor {k:g} is outside the scale [{self.lower:g}, "
                                 f"{self.upper:g}]")
        if self.status_quo is not None:
            _finite(self.status_quo, "status_quo")
            if not self.lower <= self.status_quo <= self.upper:
                raise ValueError(f"status_quo {self.status_quo:g} is outside the scale "
                                 f"[{self.lower:g}, {self.upper:g}]")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id

    def anchor_label(self, value: float) -> str:
        """The label of the anchor nearest to ``value`` ('' when there are none)."""
        if not self.anchors:
            return ""
        key = min(self.anchors, key=lambda k: abs(k - value))
        return self.anchors[key]


class Actor(_Frozen):
    """A party to the negotiation."""

    id: Id
    name: str = ""
    description: str = ""
    goal: str = ""
    capability: float = Field(default=1.0, ge=0.0)
    capability_by_issue: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=dict
    )
    group: str | None = None
    uncertainty: Uncertainty | None = None

    @field_validator("capability")
    @classmethod
    def _cap_finite(cls, v: float) -> float:
        return _finite(v, "capability")

    @property
    def label(self) -> str:
        return self.name or self.id

    def capability_on(self, issue: str) -> float:
        return self.capability_by_issue.get(issue, self.capability)


class Stance(_Frozen):
    """Where ``actor`` stands on ``issue`` and how much it cares."""

    actor: Id
    issue: Id
    position: float
    salience: float = Field(ge=0.0)
    source: str = ""
    uncertainty: Uncertainty | None = None

    @field_validator("position", "salience")
    @classmethod
    def _finite_num(cls, v: float) -> float:
        return _finite(v, "value")


class OutcomeRule(_Frozen):
    """A named outcome: the first rule (in order) that holds names the result."""

    name: str = Field(min_length=1, max_length=80)
    rule: str
    description: str = ""

    @field_validator("rule")
    @classmethod
    def _parse(cls, v: str) -> str:
        try:
            parse_rule(v)
        except RuleSyntaxError as exc:
            raise ValueError(f"the rule {v!r} does not parse: {exc}") from None
        return v

    @property
    def compiled(self) -> Rule:
        return parse_rule(self.rule)


class Signal(_Frozen):
    """An indicator and how likely it is under each named outcome.

    ``likelihoods`` holds P(signal observed | outcome) for every named outcome, each in
    (0, 1]. ``status`` is ``observed``, ``absent`` (looked for and not seen — evidence
    too) or ``unknown``. Signals sharing a ``group`` are correlated: they count as one
    update (see :mod:`summitry.signals`).
    """

    id: Id
    text: str
    date: dt.date | None = None
    status: Literal["observed", "absent", "unknown"] = "unknown"
    likelihoods: dict[str, float]
    group: str | None = None
    source: str = ""

    @field_validator("likelihoods")
    @classmethod
    def _probs(cls, v: dict[str, float]) -> dict[str, float]:
        for name, p in v.items():
            if not (isinstance(p, (int, float)) and math.isfinite(p) and 0.0 < p <= 1.0):
                raise ValueError(f"the likelihood for {name!r} must be in (0, 1], found {p}")
        return v


class SignalUpdate(_Frozen):
    """One entry of the update log: a signal applied to a prior."""

    date: dt.date
    signal: str
    status: Literal["observed", "absent"]
    prior: dict[str, float]
    posterior: dict[str, float]
    note: str = ""


class ReferenceMapping(_Frozen):
    """How the summit record's outcome codes map onto this scenario's named outcomes,
    and which precedents count (see :mod:`summitry.reference`)."""

    mapping: dict[str, str] = Field(default_factory=dict)
    weight: float = Field(default=0.3, ge=0.0, le=1.0)
    filters: dict[str, Any] = Field(default_factory=dict)
    precedents: tuple[str, ...] = ()


class Meta(_Frozen):
    """What the briefing article needs beyond the numbers."""

    title: str = ""
    summary: str = ""
    event_date: dt.date | None = None
    end_date: dt.date | None = None
    venue: str = ""
    location: str = ""
    keywords: tuple[str, ...] = ()
    background: str = ""
    hidden_stakes: str = ""
    url: str = ""
    author: str = ""
    publisher: str = ""
    language: str = "en"


class Scenario(_Frozen):
    """A whole negotiation, validated. Build with :func:`summitry.load` or directly."""

    schema_: Literal["summitry/1"] = Field(default=SCHEMA, alias="schema")
    id: str = ""
    meta: Meta = Field(default_factory=Meta)
    salience_scale: Literal["0-1", "0-100"] = "0-1"
    issues: tuple[Issue, ...]
    actors: tuple[Actor, ...]
    stances: tuple[Stance, ...]
    outcomes: tuple[OutcomeRule, ...] = ()
    signals: tuple[Signal, ...] = ()
    updates: tuple[SignalUpdate, ...] = ()
    reference: ReferenceMapping | None = None
    correlations: dict[str, Annotated[float, Field(ge=-1.0, le=1.0)]] = Field(
        default_factory=dict
    )
    model_params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Default settings per model name (e.g. the variant parameters of a KTAB XML file);
    settings given on the command line or in code override them."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    # -- cross-field rules ---------------------------------------------------------------
    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        errors: list[str] = []
        if not self.issues:
            errors.append("issues: a scenario needs at least one issue")
        if not self.actors:
            errors.append("actors: a scenario needs at least one actor")
        for kind, ids in (("issue", self.issue_ids), ("actor", self.actor_ids)):
            seen: set[str] = set()
            for k, item_id in enumerate(ids):
                if item_id in seen:
                    errors.append(f"{kind}s[{k}].id: duplicate {kind} id {item_id!r}")
                seen.add(item_id)
        issues = {i.id: i for i in self.issues}
        actors = {a.id for a in self.actors}
        smax = 1.0 if self.salience_scale == "0-1" else 100.0
        pairs: set[tuple[str, str]] = set()
        for k, st in enumerate(self.stances):
            where = f"stances[{k}]"
            if st.actor not in actors:
                errors.append(f"{where}.actor: unknown actor {st.actor!r}")
            if st.issue not in issues:
                errors.append(f"{where}.issue: unknown issue {st.issue!r}")
                continue
            if (st.actor, st.issue) in pairs:
                errors.append(f"{where}: duplicate stance of {st.actor!r} on {st.issue!r}")
            pairs.add((st.actor, st.issue))
            iss = issues[st.issue]
            if not iss.lower <= st.position <= iss.upper:
                errors.append(f"{where}.position: {st.position:g} is outside the scale of "
                              f"{st.issue!r} [{iss.lower:g}, {iss.upper:g}]")
            if st.salience > smax:
                errors.append(f"{where}.salience: {st.salience:g} is above {smax:g} "
                              f"(salience_scale is {self.salience_scale})")
            if st.uncertainty is not None:
                errors.extend(self._check_uncertainty(st.uncertainty, where, iss, smax))
        for k, actor in enumerate(self.actors):
            for iid in actor.capability_by_issue:
                if iid not in issues:
                    errors.append(f"actors[{k}].capability_by_issue: unknown issue {iid!r}")
            if actor.uncertainty is not None:
                u = actor.uncertainty
                if u.position is not None or u.salience is not None:
                    errors.append(f"actors[{k}].uncertainty: position and salience "
                                  "uncertainty belong on stances")
                cap = u.capability
                # a normal without an explicit low is truncated at 0 by the sampler
                if cap is not None and not (cap.dist == "normal" and cap.low is None) \
                        and cap.support()[0] < 0:
                    errors.append(f"actors[{k}].uncertainty.capability: the range "
                                  "goes below 0")
        with_stance = {i for _, i in pairs}
        for k, iss in enumerate(self.issues):
            if iss.id not in with_stance:
                errors.append(f"issues[{k}]: issue {iss.id!r} has no stances")
        errors.extend(self._check_outcomes(issues))
        names = {o.name for o in self.outcomes}
        for k, sig in enumerate(self.signals):
            for name in sig.likelihoods:
                if name not in names:
                    errors.append(f"signals[{k}].likelihoods: unknown outcome {name!r}")
            if self.outcomes and set(sig.likelihoods) != names and sig.likelihoods:
                missing = sorted(names - set(sig.likelihoods))
                if missing:
                    errors.append(f"signals[{k}].likelihoods: no likelihood for "
                                  + ", ".join(repr(m) for m in missing))
        sig_ids = [s.id for s in self.signals]
        if len(set(sig_ids)) != len(sig_ids):
            errors.append("signals: duplicate signal ids")
        for k, up in enumerate(self.updates):
            if up.signal not in sig_ids:
                errors.append(f"updates[{k}].signal: unknown signal {up.signal!r}")
        if self.reference is not None:
            for code, name in self.reference.mapping.items():
                if name not in names:
                    errors.append(f"reference.mapping.{code}: unknown outcome {name!r}")
        groups = {
            u.group
            for u in [s.uncertainty for s in self.stances] + [a.uncertainty for a in self.actors]
            if u is not None and u.group
        }
        for g in self.correlations:
            if g not in groups:
                errors.append(f"correlations.{g}: no uncertainty block names group {g!r}")
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @staticmethod
    def _check_uncertainty(u: Uncertainty, where: str, iss: Issue, smax: float) -> list[str]:
        out = []
        if u.capability is not None:
            out.append(f"{where}.uncertainty.capability: capability uncertainty belongs on "
                       "the actor")
        if u.position is not None:
            lo, hi = u.position.support()
            dist = u.position.dist
            if dist != "normal" and (lo < iss.lower or hi > iss.upper):
                out.append(f"{where}.uncertainty.position: range [{lo:g}, {hi:g}] is outside "
                           f"the scale of {iss.id!r} [{iss.lower:g}, {iss.upper:g}]")
            if dist == "normal" and ((u.position.low is not None and lo < iss.lower)
                                     or (u.position.high is not None and hi > iss.upper)):
                out.append(f"{where}.uncertainty.position: truncation range is outside the "
                           f"scale of {iss.id!r}")
        if u.salience is not None:
            lo, hi = u.salience.support()
            if u.salience.dist != "normal" and (lo < 0 or hi > smax):
                out.append(f"{where}.uncertainty.salience: range [{lo:g}, {hi:g}] is outside "
                           f"[0, {smax:g}]")
        return out

    def _check_outcomes(self, issues: dict[str, Issue]) -> list[str]:
        out: list[str] = []
        if not self.outcomes:
            return out
        seen: set[str] = set()
        for k, oc in enumerate(self.outcomes):
            if oc.name in seen:
                out.append(f"outcomes[{k}].name: duplicate outcome {oc.name!r}")
            seen.add(oc.name)
            for iid in sorted(oc.compiled.issues() - set(issues)):
                out.append(f"outcomes[{k}].rule: unknown issue {iid!r} in {oc.rule!r}")
        if not self.outcomes[-1].compiled.is_catch_all:
            out.append(f"outcomes[{len(self.outcomes) - 1}].rule: the last outcome must be a "
                       "catch-all ('otherwise') so that the set is exhaustive")
        for k, oc in enumerate(self.outcomes[:-1]):
            if oc.compiled.is_catch_all:
                out.append(f"outcomes[{k}].rule: only the last outcome may be a catch-all")
        return out

    # -- lookups --------------------------------------------------------------------------
    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.issues)

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outcomes)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        from summitry.errors import UnknownNameError

        raise UnknownNameError("issue", issue_id, self.issue_ids)

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id or a.name == actor_id:
                return a
        from summitry.errors import UnknownNameError

        raise UnknownNameError("actor", actor_id, self.actor_ids)

    def stance(self, actor_id: str, issue_id: str) -> Stance | None:
        for s in self.stances:
            if s.actor == actor_id and s.issue == issue_id:
                return s
        return None

    def iter_stances(self) -> Iterator[tuple[int, int, Stance]]:
        """``(actor index, issue index, stance)`` for every stance."""
        a_idx = {a: k for k, a in enumerate(self.actor_ids)}
        i_idx = {i: k for k, i in enumerate(self.issue_ids)}
        for st in self.stances:
            yield a_idx[st.actor], i_idx[st.issue], st

    @property
    def salience_divisor(self) -> float:
        return 1.0 if self.salience_scale == "0-1" else 100.0

    # -- arrays ---------------------------------------------------------------------------
    def problem(self) -> Problem:
        """The point (``D = 1``) :class:`Problem` of this scenario."""
        n_a, n_i = len(self.actors), len(self.issues)
        pos = np.zeros((n_a, n_i))
        sal = np.zeros((n_a, n_i))
        act = np.zeros((n_a, n_i), dtype=bool)
        div = self.salience_divisor
        for a, i, st in self.iter_stances():
            pos[a, i] = st.position
            sal[a, i] = st.salience / div
            act[a, i] = True
        cap = np.array([[a.capability_on(i) for i in self.issue_ids] for a in self.actors])
        lower = np.array([i.lower for i in self.issues])
        upper = np.array([i.upper for i in self.issues])
        for i, iss in enumerate(self.issues):
            pos[~act[:, i], i] = (iss.lower + iss.upper) / 2
        sq = np.array([np.nan if i.status_quo is None else i.status_quo for i in self.issues])
        return Problem.from_arrays(
            positions=pos, salience=sal, capability=cap, active=act, lower=lower,
            upper=upper, status_quo=sq, actors=self.actor_ids, issues=self.issue_ids,
        )

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON/YAML-ready) that :func:`summitry.io.from_dict` reads back."""
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        data["schema"] = SCHEMA
        return data

    def input_hash(self) -> str:
        """SHA-256 of the canonical JSON of the scenario (provenance)."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True,
                          separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def evolve(self, **changes: Any) -> Scenario:
        """A new, re-validated scenario with some top-level fields replaced."""
        data = self.model_dump(by_alias=True)
        data.update(changes)
        return Scenario.model_validate(data)
