"""Capability conventions for EU legislative decisions (DEU III and similar data).

The DEU data sets record positions and saliences but no capability; studies supply it by
convention (specs/models.md §3). This module implements the conventions as options, each
with its source, and an exact Shapley–Shubik index for weighted voting games.

**Conventions** (:data:`CONVENTIONS`):

``equal``
    Every actor 1 (Commission, Parliament and each member state alike). With it the
    compromise model is the salience-weighted mean, the data README's reference figure.
``votes``
    Member states by their Council voting weight for the period (:data:`COUNCIL_VOTES`;
    under Lisbon by population, :data:`POPULATION_2014`), scaled so that the member
    states together hold the Council's share of the legislative game; Commission and
    Parliament hold their Shapley–Shubik index in that game (see below).
``ssi``
    Every actor its Shapley–Shubik index (Shapley & Shubik 1954, APSR 48(3):787–792) in
    the legislative game of the issue's procedure and Council voting rule. The DEU
    convention uses the Shapley–Shubik index of Council votes for member states (Arregui,
    Stokman & Thomson 2004 as cited in specs/models.md §1b).

**Periods** (:data:`PERIODS`, :func:`period_of`): the Council's voting rule on the date of
the final act (or of the proposal when there is none):

- ``pre-nice`` (until 30 Apr 2004): EU-15, 87 votes, QMV 62 — Art. 205(2) TEC
  (Amsterdam).
- ``nice-25`` (1 May 2004 – 2006): EU-25, 321 votes, QMV 232 and a majority of the states
  — Treaty of Nice, Protocol on the enlargement of the EU; Act of Accession 2003.
- ``nice-27`` (2007 – 30 Jun 2013): EU-27, 345 votes, QMV 255 and a majority of the states
  — Act of Accession 2005 (Bulgaria 10, Romania 14).
- ``nice-28`` (1 Jul 2013 – 31 Oct 2014): EU-28, 352 votes, QMV 260 and a majority of the
  states — Act of Accession 2012 (Croatia 7).
- ``lisbon`` (from 1 Nov 2014): 55 % of the states (16 of 28) representing 65 % of the
  population; fewer than four states cannot block — Art. 16(4) TEU, Art. 238(3) TFEU.
  Population: :data:`POPULATION_2014` (the Council's 2014 figures; see its caveat).

Simplifications (stated, not hidden): the transitional weights of 1 May–31 Oct 2004 are
replaced by the Nice EU-25 weights; Nice's 62 % population check (only on request) and
Lisbon's transitional option to ask for the Nice rule until 31 Mar 2017 are left out; the
Lisbon population is the Council's 2014 table throughout 2014–2019.

**The legislative game by procedure.** The Commission and the Parliament are players in a
simple game whose winning coalitions follow the treaty (Art. 293(1) TFEU: the Council can
amend a Commission proposal only by unanimity; Art. 294 TFEU: under the ordinary
legislative procedure the act needs the Parliament):

- ``COD`` (co-decision), QMV: the Parliament **and** (the Commission with a qualified
  majority of the Council, **or** a unanimous Council).
- ``CNS`` (consultation), QMV: the Commission with a qualified majority, or a unanimous
  Council. The Parliament is only consulted: a null player (capability 0).
- Unanimity (``counvte`` = ``Unan``): every member state is a veto player (and the
  Parliament too under COD); the Commission is a null player.

:func:`legislative_ssi` gives every player's Shapley–Shubik index in that game; the
indices sum to 1.

**The Shapley–Shubik algorithm.** For a weighted game with integer weights the number
of coalitions of each size ``k`` and weight ``w`` is the coefficient of ``x^k y^w`` in
``Π_j (1 + x y^{w_j})`` (the generating-function method; Mann & Shapley 1962, Brams &
Affuso 1976). The table of all players is built once and summed over ``w``; the counts
without player ``i`` follow from it by the identity ``N = N_{-i} + x y^{w_i} N_{-i}``,
i.e. ``C_{-i}[k](t) = Σ_j (−1)^j C[k−j](t − j w_i)``, so each player's index needs only
``O(n²)`` look-ups. A rule that is monotone in weight is a threshold ``t(k, inst)`` per
number of states ``k`` and set of institutions; a player is pivotal for the coalitions
whose weight lies in ``[t(k+1) − w_i, t(k))``. Counts stay below ``C(28, 14) ≈ 4·10⁷``,
exact in int64, and the result is exact up to the float rounding of ``k!(n−k−1)!/n!``.
The Lisbon game uses the populations in thousands as weights (≈ 506 000 columns; about
half a second once, cached).

>>> shapley_shubik([2, 1, 1], 3).round(4).tolist()
[0.6667, 0.1667, 0.1667]
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from summitry.errors import SummitryError, UnknownNameError

__all__ = [
    "ACTORS",
    "COMMISSION",
    "CONVENTIONS",
    "COUNCIL_VOTES",
    "MEMBER_STATES",
    "PARLIAMENT",
    "PERIODS",
    "POPULATION_2014",
    "QUOTAS",
    "capabilities",
    "legislative_ssi",
    "members",
    "period_of",
    "shapley_shubik",
]

FloatArray = NDArray[np.float64]

COMMISSION = "com"
PARLIAMENT = "ep"

#: Member-state codes of the DEU III data set (the suffixes of its ``p…``/``s…``
#: columns) with their names, in the data set's column order.
MEMBER_STATES: dict[str, str] = {
    "at": "Austria", "be": "Belgium", "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus",
    "cz": "Czech Republic", "dk": "Denmark", "ee": "Estonia", "fi": "Finland",
    "fr": "France", "de": "Germany", "el": "Greece", "hu": "Hungary", "ie": "Ireland",
    "it": "Italy", "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta",
    "nl": "Netherlands", "pl": "Poland", "pt": "Portugal", "ro": "Romania",
    "si": "Slovenia", "sk": "Slovakia", "es": "Spain", "se": "Sweden",
    "uk": "United Kingdom",
}

#: Every actor code: Commission, Parliament, then the member states.
ACTORS: dict[str, str] = {COMMISSION: "European Commission", PARLIAMENT: "European Parliament",
                          **MEMBER_STATES}

CONVENTIONS = ("equal", "votes", "ssi")
PERIODS = ("pre-nice", "nice-25", "nice-27", "nice-28", "lisbon")

_EU15 = ("at", "be", "dk", "fi", "fr", "de", "el", "ie", "it", "lu", "nl", "pt", "es", "se",
         "uk")
_ACC2004 = ("cy", "cz", "ee", "hu", "lv", "lt", "mt", "pl", "si", "sk")

#: Council votes per member state. Pre-Nice: Art. 205(2) TEC (Amsterdam), total 87.
#: Nice: Art. 205(2) TEC as amended by the Protocol on the enlargement of the EU (Nice)
#: and the Acts of Accession 2003/2005/2012 — EU-25 total 321, EU-27 345, EU-28 352.
COUNCIL_VOTES: dict[str, dict[str, int]] = {
    "pre-nice": {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5,
                 "nl": 5, "pt": 5, "at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2},
}
_NICE = {"de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13,
         "be": 12, "cz": 12, "el": 12, "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10,
         "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7, "cy": 4, "ee": 4, "lv": 4,
         "lu": 4, "si": 4, "mt": 3}
COUNCIL_VOTES["nice-25"] = {k: v for k, v in _NICE.items() if k not in ("ro", "bu", "cr")}
COUNCIL_VOTES["nice-27"] = {k: v for k, v in _NICE.items() if k != "cr"}
COUNCIL_VOTES["nice-28"] = dict(_NICE)

#: Qualified-majority quotas in votes (Art. 205(2) TEC; Nice protocol; Acts of Accession).
QUOTAS: dict[str, int] = {"pre-nice": 62, "nice-25": 232, "nice-27": 255, "nice-28": 260}

#: Member-state population in thousands for the Lisbon double majority: the Eurostat
#: figures (1 January 2013) that the Council's Rules of Procedure used for the voting rule
#: in 2014 (Council Decision 2013/746/EU, Annex III). CAUTION: transcribed without access
#: to the Official Journal and not verified here; they sum to 505 572.5 thousand, in line
#: with Eurostat's EU-28 total for 1 January 2013 (about 505.7 million). Only the shares
#: matter; an error of a few tenths of a percent in one figure moves a Shapley–Shubik
#: index by far less than its differences between periods. Used for 2014–2019 alike.
POPULATION_2014: dict[str, float] = {
    "de": 80523.7, "fr": 65633.2, "uk": 63730.1, "it": 59685.2, "es": 46704.3,
    "pl": 38533.3, "ro": 20057.5, "nl": 16779.6, "be": 11161.6, "el": 11062.5,
    "cz": 10516.1, "pt": 10487.3, "hu": 9908.8, "se": 9555.9, "at": 8451.9, "bu": 7284.6,
    "dk": 5602.6, "fi": 5426.7, "sk": 5410.8, "ie": 4591.1, "cr": 4262.1, "lt": 2971.9,
    "si": 2058.8, "lv": 2023.8, "ee": 1324.8, "cy": 865.9, "lu": 537.0, "mt": 421.4,
}

_START = {
    "nice-25": dt.date(2004, 5, 1),
    "nice-27": dt.date(2007, 1, 1),
    "nice-28": dt.date(2013, 7, 1),
    "lisbon": dt.date(2014, 11, 1),
}


def period_of(date: dt.date) -> str:
    """The Council voting period in force on ``date`` (see the module docstring).

    >>> period_of(dt.date(2001, 7, 23)), period_of(dt.date(2016, 3, 1))
    ('pre-nice', 'lisbon')
    """
    period = "pre-nice"
    for name, start in _START.items():
        if date >= start:
            period = name
    return period


def members(period: str) -> tuple[str, ...]:
    """The member states (DEU codes) of the Council in ``period``."""
    _check_period(period)
    if period == "lisbon":
        return tuple(k for k in MEMBER_STATES if k in POPULATION_2014)
    votes = COUNCIL_VOTES[period]
    return tuple(k for k in MEMBER_STATES if k in votes)


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise UnknownNameError("Council voting period", period, PERIODS)


# --- the exact Shapley–Shubik index -------------------------------------------------------

Threshold = Callable[[int, int], int]
"""``threshold(k, inst)``: the least total weight with which ``k`` member states together
with the institutions in the bit set ``inst`` win (a value above the total weight: they
never win). Every rule here is monotone in weight, so a threshold describes it."""


@lru_cache(maxsize=8)
def _cumulative_table(weights: tuple[int, ...]) -> NDArray[np.int64]:
    """``C[k, x]``: the number of coalitions of ``k`` players with total weight ``< x``.

    The counts ``N[k, w]`` are the coefficients of ``Π_j (1 + x y^{w_j})``, built one
    player at a time, lightest first, touching only the rows and weights reachable so far
    (rows from the top down, so a row is read before it is updated); ``C`` is their
    running sum over ``w`` (``x = 0 … W + 1``). Cached: the Lisbon table has about 15
    million cells.
    """
    n = len(weights)
    total = sum(weights)
    table = np.zeros((n + 1, total + 1), dtype=np.int64)
    table[0, 0] = 1
    reach = 0
    for j, w in enumerate(sorted(weights)):  # the order of players does not matter
        for k in range(j, -1, -1):
            table[k + 1, w : w + reach + 1] += table[k, 0 : reach + 1]
        reach += w
    cum = np.zeros((n + 1, total + 2), dtype=np.int64)
    np.cumsum(table, axis=1, out=cum[:, 1:])
    cum.flags.writeable = False
    return cum


def _factor_weights(n_players: int) -> FloatArray:
    """``γ(s) = s! (n − s − 1)! / n!`` for coalition sizes ``s = 0 … n − 1``."""
    s = np.arange(n_players, dtype=float)
    lg = (np.array([math.lgamma(v + 1.0) for v in s])
          + np.array([math.lgamma(n_players - v) for v in s]) - math.lgamma(n_players + 1.0))
    return np.asarray(np.exp(lg), dtype=float)


def _ssi_game(weights: NDArray[np.int64], threshold: Threshold,
              n_institutions: int) -> FloatArray:
    """Exact Shapley–Shubik indices of ``n`` weighted states plus ``m`` institutions.

    A state ``i`` is pivotal for a coalition ``S`` of ``k`` other states (weight ``w``)
    and the institutions ``inst`` when ``t(k, inst) > w ≥ t(k + 1, inst) − w_i``. The
    number of such ``S`` is a difference of the cumulative counts without ``i``,
    ``C_{-i}[k](x) = Σ_j (−1)^j C[k − j](x − j w_i)`` (from ``N = N_{-i} + y^{w_i} x
    N_{-i}``), so only the table of all players is ever built.

    Returns the ``n`` state indices followed by the ``m`` institution indices.
    """
    n = len(weights)
    m = n_institutions
    n_players = n + m
    if n_players == 0:
        return np.zeros(0)
    cum = _cumulative_table(tuple(int(w) for w in weights))
    top = cum.shape[1] - 1  # = W + 1

    def count_below(x: NDArray[np.int64], shift: int) -> NDArray[np.int64]:
        """``C_{-i}[k](x_k)`` for ``k = 0 … n − 1``, a player of weight ``shift``."""
        ks = np.arange(n)
        total = np.zeros(n, dtype=np.int64)
        for j in range(n):
            rows = ks - j
            xj = x - j * shift
            ok = (rows >= 0) & (xj > 0)
            if not ok.any():
                break
            vals = cum[np.where(ok, rows, 0), np.clip(xj, 0, top)]
            total += np.where(ok, (-1) ** j * vals, 0)
        return total

    gamma = _factor_weights(n_players)
    sizes = [bin(inst).count("1") for inst in range(2**m)]
    thr = np.array([[int(threshold(k, inst)) for inst in range(2**m)] for k in range(n + 1)],
                   dtype=np.int64)  # (n + 1, 2^m)
    out = np.zeros(n_players)
    for i in range(n):
        wi = int(weights[i])
        acc = 0.0
        for inst in range(2**m):
            hi = thr[:n, inst]
            lo = np.maximum(0, thr[1:, inst] - wi)
            live = hi > lo
            if not live.any():
                continue
            piv = count_below(np.where(live, hi, 0), wi) - count_below(np.where(live, lo, 0), wi)
            piv = np.where(live, piv, 0)
            acc += float(np.dot(gamma[np.arange(n) + sizes[inst]], piv.astype(float)))
        out[i] = acc
    for j in range(m):
        bit = 1 << j
        acc = 0.0
        for inst in range(2**m):
            if inst & bit:
                continue
            for k in range(n + 1):
                without = min(int(thr[k, inst]), top)
                with_j = min(int(thr[k, inst | bit]), top)
                if without > with_j:
                    acc += gamma[k + sizes[inst]] * int(cum[k, without] - cum[k, with_j])
        out[n + j] = acc
    return out


def shapley_shubik(weights: Sequence[int], quota: int, *, min_members: int = 0) -> FloatArray:
    """Exact Shapley–Shubik index of the weighted voting game ``[quota; w_1, …, w_n]``.

    A coalition wins when its weight reaches ``quota`` and it has at least
    ``min_members`` members. The index of a player is the share of the ``n!`` orderings
    in which it turns a losing coalition into a winning one (Shapley & Shubik 1954).

    >>> shapley_shubik([4, 4, 4, 2, 2, 1], 12).round(4).tolist()  # EEC 1958
    [0.2333, 0.2333, 0.2333, 0.15, 0.15, 0.0]

    Raises:
        SummitryError: negative or non-integer weights, or a quota that no coalition
            (or the empty coalition) reaches.
    """
    w = np.asarray(weights)
    if w.ndim != 1 or not np.all(np.isfinite(w.astype(float))) or np.any(w != np.round(w)):
        raise SummitryError(f"Shapley–Shubik weights must be whole numbers, found {weights!r}")
    w_int = w.astype(np.int64)
    if not 0 < quota <= int(w_int.sum()):
        raise SummitryError(
            f"the quota must be above 0 and at most the total weight {int(w_int.sum())}, "
            f"found {quota}"
        )
    if not 0 <= min_members <= len(w_int):
        raise SummitryError(f"min_members must lie in [0, {len(w_int)}], found {min_members}")

    never = int(w_int.sum()) + 1

    def threshold(k: int, inst: int) -> int:
        return quota if k >= min_members else never

    return _ssi_game(w_int, threshold, 0)


# --- the EU legislative game ----------------------------------------------------------------


def _state_weights(period: str) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    states = members(period)
    if period == "lisbon":
        return states, np.array([round(POPULATION_2014[s]) for s in states], dtype=np.int64)
    votes = COUNCIL_VOTES[period]
    return states, np.array([votes[s] for s in states], dtype=np.int64)


def _qmv_threshold(period: str, weights: NDArray[np.int64]) -> Callable[[int], int]:
    """The least weight with which ``k`` member states form a qualified majority."""
    n = len(weights)
    never = int(weights.sum()) + 1
    if period == "lisbon":
        pop = int(weights.sum())
        min_states = math.ceil(0.55 * n)
        blocking = 4
        need = (65 * pop + 99) // 100  # the least w with 100 w ≥ 65 P, in integers

        def lisbon(k: int) -> int:
            if k < min_states:
                return never
            return 0 if k > n - blocking else need

        return lisbon
    quota = QUOTAS[period]
    majority = 0 if period == "pre-nice" else n // 2 + 1

    def weighted(k: int) -> int:
        return quota if k >= majority else never

    return weighted


def _procedure(procedure: str) -> str:
    p = procedure.strip().upper()
    if p not in ("COD", "CNS"):
        raise UnknownNameError("legislative procedure", procedure, ("COD", "CNS"))
    return p


def _vote(vote: str) -> str:
    v = vote.strip().upper()
    if v.startswith("QMV"):
        return "QMV"
    if v.startswith("UNAN"):
        return "UNAN"
    raise UnknownNameError("Council voting rule", vote, ("QMV", "Unan"))


@lru_cache(maxsize=32)
def _legislative_ssi(period: str, procedure: str, vote: str) -> tuple[tuple[str, float], ...]:
    states, weights = _state_weights(period)
    n = len(states)
    qmv = _qmv_threshold(period, weights)
    never = int(weights.sum()) + 1
    com_bit, ep_bit = 1, 2

    def threshold(k: int, inst: int) -> int:
        unanimous = 0 if k >= n else never
        if vote == "UNAN":
            council = unanimous
        else:
            council = min(qmv(k) if inst & com_bit else never, unanimous)
        if procedure == "COD" and not inst & ep_bit:
            return never
        return council

    values = _ssi_game(weights, threshold, 2)
    out = [(s, float(v)) for s, v in zip(states, values[:n], strict=True)]
    out += [(COMMISSION, float(values[n])), (PARLIAMENT, float(values[n + 1]))]
    return tuple(out)


def legislative_ssi(period: str, procedure: str, vote: str = "QMV") -> dict[str, float]:
    """Shapley–Shubik index of every player of the EU legislative game.

    Args:
        period: one of :data:`PERIODS`.
        procedure: ``"COD"`` or ``"CNS"``.
        vote: the Council's rule, ``"QMV"`` (also ``"QMV(10)"``) or ``"Unan"``.

    Returns:
        ``{actor code: index}`` for the member states of the period, ``"com"`` and
        ``"ep"``; the values sum to 1.
    """
    _check_period(period)
    return dict(_legislative_ssi(period, _procedure(procedure), _vote(vote)))


def capabilities(
    convention: str,
    *,
    period: str,
    procedure: str,
    vote: str = "QMV",
    actors: Sequence[str] | None = None,
) -> dict[str, float]:
    """Every actor's capability under ``convention`` (see the module docstring).

    Args:
        convention: ``"equal"``, ``"votes"`` or ``"ssi"``.
        period: the Council voting period (:func:`period_of`).
        procedure: ``"COD"`` or ``"CNS"``.
        vote: the Council's voting rule (``"QMV"`` or ``"Unan"``).
        actors: the actor codes wanted (default: Commission, Parliament and the
            period's member states). A state that is not a member in ``period`` gets 0.

    Returns:
        ``{actor code: capability ≥ 0}``. For ``votes`` and ``ssi`` the values of all
        players sum to 1.

    >>> caps = capabilities("votes", period="pre-nice", procedure="CNS")
    >>> round(caps["de"] / caps["lu"], 6), caps["ep"]
    (5.0, 0.0)
    """
    if convention not in CONVENTIONS:
        raise UnknownNameError("capability convention", convention, CONVENTIONS)
    _check_period(period)
    wanted = tuple(actors) if actors is not None else (COMMISSION, PARLIAMENT, *members(period))
    unknown = [a for a in wanted if a not in ACTORS]
    if unknown:
        raise UnknownNameError("DEU actor", unknown[0], tuple(ACTORS))
    if convention == "equal":
        return {a: 1.0 for a in wanted}
    ssi = legislative_ssi(period, procedure, vote)
    if convention == "votes":
        states, weights = _state_weights(period)
        council = sum(ssi[s] for s in states)
        share = weights / weights.sum()
        base: Mapping[str, float] = {
            **{s: float(council * v) for s, v in zip(states, share, strict=True)},
            COMMISSION: ssi[COMMISSION], PARLIAMENT: ssi[PARLIAMENT],
        }
    else:
        base = ssi
    return {a: float(base.get(a, 0.0)) for a in wanted}
