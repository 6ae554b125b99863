"""Monte Carlo over a scenario's uncertainty block: draws, chunks, seeds.

A scenario gives each uncertain input a distribution (:class:`~summitry.scenario.Uncertainty`):
a stance's ``position`` (issue units) and ``salience`` (the scenario's salience scale), an
actor's ``capability`` and its probability of being ``absent``. :func:`sample_problem` turns
``D`` draws of all of them into one :class:`~summitry.problem.Problem` batch, which every
model solves vectorised over the draw axis; :func:`run_batch` does that in chunks over an
executor so that memory stays flat in the number of draws, and :func:`simulate` is the
public twin of ``summitry forecast --draws N --seed S``.

**Marginals (inverse-transform sampling).** Every uncertain input gets a uniform
``u ∈ (0, 1)`` and is mapped through its inverse CDF (Devroye 1986, *Non-Uniform Random
Variate Generation*, ch. II.2):

- ``uniform(low, high)``: ``x = low + u (high − low)``;
- ``triangular(low, mode, high)``: ``x = low + √(u (high − low)(mode − low))`` for
  ``u < F(mode)``, else ``high − √((1 − u)(high − low)(high − mode))``;
- ``normal(mean, sd)`` truncated to ``[a, b]`` (default: the input's valid range — the
  issue's scale for a position, ``[0, max]`` of the salience scale, ``[0, ∞)`` for a
  capability; an explicit ``low``/``high`` is intersected with it):
  ``x = mean + sd Φ⁻¹(Φ(α) + u (Φ(β) − Φ(α)))`` with ``α, β = (a, b − mean) / sd``.
  When the whole interval lies above the mean the sampler works on the mirrored
  interval, so that tail masses keep their relative precision;
- ``fixed(value)``: the value.

Φ and Φ⁻¹ are computed in NumPy (scipy is a development dependency only): Φ by Hart's
double-precision rational approximation (Hart 1968, *Computer Approximations*, as
published by West 2005, *Wilmott* May 2005, Fig. 2) for ``|x| < 3`` and by Laplace's
continued fraction for the Mills ratio (Abramowitz & Stegun 1964, eq. 26.2.14) beyond;
Φ⁻¹ by Acklam's (2003) rational approximation followed by one Halley step. Against
``scipy.special`` both agree to ~1e-13 relative (tests/test_simulate.py).

**Correlation (Gaussian copula).** Uncertainty blocks that name the same ``group`` are
correlated with ``rho = scenario.correlations[group]``: the inputs of one *kind* in the
group (all its positions; separately all its saliences; all its actors' capabilities)
get equicorrelated standard normals ``z`` (correlation ``rho`` between every pair) and
``u = Φ(z)`` (Nelsen 2006, *An Introduction to Copulas*, §3.1; the normal-copula method
of Iman & Conover 1982). Different kinds are independent of each other, so a group's
positions move together without tying them to the saliences. For ``rho ≥ 0`` the
normals are ``z_k = √rho f + √(1 − rho) e_k`` with a common factor ``f``; for
``rho < 0`` (needs ``rho ≥ −1/(n − 1)`` for ``n`` members) the symmetric square root of
the equicorrelation matrix is used. ``rho`` is a correlation of the latent normals; the
rank correlation of the inputs is ``(6/π) arcsin(rho/2)`` (Kruskal 1958), within 0.02
of ``rho``. A group with no ``rho`` (or ``rho = 0``) is independent.

**Absence.** An actor with ``absent = p`` sits out draw ``d`` with probability ``p``
(Bernoulli per draw): it is inactive on every issue in that draw. ``absent`` on a
stance's uncertainty block makes the actor sit out that issue only. If absences leave an
issue with no active actor in a draw, nobody negotiates it: that draw's outcome on the
issue is the status quo (the scale's midpoint where none is given) for every model —
the same fallback the static models use (:mod:`summitry.models.compromise`).
:func:`sample_problem` keeps the absent actors active on such a vacant issue (so that
every model can solve every draw) and marks it in ``problem.meta["vacant"]``
(``(D, I)``); :func:`run_batch` then sets those outcomes.

**Streams and seeds.** Every uncertain input draws from its own stream, keyed by what it
is (``position/<actor>/<issue>``, ``absent/<actor>``, ``factor/<group>/<kind>`` …) under
the chunk's :class:`numpy.random.SeedSequence`, so a draw of one input does not depend on
which other inputs exist: a what-if that drops an actor or changes one value leaves every
other input's draws unchanged (common random numbers; the change in the forecast is the
change's effect, not resampling noise). :func:`run_batch` splits ``draws`` into chunks of
``chunk_size`` (default :data:`CHUNK_SIZE`) and seeds chunk ``k`` with
``SeedSequence(seed).spawn(n_chunks)[k]``: the same ``(seed, chunk_size)`` gives
bit-identical draws on any executor, and the first ``N`` draws of a longer run equal a run
of ``N`` draws.

>>> from summitry.scenario import Scenario
>>> sc = Scenario.model_validate({
...     "issues": [{"id": "x"}], "actors": [{"id": "a"}, {"id": "b"}],
...     "stances": [
...         {"actor": "a", "issue": "x", "position": 20, "salience": 0.5,
...          "uncertainty": {"position": [10, 30]}},
...         {"actor": "b", "issue": "x", "position": 80, "salience": 0.5}]})
>>> p = sample_problem(sc, 1000, seed=1)
>>> p.positions.shape
(1000, 2, 1)
>>> bool(((p.positions[:, 0, 0] >= 10) & (p.positions[:, 0, 0] <= 30)).all())
True
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from summitry.errors import SummitryError
from summitry.models.base import BaseModel, Model, Solution, get_model, solve
from summitry.problem import Problem
from summitry.scenario import Distribution, Scenario

if TYPE_CHECKING:
    from summitry.forecast import Forecast

__all__ = [
    "CHUNK_SIZE",
    "ChunkTask",
    "ndtr",
    "ndtri",
    "run_batch",
    "run_chunk",
    "sample_problem",
    "simulate",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ProgressFn = Callable[[int, int], None]
SeedLike = int | np.random.SeedSequence | np.random.Generator | None

#: Draws per chunk. Fixed (not derived from the executor) so results never depend on it.
CHUNK_SIZE = 2000

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)

# --- the standard normal CDF and its inverse, in NumPy -------------------------------------

# Hart (1968) algorithm 5666 as printed by West (2005): Φ(−|x|) = exp(−x²/2) P(|x|)/Q(|x|).
_HART_P = (3.52624965998911e-02, 0.700383064443688, 6.37396220353165, 33.912866078383,
           112.079291497871, 221.213596169931, 220.206867912376)
_HART_Q = (8.83883476483184e-02, 1.75566716318264, 16.064177579207, 86.7807322029461,
           296.564248779674, 637.333633378831, 793.826512519948, 440.413735824752)
# Acklam (2003): rational approximations of Φ⁻¹ on the central region and the tails.
_ACK_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
          1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACK_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
          6.680131188771972e+01, -1.328068155288572e+01)
_ACK_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACK_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
          3.754408661907416e+00)
_ACK_SPLIT = 0.02425
_CF_FROM = 3.0  # |x| from which the continued fraction replaces Hart's approximation
_CF_TERMS = 40


def _horner(coef: Sequence[float], x: FloatArray) -> FloatArray:
    out = np.full_like(x, coef[0])
    for c in coef[1:]:
        out = out * x + c
    return out


def ndtr(x: ArrayLike) -> FloatArray:
    """The standard normal CDF Φ(x), elementwise (≈1e-13 relative, also in the tails).

    >>> [round(float(v), 6) for v in ndtr([-1.96, 0.0, 1.0])]
    [0.024998, 0.5, 0.841345]
    """
    xa = np.asarray(x, dtype=np.float64)
    ax = np.abs(xa)
    with np.errstate(under="ignore"):
        lower = np.exp(-0.5 * ax * ax) * _horner(_HART_P, ax) / _horner(_HART_Q, ax)
        far = ax >= _CF_FROM
        if np.any(far):
            xf = ax[far]
            r = xf.copy()
            for k in range(_CF_TERMS, 0, -1):
                r = xf + k / r
            lower[far] = np.exp(-0.5 * xf * xf) / (_SQRT2PI * r)
    out: FloatArray = np.where(xa > 0, 1.0 - lower, lower)
    return out


def ndtri(p: ArrayLike) -> FloatArray:
    """The standard normal quantile Φ⁻¹(p), elementwise (``±inf`` at 0 and 1).

    >>> [round(float(v), 6) for v in ndtri([0.025, 0.5, 0.975])]
    [-1.959964, 0.0, 1.959964]
    """
    pa = np.asarray(p, dtype=np.float64)
    upper = pa > 0.5
    q = np.where(upper, 1.0 - pa, pa)  # exact for p ≥ 0.5 (Sterbenz)
    x = np.zeros_like(q)
    central = q >= _ACK_SPLIT
    r = (q[central] - 0.5) ** 2
    x[central] = ((q[central] - 0.5) * _horner(_ACK_A, r)
                  / (_horner(_ACK_B, r) * r + 1.0))
    tail = (q > 0) & ~central
    t = np.sqrt(-2.0 * np.log(q[tail]))
    x[tail] = _horner(_ACK_C, t) / (_horner(_ACK_D, t) * t + 1.0)
    # one Halley step on the lower tail (Acklam 2003) gives full double precision;
    # u = (Φ(x) − q) / φ(x), written so that it neither overflows nor underflows
    fine = q > 0
    xs, qs = x[fine], q[fine]
    with np.errstate(under="ignore"):
        u = (ndtr(xs) / qs - 1.0) * np.exp(np.log(qs) + 0.5 * xs * xs + _LOG_SQRT2PI)
    x[fine] = xs - u / (1.0 + 0.5 * xs * u)
    x[q <= 0] = -np.inf
    out: FloatArray = np.where(upper, -x, x)
    return out


def _phi_scalar(t: float) -> float:
    """Φ(t) for one number (``math.erfc`` keeps the lower tail's relative precision)."""
    if t == math.inf:
        return 1.0
    if t == -math.inf:
        return 0.0
    return 0.5 * math.erfc(-t / _SQRT2)


# --- the sampling plan of a scenario ---------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    """One uncertain input: what it is, where it goes and how it is distributed."""

    key: str
    kind: str  # "position" | "salience" | "capability"
    actor: int
    issue: int  # -1 for an actor's capability
    dist: Distribution
    lo: float  # the input's valid range (truncation of a normal, clipping)
    hi: float
    group: str | None


@dataclass(frozen=True)
class _Absence:
    """An actor's chance of sitting out every issue (``issue = -1``) or one issue."""

    key: str
    actor: int
    issue: int
    p: float


@dataclass(frozen=True)
class _Plan:
    """Everything :func:`_sample` needs, computed once from a scenario."""

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    positions: FloatArray  # (A, I) user units
    salience: FloatArray  # (A, I) 0–1
    capability: FloatArray  # (A, I)
    cap_scale: FloatArray  # (A, I) capability_on(i) / capability; NaN: keep (see _plan)
    present: BoolArray  # (A, I) the actor has a stance
    lower: FloatArray
    upper: FloatArray
    status_quo: FloatArray  # (I,) user units, NaN where none
    salience_max: float
    inputs: tuple[_Input, ...]
    absences: tuple[_Absence, ...]
    correlations: dict[str, float]


def _plan(scenario: Scenario) -> _Plan:
    base = scenario.problem()
    n_a, n_i = base.n_actors, base.n_issues
    smax = scenario.salience_divisor
    present = base.active[0].copy()
    pos = base.to_user(base.positions[0])
    cap = np.array([[a.capability_on(i) for i in scenario.issue_ids]
                    for a in scenario.actors], dtype=np.float64)
    c0 = np.array([a.capability for a in scenario.actors], dtype=np.float64)
    override = np.array([[i in a.capability_by_issue for i in scenario.issue_ids]
                         for a in scenario.actors], dtype=bool).reshape(n_a, n_i)
    # a drawn capability c moves the per-issue ones in proportion (c · capability_on / c0);
    # with c0 = 0 it replaces c0 and per-issue overrides stay (NaN marks them)
    cap_scale = np.where(c0[:, None] > 0, cap / np.where(c0 > 0, c0, 1.0)[:, None],
                         np.where(override, np.nan, 1.0))
    sq = np.array([np.nan if i.status_quo is None else i.status_quo for i in scenario.issues])
    inputs: list[_Input] = []
    absences: list[_Absence] = []
    for a, actor in enumerate(scenario.actors):
        u = actor.uncertainty
        if u is None:
            continue
        if u.absent > 0:
            absences.append(_Absence(f"absent/{actor.id}", a, -1, u.absent))
        if u.capability is not None:
            inputs.append(_Input(f"capability/{actor.id}", "capability", a, -1, u.capability,
                                 0.0, math.inf, u.group))
    for a, i, st in scenario.iter_stances():
        u = st.uncertainty
        if u is None:
            continue
        if u.absent > 0:
            absences.append(_Absence(f"absent/{st.actor}/{st.issue}", a, i, u.absent))
        iss = scenario.issues[i]
        if u.position is not None:
            inputs.append(_Input(f"position/{st.actor}/{st.issue}", "position", a, i,
                                 u.position, iss.lower, iss.upper, u.group))
        if u.salience is not None:
            inputs.append(_Input(f"salience/{st.actor}/{st.issue}", "salience", a, i,
                                 u.salience, 0.0, smax, u.group))
    return _Plan(
        actors=base.actors, issues=base.issues, positions=pos, salience=base.salience[0],
        capability=cap, cap_scale=cap_scale, present=present, lower=base.lower.copy(),
        upper=base.upper.copy(), status_quo=sq, salience_max=smax, inputs=tuple(inputs),
        absences=tuple(absences),
        correlations=dict(scenario.correlations),
    )


def _key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _stream(ss: np.random.SeedSequence, key: str) -> np.random.Generator:
    """The generator of one named input under the seed sequence ``ss``."""
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, _key(key)),
                                   pool_size=ss.pool_size)
    return np.random.Generator(np.random.PCG64(child))


def _seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4).tolist())
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
                        and seed >= 0):
        return np.random.SeedSequence(None if seed is None else int(seed))
    raise SummitryError(f"seed must be a whole number ≥ 0, a numpy SeedSequence or "
                        f"Generator, found {seed!r}")


# --- inverse CDFs -----------------------------------------------------------------------------


def _truncation(inp: _Input) -> tuple[float, float]:
    d = inp.dist
    lo = inp.lo if d.low is None else max(inp.lo, d.low)
    hi = inp.hi if d.high is None else min(inp.hi, d.high)
    if lo > hi:  # an explicit range entirely outside the valid one: pin to the nearer end
        lo = hi = min(max(d.center(), inp.lo), inp.hi)
    return lo, hi


def _inverse_cdf(inputs: Sequence[_Input], u: FloatArray) -> FloatArray:
    """Map uniforms ``u`` ``(V, D)`` (one row per input) through the inverse CDFs.

    Vectorised over the inputs of one distribution family.
    """
    out = np.empty_like(u)
    fam: dict[str, list[int]] = {}
    for v, inp in enumerate(inputs):
        fam.setdefault(inp.dist.dist, []).append(v)
    if "fixed" in fam:
        idx = fam["fixed"]
        out[idx] = np.array([inputs[v].dist.value for v in idx], dtype=np.float64)[:, None]
    if "uniform" in fam:
        idx = fam["uniform"]
        lo = np.array([inputs[v].dist.low for v in idx], dtype=np.float64)[:, None]
        hi = np.array([inputs[v].dist.high for v in idx], dtype=np.float64)[:, None]
        out[idx] = lo + u[idx] * (hi - lo)
    if "triangular" in fam:
        idx = fam["triangular"]
        lo = np.array([inputs[v].dist.low for v in idx], dtype=np.float64)[:, None]
        mo = np.array([inputs[v].dist.mode for v in idx], dtype=np.float64)[:, None]
        hi = np.array([inputs[v].dist.high for v in idx], dtype=np.float64)[:, None]
        width = hi - lo
        fc = np.divide(mo - lo, width, out=np.zeros_like(width), where=width > 0)
        uu = u[idx]
        left = lo + np.sqrt(uu * width * (mo - lo))
        right = hi - np.sqrt((1.0 - uu) * width * (hi - mo))
        out[idx] = np.where(uu < fc, left, right)
    if "normal" in fam:
        idx = fam["normal"]
        out[idx] = _truncated_normal([inputs[v] for v in idx], u[idx])
    return out


def _truncated_normal(inputs: Sequence[_Input], u: FloatArray) -> FloatArray:
    n = len(inputs)
    mean = np.empty(n)
    sd = np.empty(n)
    lo = np.empty(n)
    hi = np.empty(n)
    p0 = np.empty(n)
    mass = np.empty(n)
    flip = np.zeros(n, dtype=bool)
    const = np.full(n, np.nan)
    for k, inp in enumerate(inputs):
        m, s = float(inp.dist.mean or 0.0), float(inp.dist.sd or 0.0)
        a, b = _truncation(inp)
        mean[k], sd[k], lo[k], hi[k] = m, s, a, b
        if s == 0.0 or a == b:
            const[k] = min(max(m, a), b)
            p0[k], mass[k] = 0.0, 1.0
            continue
        alpha, beta = (a - m) / s, (b - m) / s
        if alpha > 0:  # work in the lower tail of the mirrored interval
            flip[k] = True
            alpha, beta = -beta, -alpha
        pa, pb = _phi_scalar(alpha), _phi_scalar(beta)
        if not pb > pa:  # no mass representable: the end nearer to the mean
            const[k] = a if abs(a - m) <= abs(b - m) else b
            p0[k], mass[k] = 0.0, 1.0
            continue
        p0[k], mass[k] = pa, pb - pa
    col = (flip, mean, sd, lo, hi, p0, mass, const)
    flip, mean, sd, lo, hi, p0, mass, const = (c[:, None] for c in col)
    uu = np.where(flip, 1.0 - u, u)
    p = np.clip(p0 + uu * mass, 1e-300, 1.0 - 2.0**-53)
    z = ndtri(p)
    x = np.where(flip, mean - sd * z, mean + sd * z)
    x = np.clip(x, lo, hi)
    out: FloatArray = np.where(np.isnan(const), x, const)
    return out


# --- drawing ---------------------------------------------------------------------------------


def _uniforms(plan: _Plan, draws: int, ss: np.random.SeedSequence) -> FloatArray:
    """``(V, D)`` uniforms for the plan's inputs, correlated within groups."""
    inputs = plan.inputs
    u = np.empty((len(inputs), draws))
    members: dict[tuple[str, str], list[int]] = {}
    for v, inp in enumerate(inputs):
        rho = plan.correlations.get(inp.group, 0.0) if inp.group else 0.0
        if rho != 0.0:
            assert inp.group is not None
            members.setdefault((inp.group, inp.kind), []).append(v)
        else:
            u[v] = _stream(ss, inp.key).random(draws)
    for (group, kind), idx in members.items():
        rho = plan.correlations[group]
        n = len(idx)
        if n > 1 and rho < -1.0 / (n - 1) - 1e-12:
            raise SummitryError(
                f"correlations.{group}: rho = {rho:g} is below −1/(n − 1) = {-1 / (n - 1):.3g} "
                f"for the {n} {kind} inputs of group {group!r}; an equicorrelation matrix "
                "with so negative a rho does not exist"
            )
        e = np.stack([_stream(ss, inputs[v].key).standard_normal(draws) for v in idx])
        if rho >= 0.0:
            f = _stream(ss, f"factor/{group}/{kind}").standard_normal(draws)
            z = math.sqrt(rho) * f[None, :] + math.sqrt(1.0 - rho) * e
        else:
            mean = e.mean(axis=0, keepdims=True)
            z = (math.sqrt(1.0 - rho) * (e - mean)
                 + math.sqrt(max(0.0, 1.0 + (n - 1) * rho)) * mean)
        u[idx] = ndtr(z)
    return u


def _absence_uniforms(plan: _Plan, draws: int, ss: np.random.SeedSequence) -> FloatArray:
    """``(Q, D)`` uniforms for the plan's absences (absent where ``u < p``)."""
    u = np.empty((len(plan.absences), draws))
    for q, ab in enumerate(plan.absences):
        u[q] = _stream(ss, ab.key).random(draws)
    return u


def _sample(plan: _Plan, draws: int, ss: np.random.SeedSequence) -> tuple[Problem, BoolArray]:
    return _assemble(plan, _uniforms(plan, draws, ss), _absence_uniforms(plan, draws, ss))


def _assemble(plan: _Plan, u: FloatArray, ua: FloatArray) -> tuple[Problem, BoolArray]:
    """The problem of the draws given by uniforms ``u`` (inputs) and ``ua`` (absences).

    ``u`` is ``(V, D)``, ``ua`` is ``(Q, D)``: one row per input or absence.
    """
    draws = u.shape[1]
    n_a, n_i = plan.present.shape
    shape = (draws, n_a, n_i)
    pos = np.broadcast_to(plan.positions, shape).copy()
    sal = np.broadcast_to(plan.salience, shape).copy()
    cap = np.broadcast_to(plan.capability, shape).copy()
    if plan.inputs:
        x = _inverse_cdf(plan.inputs, u)
        for kind, target in (("position", pos), ("salience", sal)):
            cols = [v for v, inp in enumerate(plan.inputs) if inp.kind == kind]
            if not cols:
                continue
            a_idx = [plan.inputs[v].actor for v in cols]
            i_idx = [plan.inputs[v].issue for v in cols]
            lo = np.array([plan.inputs[v].lo for v in cols])[:, None]
            hi = np.array([plan.inputs[v].hi for v in cols])[:, None]
            vals = np.clip(x[cols], lo, hi).T
            target[:, a_idx, i_idx] = vals / plan.salience_max if kind == "salience" else vals
        for v, inp in enumerate(plan.inputs):
            if inp.kind == "capability":
                scale = plan.cap_scale[inp.actor]
                cap[:, inp.actor, :] = np.where(np.isnan(scale), plan.capability[inp.actor],
                                                np.maximum(x[v], 0.0)[:, None] * scale)
    absent = np.zeros(shape, dtype=bool)
    for q, ab in enumerate(plan.absences):
        hit = ua[q] < ab.p
        if ab.issue < 0:
            absent[:, ab.actor, :] |= hit[:, None]
        else:
            absent[:, ab.actor, ab.issue] |= hit
    active = plan.present[None, :, :] & ~absent
    vacant: BoolArray = np.logical_not(active.any(axis=1))  # (D, I): nobody left there
    if vacant.any():  # keep them solvable; run_batch sets the outcome to the status quo
        active = np.where(vacant[:, None, :], plan.present[None, :, :], active)
    problem = Problem.from_arrays(
        positions=pos, salience=sal, capability=cap, active=active, lower=plan.lower,
        upper=plan.upper, status_quo=plan.status_quo, actors=plan.actors, issues=plan.issues,
        meta={"vacant": vacant},
    )
    return problem, vacant


def sample_problem(
    scenario: Scenario, draws: int, rng: SeedLike = None, *, seed: SeedLike = None
) -> Problem:
    """``draws`` Monte Carlo draws of ``scenario`` as one :class:`Problem` (``D = draws``).

    Every uncertain input is drawn from the scenario's uncertainty block (see the module
    docstring); inputs without uncertainty stay at their point value.
    ``problem.meta["vacant"]`` is the ``(D, I)`` mask of issues that absences left with
    nobody at the table (their absent actors are kept active so models can solve; their
    outcome is the status quo, which :func:`run_batch` applies).

    Args:
        scenario: the validated scenario.
        draws: the number of draws ``D`` (≥ 1).
        rng: a :class:`numpy.random.Generator` (its state advances), a
            :class:`numpy.random.SeedSequence` or an integer seed.
        seed: the same as ``rng`` (give one of them).

    Raises:
        SummitryError: ``draws`` < 1, a bad seed, or a group ``rho`` that no
            equicorrelation matrix has.
    """
    if rng is not None and seed is not None:
        raise SummitryError("give either rng or seed, not both")
    _check_draws(draws)
    return _sample(_plan(scenario), int(draws), _seed_sequence(rng if rng is not None
                                                                else seed))[0]


def _check_draws(draws: object, name: str = "draws") -> int:
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise SummitryError(f"{name} must be a whole number ≥ 1, found {draws!r}")
    return int(draws)


# --- chunks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of a Monte Carlo run: everything a worker process needs (picklable).

    Attributes:
        scenario: the scenario (a :class:`Scenario` or its ``to_dict()``).
        models: ``(model class or registered name, params)`` pairs.
        seed: the chunk's seed sequence.
        size: draws in this chunk.
        keep_history: keep the first draw's history/events (the first chunk only).
    """

    scenario: Scenario | dict[str, Any]
    models: tuple[tuple[type[BaseModel] | str, dict[str, Any]], ...]
    seed: np.random.SeedSequence
    size: int
    keep_history: bool = False


def _build(spec: type[BaseModel] | str, params: dict[str, Any]) -> BaseModel:
    if isinstance(spec, str):
        return get_model(spec, **params)
    return spec(**params)


def _settle(problem: Problem, vacant: BoolArray, outcome: FloatArray) -> FloatArray:
    """``outcome`` with vacant (draw, issue) cells set to the status quo (or 50)."""
    if not vacant.any():
        return outcome
    fill = np.where(np.isnan(problem.status_quo), 50.0, problem.status_quo)
    settled: FloatArray = np.where(vacant, fill, outcome)
    return settled


def run_chunk(task: ChunkTask) -> list[Solution]:
    """Sample one chunk and solve it with every model (the executors' unit of work).

    Vacant issues (see :func:`sample_problem`) get the status quo as outcome (the scale's
    midpoint where none is given). Round-by-round arrays are cut to the chunk's first draw
    (``keep_history``) or dropped, so that what travels back stays small.
    """
    scenario = task.scenario
    if not isinstance(scenario, Scenario):
        from summitry.io import from_dict

        scenario = from_dict(scenario, source="chunk task")
    problem, vacant = _sample(_plan(scenario), task.size, task.seed)
    # only draw 0's rounds travel back (and only from chunk 0): models need not record more
    problem.meta["history"] = "first"
    fill = np.where(np.isnan(problem.status_quo), 50.0, problem.status_quo)
    out = []
    for spec, params in task.models:
        sol = solve(_build(spec, params), problem)
        outcome = _settle(problem, vacant, sol.outcome)
        ho = sol.history_outcome
        if ho is not None and vacant.any():
            h = ho.shape[0]
            ho = np.where(vacant[:h, None, :], fill[:h, None, :], ho)
        extra = {}
        for k, v in sol.extra.items():
            if (isinstance(v, np.ndarray) and v.ndim >= 3
                    and v.shape[0] in (task.size, problem.history_draws)):
                if task.keep_history:
                    extra[k] = v[:1].copy()
            else:
                extra[k] = v
        keep = task.keep_history
        out.append(replace(
            sol,
            outcome=np.ascontiguousarray(outcome, dtype=np.float64),
            history=sol.history[:1].copy() if keep and sol.history is not None else None,
            history_outcome=ho[:1].copy() if keep and ho is not None else None,
            events=sol.events if keep else None,
            extra=extra,
        ))
    return out


def _merge(parts: Sequence[Solution], sizes: Sequence[int]) -> Solution:
    first = parts[0]
    extra: dict[str, Any] = {}
    for k, v in first.extra.items():
        if (isinstance(v, np.ndarray) and v.ndim in (1, 2) and all(
                isinstance(p.extra.get(k), np.ndarray) and p.extra[k].shape[0] == n
                for p, n in zip(parts, sizes, strict=True))):
            extra[k] = np.concatenate([p.extra[k] for p in parts])
        else:
            extra[k] = v
    n_rounds = None
    if all(p.n_rounds is not None for p in parts):
        n_rounds = np.concatenate([np.asarray(p.n_rounds) for p in parts]).astype(np.int64)
    return replace(
        first,
        outcome=np.concatenate([p.outcome for p in parts]),
        n_rounds=n_rounds,
        extra=extra,
    )


class _Merger:
    """:func:`_merge` done chunk by chunk, in any order of arrival (same result).

    Per-draw arrays (``outcome``, ``n_rounds``, 1–2-dimensional ``extra`` arrays with a
    leading draw axis) are written into arrays of all draws as chunks arrive, so a run
    holds them once; everything else comes from chunk 0.
    """

    def __init__(self, n_models: int, sizes: Sequence[int]) -> None:
        self.sizes = list(sizes)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.n = int(self.offsets[-1])
        self.first: list[Solution | None] = [None] * n_models
        self.arrays: list[dict[str, NDArray[Any]]] = [{} for _ in range(n_models)]
        self.bad: list[set[str]] = [set() for _ in range(n_models)]  # not per-draw after all
        self.no_rounds = [False] * n_models

    def _put(self, m: int, key: str, value: Any, k: int) -> None:
        lo, size = int(self.offsets[k]), self.sizes[k]
        if (not isinstance(value, np.ndarray) or value.ndim not in (1, 2)
                or value.shape[0] != size):
            self.bad[m].add(key)
            return
        store = self.arrays[m].get(key)
        if store is None:
            store = np.empty((self.n, *value.shape[1:]), dtype=value.dtype)
            self.arrays[m][key] = store
        elif store.shape[1:] != value.shape[1:]:
            self.bad[m].add(key)
            return
        store[lo:lo + size] = value

    def add(self, k: int, sols: Sequence[Solution]) -> None:
        """Take chunk ``k``'s solutions (one per model)."""
        for m, sol in enumerate(sols):
            if k == 0:
                self.first[m] = sol
            self._put(m, "\0outcome", np.asarray(sol.outcome), k)
            if sol.n_rounds is None:
                self.no_rounds[m] = True
            else:
                self._put(m, "\0n_rounds", np.asarray(sol.n_rounds), k)
            for key, value in sol.extra.items():
                if isinstance(value, np.ndarray) and value.ndim in (1, 2):
                    self._put(m, key, value, k)
                else:
                    self.bad[m].add(key)

    def result(self) -> list[Solution]:
        out = []
        for m, first in enumerate(self.first):
            assert first is not None
            arrays = self.arrays[m]
            extra = {key: (arrays[key] if key in arrays and key not in self.bad[m] else v)
                     for key, v in first.extra.items()}
            n_rounds = None if self.no_rounds[m] else arrays["\0n_rounds"].astype(np.int64)
            out.append(replace(first, outcome=arrays["\0outcome"], n_rounds=n_rounds,
                               extra=extra))
        return out


def _model_specs(models: Sequence[Model | str]) -> tuple[tuple[type[BaseModel] | str,
                                                             dict[str, Any]], ...]:
    specs: list[tuple[type[BaseModel] | str, dict[str, Any]]] = []
    for m in models:
        if isinstance(m, str):
            specs.append((m, {}))
        else:
            specs.append((type(m), dict(m.params())))  # type: ignore[arg-type]
    return tuple(specs)


def run_batch(
    scenario: Scenario,
    models: Sequence[Model | str],
    *,
    draws: int,
    seed: int | np.random.SeedSequence = 0,
    progress: ProgressFn | None = None,
    executor: Any = None,
    chunk_size: int | None = None,
) -> tuple[Problem, list[Solution]]:
    """Solve ``draws`` Monte Carlo draws of ``scenario`` with every model, in chunks.

    The draws are split into chunks of ``chunk_size`` (default :data:`CHUNK_SIZE`) seeded
    by ``SeedSequence(seed).spawn(n_chunks)``; each chunk is sampled and solved by
    :func:`run_chunk` on ``executor`` and the results are merged:

    - ``outcome`` ``(D, I)`` and ``n_rounds`` ``(D,)`` are concatenated over all draws;
    - ``history``, ``history_outcome`` and ``events`` are those of the first draw of the
      first chunk only (``history`` has shape ``(1, T, A, I)``): the full history of a
      million draws would not fit in memory, and draw 0 is the one reports show;
    - ``extra`` arrays with a leading draw axis and at most 2 dimensions (per-draw values)
      are concatenated; per-round arrays (3+ dimensions, e.g. ``(D, T, A, I)``) are cut
      to the first draw like ``history``; everything else comes from the first chunk.

    Args:
        scenario: the scenario.
        models: model instances (or registered names, with default settings).
        draws: the number of draws (≥ 1).
        seed: the run's seed.
        progress: callback ``progress(done_chunks, total_chunks)``.
        executor: an executor (:mod:`summitry.executors`), its name (``"serial"``,
            ``"process"``, ``"dask"``; closed after the run), or ``None`` for serial.
        chunk_size: draws per chunk.

    Returns:
        The scenario's point problem (``scenario.problem()``, ``D = 1``: for units and
        names) and one merged :class:`Solution` per model, in the order of ``models``.
    """
    from summitry.executors import Executor, SerialExecutor, get_executor

    n = _check_draws(draws)
    size = CHUNK_SIZE if chunk_size is None else _check_draws(chunk_size, "chunk_size")
    if not models:
        raise SummitryError("run_batch needs at least one model")
    specs = _model_specs(models)
    n_chunks = -(-n // size)
    seeds = _seed_sequence(seed).spawn(n_chunks)
    sizes = [min(size, n - k * size) for k in range(n_chunks)]
    tasks = [ChunkTask(scenario, specs, s, m, keep_history=(k == 0))
             for k, (s, m) in enumerate(zip(seeds, sizes, strict=True))]
    own = executor is None or isinstance(executor, str)
    ex: Executor = (SerialExecutor() if executor is None
                    else get_executor(executor) if isinstance(executor, str) else executor)
    try:
        if hasattr(ex, "imap"):
            # merge each chunk as it arrives: the per-draw arrays exist once, not twice
            merger = _Merger(len(specs), sizes)
            for done, (k, result) in enumerate(ex.imap(run_chunk, tasks), start=1):
                merger.add(k, result)
                if progress is not None:
                    progress(done, len(tasks))
            merged = merger.result()
        else:
            results = ex.map(run_chunk, tasks, progress=progress)
            merged = [_merge([r[m] for r in results], sizes) for m in range(len(specs))]
    finally:
        if own:
            ex.close()
    return scenario.problem(), merged


def simulate(
    scenario: Scenario,
    model: str | Sequence[str] | None = None,
    *,
    draws: int = 10_000,
    seed: int = 0,
    **kwargs: Any,
) -> Forecast:
    """Monte Carlo forecast of ``scenario`` (twin of ``summitry forecast --draws N``).

    A thin layer over :func:`summitry.forecast.forecast` (which see for ``params``,
    ``weights``, ``progress``, ``executor`` and ``chunk_size``).

    Args:
        scenario: the validated scenario.
        model: model name(s) (default: every registered model).
        draws: the number of draws (≥ 1; 1 is the point forecast).
        seed: the Monte Carlo seed.
        **kwargs: passed on to :func:`~summitry.forecast.forecast`.

    Raises:
        SummitryError: ``draws`` ≤ 0 or not a whole number.
    """
    from summitry.forecast import forecast

    return forecast(scenario, model, draws=_check_draws(draws), seed=seed, **kwargs)

