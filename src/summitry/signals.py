"""Signals: Bayesian updating of named-outcome probabilities as indicators arrive.

A :class:`~summitry.scenario.Signal` carries a likelihood row ``L_o = P(signal | o)`` for
every named outcome ``o`` (an indicator in the sense of the CIA's *Handbook of Bayesian
Analysis for Intelligence*, OPR-506, 1975). Its ``status`` says what the analyst saw:

- ``observed`` — the update multiplies the prior by ``L_o``;
- ``absent`` — looked for and not seen: the update multiplies by ``1 − L_o``. The absence
  of an expected signal is evidence too (Heuer 1999, ch. 8, step 2; Pherson's "absence of
  things one would expect"); a signal certain under ``o`` (``L_o = 1``) that is absent
  rules ``o`` out;
- ``unknown`` — not (yet) looked for: no update.

The rule is Bayes' theorem over mutually exclusive, exhaustive outcomes, applied in
log-odds ("weight of evidence", Good 1950)::

    log P(o | E) = log P(o) + Σ_g ℓ_g(o) − log Z                                  (1)

where ``Z`` normalises and ``ℓ_g(o)`` is the evidence of one *group* ``g`` of signals.

**Correlated signals count once.** Indicators are rarely conditionally independent: three
reports of the same troop pull-back are one piece of evidence, not three. Signals that share
a ``group`` are one update whose log-likelihood is the *mean* of the members' log
likelihoods — the geometric mean of their likelihoods (equivalently of their likelihood
ratios against any reference outcome)::

    ℓ_g(o) = (1 / |g|) Σ_{s ∈ g} log P(status_s | o)                               (2)

We choose the geometric mean over "use the most diagnostic member" because (a) duplicates
give exactly one member's update, as they should; (b) members pointing in opposite
directions partly cancel instead of one silently winning; (c) it is the logarithmic opinion
pool of the members (Genest & Zidek 1986, Statistical Science 1(1):114–135), the pool that is
*externally Bayesian* — pooling and updating commute; and (d) the result does not depend on
the order the members arrived in. It tempers correlated likelihood ratios as
specs/briefing.md §1.2 asks. A signal without a group is a group of its own.

Every applied update is logged as a :class:`~summitry.scenario.SignalUpdate` (date, signal,
status, prior, posterior, note) so the probability history can be drawn — the "graphs and
visibility" the 1975 handbook asks for. When a second member of a group arrives, its entry
moves the probabilities from the one-member to the two-member group evidence of (2); the
final posterior does not depend on the order of arrival.

- :func:`update` — apply signals to a prior; returns the posterior and the log entries.
- :func:`history` — replay a scenario's marked signals from a prior.
- :func:`record` — mark a signal in a scenario file and append the log entry, written
  atomically (YAML/JSON scenario files only).
- :func:`evidence_matrix` — the ACH-style evidence × outcome matrix with diagnosticity.
- :func:`starting_prior`, :func:`current_probabilities` — the prior the CLI starts from.

>>> from summitry.scenario import Signal
>>> s = Signal(id="talks", text="Talks resume", status="observed",
...            likelihoods={"Deal": 0.8, "No deal": 0.2})
>>> r = update({"Deal": 0.5, "No deal": 0.5}, [s], date=dt.date(2025, 8, 1))
>>> round(r.posterior["Deal"], 3)
0.8
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from summitry.errors import SummitryError, UnknownNameError
from summitry.scenario import Scenario, Signal, SignalUpdate

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_DRAWS",
    "UpdateResult",
    "current_probabilities",
    "evidence_matrix",
    "history",
    "log_likelihoods",
    "record",
    "starting_prior",
    "update",
]

Status = Literal["observed", "absent"]
FloatArray = NDArray[np.float64]

#: Monte Carlo draws of the model forecast behind :func:`starting_prior`.
DEFAULT_DRAWS = 1000


@dataclass(frozen=True)
class UpdateResult:
    """The result of :func:`update`.

    Attributes:
        posterior: ``{outcome: probability}`` after all applied signals.
        updates: one log entry per applied signal, in order.
    """

    posterior: dict[str, float]
    updates: tuple[SignalUpdate, ...]


# --- the arithmetic ---------------------------------------------------------------------------


def _check_prior(prior: Mapping[str, float]) -> tuple[list[str], FloatArray]:
    names = [str(n) for n in prior]
    if not names:
        raise SummitryError("the prior names no outcomes")
    vals = np.array([prior[n] for n in names], dtype=float)
    if not np.all(np.isfinite(vals)) or np.any(vals < 0):
        raise SummitryError(f"prior probabilities must be finite and ≥ 0, found {dict(prior)}")
    total = float(vals.sum())
    if abs(total - 1.0) > 1e-6:
        raise SummitryError(f"prior probabilities must sum to 1, found {total:.6g}")
    return names, vals / total


def log_likelihoods(signal: Signal, status: Status, outcomes: Sequence[str]) -> FloatArray:
    """``log P(status | o)`` for each outcome.

    ``log L_o`` if observed, ``log(1 − L_o)`` if absent (``-inf`` where ``L_o = 1``).

    Raises:
        SummitryError: the signal names an outcome not in ``outcomes`` or lacks one.
    """
    if not signal.likelihoods:
        raise SummitryError(f"signal {signal.id!r} has no likelihoods; give P(signal | outcome) "
                            "for every outcome: " + ", ".join(outcomes))
    for name in signal.likelihoods:
        if name not in outcomes:
            raise UnknownNameError(f"outcome in signal {signal.id!r}", name, tuple(outcomes))
    missing = [o for o in outcomes if o not in signal.likelihoods]
    if missing:
        raise SummitryError(f"signal {signal.id!r} gives no likelihood for outcome(s) "
                            + ", ".join(repr(m) for m in missing))
    lik = np.array([signal.likelihoods[o] for o in outcomes], dtype=float)
    if status == "absent":
        lik = 1.0 - lik
    elif status != "observed":
        raise SummitryError(f"signal {signal.id!r}: status {status!r} does not update; "
                            "expected 'observed' or 'absent'")
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(lik), dtype=float)


def _group_key(signal: Signal) -> tuple[str, str]:
    return ("group", signal.group) if signal.group else ("signal", signal.id)


def _marked(signals: Iterable[Signal]) -> list[tuple[Signal, Status]]:
    """The signals with an updating status, paired with it."""
    out: list[tuple[Signal, Status]] = []
    for s in signals:
        if s.status == "observed":
            out.append((s, "observed"))
        elif s.status == "absent":
            out.append((s, "absent"))
    return out


def _evidence(marked: Sequence[tuple[Signal, Status]], outcomes: Sequence[str]) -> FloatArray:
    """``Σ_g ℓ_g`` of eq. (2): the mean log-likelihood within each group, summed."""
    groups: dict[tuple[str, str], list[FloatArray]] = {}
    for sig, status in marked:
        groups.setdefault(_group_key(sig), []).append(log_likelihoods(sig, status, outcomes))
    total = np.zeros(len(outcomes))
    for vecs in groups.values():
        total = total + np.mean(np.vstack(vecs), axis=0)
    return total


def _normalise(logp: FloatArray, outcomes: Sequence[str], what: str) -> FloatArray:
    if np.any(np.isnan(logp)) or np.any(logp == np.inf):
        raise SummitryError(
            f"{what}: an earlier record gave an outcome probability 0 that this change "
            "would revive; zero probabilities cannot be updated (Cromwell's rule). Start "
            "again from a prior without zeros"
        )
    top = float(np.max(logp))
    if not math.isfinite(top):
        raise SummitryError(
            f"{what}: the evidence is impossible under every outcome ("
            + ", ".join(outcomes) + "): each has prior probability 0 or likelihood 0. "
            "Check the likelihoods (an absent signal with likelihood 1 rules its outcome out)"
        )
    with np.errstate(under="ignore"):
        p = np.exp(logp - top)
    return np.asarray(p / p.sum(), dtype=float)


def _log(p: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(p), dtype=float)


def _as_dict(names: Sequence[str], p: FloatArray) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, p, strict=True)}


def _apply(
    prior: Mapping[str, float],
    steps: Sequence[tuple[Signal, dt.date | None, str]],
) -> UpdateResult:
    names, p0 = _check_prior(prior)
    seen: set[str] = set()
    for sig, _, _ in steps:
        if sig.id in seen:
            raise SummitryError(f"signal {sig.id!r} is applied twice; each signal counts once "
                                "(set its status to the latest observation)")
        seen.add(sig.id)
    logp0 = _log(p0)
    marked: list[tuple[Signal, Status]] = []
    current = p0
    entries: list[SignalUpdate] = []
    for sig, when, note in steps:
        this = _marked([sig])
        if not this:
            continue
        status = this[0][1]
        marked.append(this[0])
        post = _normalise(logp0 + _evidence(marked, names), names, f"signal {sig.id!r}")
        entries.append(SignalUpdate(
            date=when or sig.date or dt.date.today(), signal=sig.id, status=status,
            prior=_as_dict(names, current), posterior=_as_dict(names, post),
            note=_group_note(note, sig, marked),
        ))
        current = post
    return UpdateResult(posterior=_as_dict(names, current), updates=tuple(entries))


def _group_note(note: str, sig: Signal, marked: Sequence[tuple[Signal, Status]]) -> str:
    if not sig.group:
        return note
    n = sum(1 for s, _ in marked if s.group == sig.group)
    if n < 2:
        return note
    tag = f"[group {sig.group}: geometric mean of {n} signals]"
    return f"{note} {tag}" if note else tag


def update(
    prior: Mapping[str, float],
    signals: Iterable[Signal],
    *,
    date: dt.date | None = None,
) -> UpdateResult:
    """Apply ``signals`` to ``prior`` by eq. (1)–(2), in the given order.

    Signals with status ``unknown`` are skipped. The final posterior does not depend on
    the order; the log entries show the path.

    Args:
        prior: ``{outcome: probability}`` summing to 1 (zeros stay zero).
        signals: the signals; each must give a likelihood for exactly the prior's outcomes.
        date: the date of every log entry (default: each signal's own ``date``, else today).

    Raises:
        SummitryError: a bad prior, a signal naming an unknown outcome or lacking one, a
            signal applied twice, or evidence impossible under every outcome.
    """
    return _apply(prior, [(s, date, "") for s in signals])


def history(scenario: Scenario, prior: Mapping[str, float]) -> list[SignalUpdate]:
    """Replay the scenario's marked signals (status observed/absent) from ``prior``.

    Order: the signals in the order of their first entry in ``scenario.updates`` (with
    that entry's date and note), then the other marked signals by date (undated last) and
    file order. Returns one :class:`~summitry.scenario.SignalUpdate` per marked signal.
    """
    _check_outcomes(scenario, prior)
    marked = [s for s, _ in _marked(scenario.signals)]
    by_id = {s.id: s for s in marked}
    logged: dict[str, SignalUpdate] = {}
    for entry in scenario.updates:
        if entry.signal in by_id:
            logged[entry.signal] = entry  # the latest entry keeps its date and note
    first = list(dict.fromkeys(e.signal for e in scenario.updates if e.signal in by_id))
    rest = sorted((s for s in marked if s.id not in logged),
                  key=lambda s: (s.date is None, s.date or dt.date.max))
    steps: list[tuple[Signal, dt.date | None, str]] = []
    for sid in first:
        e = logged[sid]
        steps.append((by_id[sid], e.date, e.note))
    steps += [(s, None, "") for s in rest]
    return list(_apply(prior, steps).updates)


def _check_outcomes(scenario: Scenario, prior: Mapping[str, float]) -> None:
    names = scenario.outcome_names
    if not names:
        raise SummitryError("the scenario declares no named outcomes; signals update the "
                            "probabilities of named outcomes, so add an 'outcomes:' block")
    if set(prior) != set(names):
        extra = sorted(set(prior) - set(names))
        if extra:
            raise UnknownNameError("outcome", extra[0], names)
        raise SummitryError("the prior gives no probability for outcome(s) "
                            + ", ".join(repr(n) for n in names if n not in prior))


# --- priors ------------------------------------------------------------------------------------


def starting_prior(
    scenario: Scenario,
    models: str | Sequence[str] | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    weight: float | None = None,
) -> dict[str, float]:
    """The prior before any signal.

    The models' named-outcome probabilities (a Monte Carlo forecast of ``draws`` draws —
    one when the scenario declares no uncertainty, as every draw would be the same —
    combined equally across ``models``) pooled with the mapped base rates by
    :func:`summitry.reference.prior` (weight ``reference.weight``, 0.3 by default; the
    models alone when the scenario has no ``reference`` block).
    """
    from summitry.forecast import forecast
    from summitry.reference import prior as pool

    _check_outcomes(scenario, {n: 0.0 for n in scenario.outcome_names})
    uncertain = any(st.uncertainty is not None for st in scenario.stances) or any(
        a.uncertainty is not None for a in scenario.actors)
    fc = forecast(scenario, models, draws=draws if uncertain else 1, seed=seed, params=params)
    return pool(scenario, fc.outcome_probabilities(), weight)


def current_probabilities(
    scenario: Scenario,
    models: str | Sequence[str] | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, float]:
    """The current belief.

    The latest posterior of ``scenario.updates`` if the log has entries, else
    :func:`starting_prior` updated with the signals the file already marks.
    """
    names = scenario.outcome_names
    if scenario.updates:
        last = scenario.updates[-1].posterior
        if set(last) != set(names):
            raise SummitryError(
                "the latest entry of the update log names the outcomes "
                + ", ".join(sorted(last)) + " but the scenario's outcomes are "
                + ", ".join(names) + "; remove the stale 'updates:' entries"
            )
        return {n: float(last[n]) for n in names}
    p0 = starting_prior(scenario, models, draws=draws, seed=seed, params=params)
    steps = history(scenario, p0)
    return dict(steps[-1].posterior) if steps else p0


# --- recording into a file -------------------------------------------------------------------


def record(
    path: str | os.PathLike[str],
    signal_id: str,
    absent: bool = False,
    note: str = "",
    date: dt.date | None = None,
    *,
    prior: Mapping[str, float] | None = None,
    models: str | Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> Scenario:
    """Mark a signal observed (or absent) in a scenario file and log the update.

    Loads the file, sets the signal's status, computes the new probabilities from the
    current belief (``prior``, else :func:`current_probabilities`: the latest logged
    posterior, else the model/base-rate prior with the already-marked signals applied),
    appends one :class:`~summitry.scenario.SignalUpdate` to ``updates`` (earlier entries
    are kept) and writes the file back atomically (temporary file + ``os.replace``): an
    interrupted or failed record leaves the file as it was. The file is rewritten in
    summitry's canonical YAML (or JSON for ``.json``); comments are not kept.

    Re-marking a signal replaces its earlier status: the update moves the probabilities
    from the evidence with the old status to the evidence with the new one.

    Returns:
        The updated scenario (its last ``updates`` entry is the new one).

    Raises:
        SummitryError: the file is not a YAML/JSON scenario (convert it first), an unknown
            signal id, a scenario without named outcomes, or the file changed meanwhile.
    """
    from summitry.io import detect_format, load, save

    target = Path(path)
    fmt = detect_format(target)
    if fmt != "yaml":
        raise SummitryError(
            f"{target}: signals can be recorded only in a summitry YAML or JSON scenario file, "
            f"and this is a {fmt} file. Convert it first — summitry convert {target} -o "
            f"{target.with_suffix('.yaml').name} — and record into the YAML file"
        )
    raw = target.read_bytes()
    scenario = load(target)
    _check_outcomes(scenario, {n: 0.0 for n in scenario.outcome_names})
    ids = tuple(s.id for s in scenario.signals)
    if signal_id not in ids:
        raise UnknownNameError("signal", signal_id, ids)
    names = list(scenario.outcome_names)
    status: Status = "absent" if absent else "observed"
    new_signals = tuple(s.model_copy(update={"status": status}) if s.id == signal_id else s
                        for s in scenario.signals)
    sig = next(s for s in new_signals if s.id == signal_id)
    key = _group_key(sig)
    # Only the evidence of the signal's own group changes (eq. 2); the others cancel.
    old_g = _evidence([m for m in _marked(scenario.signals) if _group_key(m[0]) == key], names)
    new_g = _evidence([m for m in _marked(new_signals) if _group_key(m[0]) == key], names)
    if prior is None:
        current = current_probabilities(scenario, models, draws=draws, seed=seed,
                                        params=params)
    else:
        _check_outcomes(scenario, prior)
        current = dict(prior)
    cur_names, cur = _check_prior({n: current[n] for n in names})
    with np.errstate(invalid="ignore"):
        delta = np.where(old_g == new_g, 0.0, new_g - old_g)
        logp = _log(cur) + delta
    post = _normalise(logp, names, f"signal {signal_id!r}")
    entry = SignalUpdate(
        date=date or dt.date.today(), signal=signal_id, status=status,
        prior=_as_dict(cur_names, cur), posterior=_as_dict(names, post),
        note=_group_note(note, sig, _marked(new_signals)),
    )
    updated = scenario.evolve(signals=new_signals, updates=(*scenario.updates, entry))
    if target.read_bytes() != raw:
        raise SummitryError(f"{target} changed while the signal was being recorded; nothing "
                            "was written. Run the command again")
    save(updated, target)
    return updated


# --- the ACH view ------------------------------------------------------------------------------


def evidence_matrix(scenario: Scenario) -> pd.DataFrame:
    """The evidence × outcome matrix (ACH, Heuer 1999 ch. 8, steps 3–5) of a scenario.

    One row per signal (index: signal id) with columns ``text``, ``group``, ``status``,
    one column per named outcome holding ``P(signal | outcome)``, and:

    - ``diagnosticity`` = ``max_o L_o / min_o L_o`` — the largest likelihood ratio the
      signal can produce when observed. We use the ratio, not the difference, because a
      Bayes update depends only on ratios: 0.02 vs 0.01 moves the odds as much as 0.8 vs
      0.4. A value of 1 means the signal is consistent with every outcome and decides
      nothing (Heuer's point about non-diagnostic evidence).
    - ``diagnosticity_absent`` = ``max_o (1 − L_o) / min_o (1 − L_o)`` — the same for its
      absence; ``inf`` when the absence rules an outcome out.

    A signal without likelihoods shows ``NaN`` in the outcome and diagnosticity columns.
    Read the matrix with outcomes in rows as ``evidence_matrix(s).T`` (Dhami et al. 2024
    found hypotheses-in-rows reduced confirmation bias).
    """
    import pandas as pd

    names = list(scenario.outcome_names)
    rows: list[dict[str, Any]] = []
    for sig in scenario.signals:
        row: dict[str, Any] = {"signal": sig.id, "text": sig.text, "group": sig.group or "",
                               "status": sig.status}
        if sig.likelihoods and all(n in sig.likelihoods for n in names) and names:
            lik = np.array([sig.likelihoods[n] for n in names], dtype=float)
            row.update(zip(names, lik.tolist(), strict=True))
            row["diagnosticity"] = float(lik.max() / lik.min())
            absent = 1.0 - lik
            lo = float(absent.min())
            row["diagnosticity_absent"] = math.inf if lo == 0.0 else float(absent.max() / lo)
        else:
            row.update({n: math.nan for n in names})
            row["diagnosticity"] = math.nan
            row["diagnosticity_absent"] = math.nan
        rows.append(row)
    cols = ["signal", "text", "group", "status", *names, "diagnosticity",
            "diagnosticity_absent"]
    return pd.DataFrame(rows, columns=cols).set_index("signal")
