"""The outside view: base rates and precedents from the record of US–Russia summits.

A forecast built only from the bargaining models is an *inside view*: it follows the
mechanics of this one negotiation. Good forecasters balance it with the *outside view* —
how often summits of this kind ended one way or another (Kahneman & Lovallo 1993; Tetlock &
Gardner 2015, "Superforecasting", commandment 3; docs/probabilities.md). This module holds
that outside view.

- :func:`summit_record` — the 44 US–Soviet/Russian leader summits 1955–2021 shipped with the
  package (``data/summits/us_russia_summits.csv``, sources in ``SOURCES.md`` beside it), with
  ``year`` and ``era`` columns added.
- :func:`base_rates` — the share of each outcome code (``binding_agreement_signed``,
  ``joint_statement_only``, ``no_agreement``) among the summits a :class:`Filters` selects
  (era or year range, format, core bilateral set, minimum coding confidence or confidence as
  weights). The default selects the 39 core bilateral summits: 14/39 binding, 18/39 joint
  statement only, 7/39 no agreement.
- :func:`map_to_outcomes` — through the scenario's ``reference.mapping`` (code → named
  outcome; several codes may map onto one outcome) onto the scenario's named outcomes.
- :func:`prior` — the linear pool ``w · base rates + (1 − w) · model probabilities``
  (eq. 1 of docs/probabilities.md) with ``w = reference.weight``, 0.3 by default.
- :func:`closest_precedents` — the summits whose agenda is most like the scenario's
  (TF-IDF cosine of agenda keywords, plus the format), and the precedents the scenario lists
  explicitly (``reference.precedents``: a summit id such as ``1985-geneva`` or
  ``"Place YYYY"`` such as ``"Geneva 1985"``).

Why 0.3: the reference class is small (39 summits) and heterogeneous (Cold War and after),
and the leave-one-out backtest (:mod:`summitry.backtest`) shows the base rates beat a
uniform forecast only modestly, so they should not dominate; but the models are untested on
summits and a point forecast puts all its mass on one outcome, so a 30 % share of the outside
view keeps every outcome that has happened before at a non-zero prior (Cromwell's rule —
no later signal can revive an outcome given probability 0) — at least 0.3 × 7/39 ≈ 5 % for
"no agreement". Tetlock's superforecasters start from the base rate and adjust; 0.3 is the
weight at which the adjustment (the models) still leads. Set ``reference.weight`` to change it.

>>> rates = base_rates()
>>> rates.n, round(rates["binding_agreement_signed"], 3)
(39, 0.359)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from summitry.errors import SummitryError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

    from summitry.scenario import Scenario

__all__ = [
    "CONFIDENCE_LEVELS",
    "CONFIDENCE_WEIGHTS",
    "COLD_WAR_END",
    "DEFAULT_WEIGHT",
    "OUTCOME_CODES",
    "BaseRates",
    "Filters",
    "base_rates",
    "closest_precedents",
    "leader_meetings",
    "map_to_outcomes",
    "prior",
    "resolve_summit",
    "summit_record",
]

#: The outcome codes of the summit record, from the least to the most agreement.
OUTCOME_CODES = ("no_agreement", "joint_statement_only", "binding_agreement_signed")

#: Coding-confidence levels, from the least to the most sure.
CONFIDENCE_LEVELS = ("low", "medium", "high")

#: Weights of a row by coding confidence when ``confidence_weights`` is on: linear in the
#: level, so a medium-confidence coding counts two thirds of a sure one.
CONFIDENCE_WEIGHTS: dict[str, float] = {"high": 1.0, "medium": 2.0 / 3.0, "low": 1.0 / 3.0}

#: The last year counted as Cold War (the USSR dissolved in December 1991).
COLD_WAR_END = 1991

#: Default weight of the base rates in :func:`prior` (see the module docstring).
DEFAULT_WEIGHT = 0.3

#: The formats of the summit record.
FORMATS = ("bilateral", "four_power", "multilateral_sidelines")

_DATA = "data/summits"
_SUMMITS = "us_russia_summits.csv"
_MEETINGS = "oh_us_soviet_russian_leader_meetings.csv"

_ERAS = ("all", "cold_war", "post_cold_war")


# --- the record ---------------------------------------------------------------------------


def _data_file(name: str) -> Any:
    return resources.files("summitry").joinpath(f"{_DATA}/{name}")


@lru_cache(maxsize=1)
def _record_cached() -> pd.DataFrame:
    import pandas as pd

    with _data_file(_SUMMITS).open("rb") as fh:
        frame = pd.read_csv(fh, dtype={"side_agreements": "string"})
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
    for col in ("in_core_bilateral_set", "collapsed_or_walkout"):
        frame[col] = frame[col].astype(bool)
    frame["year"] = frame["start_date"].dt.year.astype(int)
    frame["era"] = np.where(frame["year"] <= COLD_WAR_END, "cold_war", "post_cold_war")
    bad = sorted(set(frame["outcome"]) - set(OUTCOME_CODES))
    if bad:  # pragma: no cover - guards the shipped data
        raise SummitryError(f"the summit record has unknown outcome codes: {bad}")
    return frame


def summit_record() -> pd.DataFrame:
    """The 44 US–Soviet/Russian leader summits 1955–2021, one row per summit.

    The columns of the shipped CSV (``data/summits/SOURCES.md``) with dates parsed, plus
    ``year`` (of the start date) and ``era`` (``cold_war`` up to 1991, else
    ``post_cold_war``). A fresh copy each call: changing it changes nothing here.
    """
    return _record_cached().copy()


def leader_meetings() -> pd.DataFrame:
    """The 89 US–Soviet/Russian leader meetings of the Office of the Historian's records.

    Includes G7/G20 sideline meetings; one row per trip or visit, dates parsed.
    """
    import pandas as pd

    with _data_file(_MEETINGS).open("rb") as fh:
        frame = pd.read_csv(fh)
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
    return frame


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which summits form the reference class.

    Attributes:
        era: ``"all"``, ``"cold_war"`` (start year ≤ 1991) or ``"post_cold_war"``.
        years: an inclusive ``(first, last)`` range of start years; either end may be
            ``None``. Combined with ``era`` (both must hold).
        format: the formats to keep (``bilateral``, ``four_power``,
            ``multilateral_sidelines``); empty keeps all.
        core: keep only the core bilateral set (``in_core_bilateral_set``). Default on: the
            39 stand-alone bilateral leader summits are the reference class of the data's
            README figures.
        min_confidence: drop rows coded with less confidence (``low``/``medium``/``high``).
        confidence_weights: weight rows by coding confidence (:data:`CONFIDENCE_WEIGHTS`)
            instead of counting each once.
        exclude: summit ids left out (the leave-one-out backtest uses it).

    Build from a mapping (a scenario's ``reference.filters``) with :meth:`from_mapping`;
    ``years`` may then also be a string ``"1985-2000"``, ``format`` a single string, and
    ``core_only``/``in_core_bilateral_set`` and ``min_coding_confidence``/
    ``coding_confidence`` are accepted for ``core`` and ``min_confidence``.
    """

    era: str = "all"
    years: tuple[int | None, int | None] = (None, None)
    format: tuple[str, ...] = ()
    core: bool = True
    min_confidence: str = "low"
    confidence_weights: bool = False
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.era not in _ERAS:
            raise SummitryError(f"filters.era: unknown era {self.era!r}; expected one of: "
                                + ", ".join(_ERAS))
        for f in self.format:
            if f not in FORMATS:
                raise SummitryError(f"filters.format: unknown format {f!r}; expected one of: "
                                    + ", ".join(FORMATS))
        if self.min_confidence not in CONFIDENCE_LEVELS:
            raise SummitryError(f"filters.min_confidence: unknown level "
                                f"{self.min_confidence!r}; expected one of: "
                                + ", ".join(CONFIDENCE_LEVELS))
        lo, hi = self.years
        if lo is not None and hi is not None and lo > hi:
            raise SummitryError(f"filters.years: the first year {lo} is after the last {hi}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Filters:
        """Filters from a plain mapping such as a scenario's ``reference.filters``."""
        if not data:
            return cls()
        known = {f for f in cls.__dataclass_fields__}
        data = {_FILTER_ALIASES.get(str(k), str(k)): v for k, v in data.items()}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SummitryError(f"filters: unknown filter {unknown[0]!r}; expected one of: "
                                + ", ".join(sorted(known)))
        kw: dict[str, Any] = dict(data)
        if "years" in kw:
            kw["years"] = _parse_years(kw["years"])
        for key in ("format", "exclude"):
            if key in kw:
                val = kw[key]
                kw[key] = (val,) if isinstance(val, str) else tuple(val or ())
        for key in ("core", "confidence_weights"):
            if key in kw and not isinstance(kw[key], bool):
                raise SummitryError(f"filters.{key}: expected true or false, found {kw[key]!r}")
        for key in ("era", "min_confidence"):
            if key in kw and not isinstance(kw[key], str):
                raise SummitryError(f"filters.{key}: expected a name, found {kw[key]!r}")
        return cls(**kw)

    def to_dict(self) -> dict[str, Any]:
        """The non-default settings as a plain mapping (JSON-ready)."""
        out: dict[str, Any] = {}
        default = Filters()
        for name in self.__dataclass_fields__:
            val = getattr(self, name)
            if val != getattr(default, name):
                out[name] = list(val) if isinstance(val, tuple) else val
        return out

    def replace(self, **changes: Any) -> Filters:
        """A copy with some settings changed."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data.update(changes)
        return Filters(**data)

    def select(self, record: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``record`` these filters keep (with a ``weight`` column)."""
        keep = np.ones(len(record), dtype=bool)
        if self.era != "all":
            keep &= (record["era"] == self.era).to_numpy()
        lo, hi = self.years
        if lo is not None:
            keep &= (record["year"] >= lo).to_numpy()
        if hi is not None:
            keep &= (record["year"] <= hi).to_numpy()
        if self.format:
            keep &= record["format"].isin(self.format).to_numpy()
        if self.core:
            keep &= record["in_core_bilateral_set"].to_numpy(dtype=bool)
        level = CONFIDENCE_LEVELS.index(self.min_confidence)
        ok = {c for c in CONFIDENCE_LEVELS if CONFIDENCE_LEVELS.index(c) >= level}
        keep &= record["coding_confidence"].isin(ok).to_numpy()
        if self.exclude:
            known = set(record["summit_id"])
            for sid in self.exclude:
                if sid not in known:
                    raise UnknownNameError("summit", sid, sorted(known))
            keep &= ~record["summit_id"].isin(self.exclude).to_numpy()
        out = record.loc[keep].copy()
        if self.confidence_weights:
            out["weight"] = out["coding_confidence"].map(CONFIDENCE_WEIGHTS).astype(float)
        else:
            out["weight"] = 1.0
        return out


#: Other names accepted for the filter keys (the record's own column names, mostly).
_FILTER_ALIASES = {
    "core_only": "core",
    "in_core_bilateral_set": "core",
    "min_coding_confidence": "min_confidence",
    "coding_confidence": "min_confidence",
    "formats": "format",
}


def _parse_years(value: Any) -> tuple[int | None, int | None]:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})?\s*[-–:]\s*(\d{4})?\s*", value)
        if m is None:
            m1 = re.fullmatch(r"\s*(\d{4})\s*", value)
            if m1 is None:
                raise SummitryError(f"filters.years: expected 'YYYY-YYYY' (either end may be "
                                    f"left out), found {value!r}")
            return (int(m1.group(1)), int(m1.group(1)))
        a, b = m.group(1), m.group(2)
        return (int(a) if a else None, int(b) if b else None)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        out: list[int | None] = []
        for v in value:
            if v is None:
                out.append(None)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out.append(int(v))
            else:
                raise SummitryError(f"filters.years: expected whole years, found {v!r}")
        return (out[0], out[1])
    raise SummitryError(f"filters.years: expected [first, last] or 'YYYY-YYYY', found {value!r}")


def _as_filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    if isinstance(filters, Filters):
        return filters
    return Filters.from_mapping(filters)


# --- base rates ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BaseRates(Mapping[str, float]):
    """The share of each outcome code in a reference class; reads as ``{code: rate}``.

    Attributes:
        rates: ``{code: rate}`` over :data:`OUTCOME_CODES`, summing to 1.
        counts: the (weighted) number of summits per code.
        n: the number of summits in the class.
        effective_n: Kish's effective sample size ``(Σw)² / Σw²`` (``n`` when unweighted).
        smoothing: the pseudo-count added to every code.
        filters: the filters that chose the class.
        summits: the ids of the summits in the class.
    """

    rates: dict[str, float]
    counts: dict[str, float]
    n: int
    effective_n: float
    smoothing: float = 0.0
    filters: Filters = field(default_factory=Filters)
    summits: tuple[str, ...] = ()

    def __getitem__(self, code: str) -> float:
        return self.rates[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rates)

    def __len__(self) -> int:
        return len(self.rates)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.3f}" for k, v in self.rates.items())
        return f"BaseRates({inner}; n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {"rates": dict(self.rates), "counts": dict(self.counts), "n": self.n,
                "effective_n": self.effective_n, "smoothing": self.smoothing,
                "filters": self.filters.to_dict(), "summits": list(self.summits)}


def base_rates(
    filters: Filters | Mapping[str, Any] | None = None,
    *,
    smoothing: float = 0.0,
    record: pd.DataFrame | None = None,
) -> BaseRates:
    """The share of each outcome code among the summits ``filters`` select.

    ``rate(c) = (Σ_{s: outcome c} w_s + α) / (Σ_s w_s + K α)`` with row weights ``w_s``
    (1, or the coding-confidence weight), ``K = 3`` codes and pseudo-count
    ``α = smoothing`` (0: plain frequencies; 0.5 is the Jeffreys/Krichevsky–Trofimov
    estimator, which never gives a code probability 0).

    Args:
        filters: a :class:`Filters` or a mapping of its fields (default: the 39 core
            bilateral summits).
        smoothing: pseudo-count ``α ≥ 0`` added to every code.
        record: the summit record to use (default :func:`summit_record`).

    Raises:
        SummitryError: an unknown filter or value, or no summit left after filtering.
    """
    flt = _as_filters(filters)
    if not (isinstance(smoothing, (int, float)) and math.isfinite(smoothing) and smoothing >= 0):
        raise SummitryError(f"smoothing must be a finite number ≥ 0, found {smoothing!r}")
    rows = flt.select(summit_record() if record is None else record)
    if len(rows) == 0:
        raise SummitryError(f"no summit in the record matches the filters {flt.to_dict()}; "
                            "widen them (e.g. era 'all', core false, min_confidence 'low')")
    w = rows["weight"].to_numpy(dtype=float)
    codes = rows["outcome"].to_numpy()
    counts = {c: float(w[codes == c].sum()) for c in OUTCOME_CODES}
    total = float(w.sum()) + len(OUTCOME_CODES) * smoothing
    rates = {c: (counts[c] + smoothing) / total for c in OUTCOME_CODES}
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    return BaseRates(rates=rates, counts=counts, n=len(rows), effective_n=n_eff,
                     smoothing=float(smoothing), filters=flt,
                     summits=tuple(str(s) for s in rows["summit_id"]))


def _reference(scenario: Scenario) -> Any:
    ref = scenario.reference
    if ref is None or not ref.mapping:
        raise SummitryError(
            f"scenario {scenario.id or '<unnamed>'!r} has no reference.mapping: add a "
            "'reference:' block mapping each outcome code of the summit record ("
            + ", ".join(OUTCOME_CODES) + ") to one of its named outcomes ("
            + ", ".join(scenario.outcome_names) + ")"
        )
    return ref


def map_to_outcomes(rates: Mapping[str, float], scenario: Scenario) -> dict[str, float]:
    """Base rates by code → probabilities of the scenario's named outcomes.

    Every code in ``rates`` must be mapped by ``scenario.reference.mapping``; several codes
    may map onto one outcome (their rates add up); an outcome no code maps onto gets 0.

    Raises:
        SummitryError: the scenario has no mapping, or a code is not mapped.
    """
    ref = _reference(scenario)
    unmapped = [c for c in rates if c not in ref.mapping]
    if unmapped:
        raise SummitryError(
            f"reference.mapping of scenario {scenario.id or '<unnamed>'!r} does not map the "
            f"outcome code(s) {', '.join(repr(c) for c in unmapped)}; map every code of the "
            "summit record (" + ", ".join(OUTCOME_CODES) + ") to a named outcome ("
            + ", ".join(scenario.outcome_names) + ")"
        )
    out = {name: 0.0 for name in scenario.outcome_names}
    for code, rate in rates.items():
        name = ref.mapping[code]
        if name not in out:  # scenario validation rules this out; be loud anyway
            raise UnknownNameError("outcome", name, scenario.outcome_names)
        out[name] += float(rate)
    return out


def _check_probs(probs: Mapping[str, float], names: Sequence[str], what: str) -> dict[str, float]:
    missing = [n for n in names if n not in probs]
    extra = [n for n in probs if n not in names]
    if extra:
        raise UnknownNameError("outcome", extra[0], tuple(names))
    if missing:
        raise SummitryError(f"{what}: no probability for outcome(s) "
                            + ", ".join(repr(m) for m in missing))
    vals = {n: float(probs[n]) for n in names}
    if any(not math.isfinite(v) or v < 0 for v in vals.values()):
        raise SummitryError(f"{what}: probabilities must be finite and ≥ 0, found {vals}")
    total = sum(vals.values())
    if abs(total - 1.0) > 1e-6:
        raise SummitryError(f"{what}: probabilities must sum to 1, found {total:.6g}")
    return vals


def prior(
    scenario: Scenario,
    model_probs: Mapping[str, float],
    weight: float | None = None,
    *,
    filters: Filters | Mapping[str, Any] | None = None,
    smoothing: float = 0.0,
) -> dict[str, float]:
    """The prior over named outcomes: ``w · base rates + (1 − w) · model probabilities``.

    A linear opinion pool of the outside view (the mapped base rates) and the inside view
    (the models' named-outcome probabilities), docs/probabilities.md eq. 1.

    Args:
        scenario: the scenario (its ``reference`` block gives mapping, weight and filters).
        model_probs: ``{outcome: probability}`` from the models
            (:meth:`~summitry.forecast.Forecast.outcome_probabilities`).
        weight: the base rates' weight ``w`` in [0, 1]; default ``reference.weight``
            (0.3 unless the scenario says otherwise), or 0 when the scenario has no
            ``reference`` block.
        filters: override ``reference.filters``.
        smoothing: pseudo-count for :func:`base_rates`.

    Raises:
        SummitryError: bad probabilities or weight, or a base-rate weight > 0 without a
            reference mapping.
    """
    names = scenario.outcome_names
    if not names:
        raise SummitryError("the scenario declares no named outcomes, so there is no prior "
                            "over outcomes; add an 'outcomes:' block")
    model = _check_probs(model_probs, names, "model probabilities")
    ref = scenario.reference
    if weight is None:
        weight = ref.weight if ref is not None else 0.0
    if not (isinstance(weight, (int, float)) and 0.0 <= weight <= 1.0):
        raise SummitryError(f"the base-rate weight must be in [0, 1], found {weight!r}")
    if weight == 0.0:
        return model
    flt = filters if filters is not None else (ref.filters if ref is not None else None)
    base = map_to_outcomes(base_rates(flt, smoothing=smoothing), scenario)
    return {n: weight * base[n] + (1.0 - weight) * model[n] for n in names}


# --- precedents ------------------------------------------------------------------------------

_STOP = frozenset((
    "a", "an", "and", "of", "the", "in", "on", "for", "with", "to", "at", "by", "from", "or",
    "vs", "its", "it", "as", "new", "first", "talks", "summit", "issue", "framework",
    "meeting", "relations",
))

#: Concepts added to the tokens of an agenda so that related words match
#: ("New START" and "SALT II" are both arms control). Visible and small on purpose.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "arms_control": ("arm", "start", "salt", "inf", "abm", "tmd", "missile", "nuclear",
                     "disarmament", "ctbt", "test", "ban", "strategic", "reduction",
                     "plutonium", "detargeting", "weapon", "dismantlement", "stability"),
    "economy": ("trade", "economic", "economy", "sanction", "aid", "wto", "energy", "oil",
                "gas", "financial", "investment", "reform", "poultry"),
    "regional_conflict": ("ukraine", "ceasefire", "peace", "war", "conflict", "regional",
                          "syria", "bosnia", "kosovo", "chechnya", "afghanistan", "vietnam",
                          "laos", "berlin", "germany", "gulf", "middle", "east", "iran",
                          "korea", "peacekeeping", "territorial", "security"),
    "cyber": ("cyber", "ai", "election", "interference", "hacking", "technology",
              "innovation"),
    "arctic": ("arctic", "alaska", "northern", "polar"),
}
_CONCEPT_OF = {w: c for c, words in CONCEPTS.items() for w in words}

#: Weight of a format match in :func:`closest_precedents` (the rest is agenda similarity).
FORMAT_WEIGHT = 0.2


def _words(text: str) -> list[tuple[str, str]]:
    """``(word as written, normalised word)`` pairs of ``text``, stop words removed."""
    out = []
    for written in re.findall(r"[A-Za-z0-9]+", text):
        raw = written.lower()
        if len(raw) < 2 or raw in _STOP or raw.isdigit():
            continue
        word = raw[:-1] if len(raw) > 3 and raw.endswith("s") and not raw.endswith("ss") \
            else raw
        if word not in _STOP:
            out.append((written, word))
    return out


def _tokens(text: str) -> list[str]:
    out = []
    for _, word in _words(text):
        out.append(word)
        concept = _CONCEPT_OF.get(word)
        if concept is not None:
            out.append(f"<{concept}>")
    return out


def _scenario_text(scenario: Scenario) -> str:
    parts: list[str] = []
    for iss in scenario.issues:
        parts += [iss.id.replace("_", " ").replace("-", " "), iss.name, iss.group or ""]
    parts += list(scenario.meta.keywords)
    return " ; ".join(p for p in parts if p)


def _tfidf(docs: list[list[str]]) -> tuple[np.ndarray[Any, np.dtype[np.float64]], list[str]]:
    vocab = sorted({t for d in docs for t in d})
    index = {t: k for k, t in enumerate(vocab)}
    tf = np.zeros((len(docs), len(vocab)))
    for r, doc in enumerate(docs):
        for t in doc:
            tf[r, index[t]] += 1.0
    df = (tf > 0).sum(axis=0)
    idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0  # smoothed idf (never 0)
    mat = tf * idf
    norm = np.linalg.norm(mat, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    return mat / norm, vocab


def resolve_summit(ident: str, record: pd.DataFrame | None = None) -> str:
    """The ``summit_id`` a reference names.

    Accepts a summit id (``1985-geneva``), or a place and a year in either order
    (``"Geneva 1985"``, ``"1985 Geneva"``, ``"Ljubljana 2001"``, ``"Slovenia 2001"``):
    the place words must occur in the id, the place or the host country of a summit that
    started that year.

    Raises:
        SummitryError: no summit, or several, match.
    """
    rec = summit_record() if record is None else record
    ids = [str(s) for s in rec["summit_id"]]
    text = ident.strip()
    if text in ids:
        return text
    low = text.lower()
    if low in ids:
        return low
    m = re.fullmatch(r"(.*?)[\s,]*(\d{4})|(\d{4})[\s,]*(.*)", low)
    if m is None:
        raise SummitryError(f"precedent {ident!r}: expected a summit id such as '1985-geneva' "
                            "or a place and year such as 'Geneva 1985'")
    place, year = (m.group(1), m.group(2)) if m.group(2) else (m.group(4), m.group(3))
    words = [w for w in re.findall(r"[a-z0-9]+", place or "") if w not in _STOP]
    hits = []
    for _, row in rec.loc[rec["year"] == int(year)].iterrows():
        hay = " ".join(str(row[c]) for c in ("summit_id", "place", "host_country")).lower()
        hay_words = set(re.findall(r"[a-z0-9]+", hay))
        if all(w in hay_words or w in hay for w in words):
            hits.append(str(row["summit_id"]))
    if len(hits) == 1:
        return hits[0]
    same_year = [str(s) for s in rec.loc[rec["year"] == int(year), "summit_id"]]
    if not hits:
        raise SummitryError(
            f"precedent {ident!r}: no summit of {year} matches"
            + (f"; the summits of {year} are: {', '.join(same_year)}" if same_year
               else f"; the record has no summit in {year}")
        )
    raise SummitryError(f"precedent {ident!r} is ambiguous: it matches {', '.join(hits)}; "
                        "use the summit id")


def closest_precedents(
    scenario: Scenario,
    k: int = 5,
    *,
    format: str | None = None,
    record: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summits most like the scenario, and the precedents it names explicitly.

    Similarity = ``(1 − 0.2) · cos(agenda) + 0.2 · [same format]`` where ``cos`` is the
    cosine of the TF-IDF vectors of the scenario's agenda words (issue ids, names and
    groups, ``meta.keywords``) and each summit's ``main_agenda``; words are lower-cased,
    a plural ``s`` dropped, stop words removed, and a concept token (:data:`CONCEPTS`:
    arms control, economy, regional conflict, cyber, Arctic) added for known words, so
    "New START" meets "SALT II". The scenario's format is ``format``, else
    ``reference.filters.format``, else ``bilateral``.

    Returns:
        One row per precedent: first those listed in ``reference.precedents`` (in their
        order, ``explicit`` true), then the ``k`` most similar of the others, most similar
        first. Columns: ``summit_id, year, place, us_leader, soviet_russian_leader,
        format, main_agenda, outcome, outcome_name`` (the mapped named outcome, or '' when
        the scenario has no mapping), ``outcome_detail, similarity, shared`` (the agenda
        words in common) and ``explicit``.

    Raises:
        SummitryError: an explicit precedent that names no summit, or ``k < 0``.
    """
    import pandas as pd

    if not isinstance(k, int) or k < 0:
        raise SummitryError(f"k must be a whole number ≥ 0, found {k!r}")
    rec = summit_record() if record is None else record
    ref = scenario.reference
    if format is None:
        fmt_filter = (ref.filters.get("format") if ref is not None else None) or "bilateral"
        format = fmt_filter if isinstance(fmt_filter, str) else str(next(iter(fmt_filter)))
    query = _tokens(_scenario_text(scenario))
    docs = [_tokens(str(a)) for a in rec["main_agenda"]]
    mat, _vocab = _tfidf([*docs, query])
    cos = mat[:-1] @ mat[-1]
    fmt_match = (rec["format"] == format).to_numpy(dtype=float)
    sim = (1.0 - FORMAT_WEIGHT) * cos + FORMAT_WEIGHT * fmt_match
    qset = set(query)
    shared = [", ".join(dict.fromkeys(w for w, t in _words(str(a)) if t in qset))
              for a in rec["main_agenda"]]
    explicit = [resolve_summit(p, rec) for p in (ref.precedents if ref is not None else ())]
    explicit = list(dict.fromkeys(explicit))
    pos = {sid: i for i, sid in enumerate(rec["summit_id"])}
    others = [i for i in np.argsort(-sim, kind="stable") if rec["summit_id"].iloc[i]
              not in explicit][:k]
    order = [pos[s] for s in explicit] + [int(i) for i in others]
    mapping = dict(ref.mapping) if ref is not None else {}
    cols = ["summit_id", "year", "place", "us_leader", "soviet_russian_leader", "format",
            "main_agenda", "outcome"]
    out = rec.iloc[order][cols].reset_index(drop=True)
    out["outcome_name"] = [mapping.get(str(c), "") for c in out["outcome"]]
    out["outcome_detail"] = rec["outcome_detail"].iloc[order].to_numpy()
    out["similarity"] = sim[order]
    out["shared"] = [shared[i] for i in order]
    out["explicit"] = [i < len(explicit) for i in range(len(order))]
    return pd.DataFrame(out)
