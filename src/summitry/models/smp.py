"""KTAB's Spatial Model of Politics (SMP): challenges, bargains and Condorcet elections.

The SMP of the KAPSARC Toolkit for Behavioral Analysis (KTAB; Wise, Lester & Efird 2015,
"Multidimensional Bargaining using KTAB"; Efird, Lester & Wise 2016, JEAS 16:117–145,
pp. 122–124) is a dynamic model in which every actor holds a point in the joint space of
all issues (the issues of the :class:`~summitry.problem.Problem` are the dimensions). One
turn (``specs/smp.md`` §4–§7):

1. **Risk attitudes** (§4). With the salience-weighted distance
   ``D_i(y) = sqrt(Σ_k s_ik² (x_ik − y_k)² / Σ_k s_ik²)`` and the utility
   ``U(D, R) = (1 − D)(1 + D·R)``, a probabilistic Condorcet election (PCE) among all
   actors' positions, votes weighted by capability, gives each position a win
   probability p; the risk attitude is ``R_i = (3p_i − p_max − 2p_min) / (2(p_max − p_min))``
   ("Mid" range) and actor h estimates i's as ``(2R_h + R_i)/3`` ("OneThird").
2. **Challenges** (§5). Each actor i estimates, for every other actor j, its expected gain
   from challenging j: the principals' strengths (weight salience sum × capability) plus
   third parties who join the side that serves them better ("SemiCommit") give φ = P(i beats
   j); ``E = (1 − σ_j)·2a + σ_j(φ·2a + (1 − φ)·2b) − (a + b)``. It targets the j of largest
   gain above 1e−5.
3. **Bargains** (§6, "S2P2"). Each dimension's proposal is a weighted mean of the two
   positions with weights ``s²·p²`` (+1e−6 for one's own side), rounded to 4 decimals.
4. **Queues** (§7). Every actor's queue holds its status quo and the bargains that involve
   it; a PCE over the actors' average utility of the resulting states (capability votes)
   picks one ("Deterministic": the most likely, first on ties; "Stochastic": a draw).
5. **Stop** (§8) when the state moved less than 2 % of the first step (after ≥ 2 turns) or
   after ``rounds`` turns.

Every KTAB option of §12 is a constructor parameter (string enums, KTAB's defaults as
defaults). The dynamics follow KTAB's code as described and validated in ``specs/smp.md``
and ``specs/models.md`` §1e; the tests reproduce KTAB's reference run on
``dummyData_3Dim.csv`` at every turn to the log's printed precision.

The forecast (``Solution.outcome`` and ``history_outcome``) is by default the expectation
of KTAB's own "winning probabilities" over the distinct positions of the state (§10):
``Σ_q p_q x_q``. ``outcome="modal"`` gives the most likely position and
``outcome="weighted_mean"`` the capability × salience weighted mean of the positions.

>>> from summitry.problem import Problem
>>> p = Problem.from_arrays(positions=[[10.0], [40.0], [90.0]], salience=[[0.5], [0.8], [0.3]],
...                         capability=[30.0, 20.0, 10.0])
>>> sol = SMP().solve(p)
>>> int(sol.n_rounds[0]), sol.history[0, -1, :, 0].round(2).tolist()
(3, [11.2, 40.39, 40.39])
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from summitry.errors import ModelError, SummitryError
from summitry.models import _smp_core as core
from summitry.models._numba import available as _numba_available
from summitry.models.base import BaseModel, Solution, register
from summitry.problem import Problem

__all__ = ["SMP", "ktab_parameters"]

FloatArray = NDArray[np.float64]

_OPTIONS: dict[str, tuple[str, ...]] = {
    "voting": core.VOTING,
    "victory": core.VICTORY,
    "pce": core.PCE,
    "risk_range": core.RISK_RANGE,
    "risk_adjust": core.RISK_ADJUST,
    "third_party": core.THIRD_PARTY,
    "bargain": core.BARGAIN,
    "bargain_model": core.BARGAIN_MODEL,
    "transition": core.TRANSITION,
    "outcome": ("pce_mean", "modal", "weighted_mean"),
    "engine": ("auto", "numpy", "numba"),
}

#: KTAB's XML/CLI parameter names and values → this model's parameters (``smp.h``, ``kmodel.h``).
_KTAB_NAMES: dict[str, tuple[str, dict[str, str]]] = {
    "VictoryProbModel": ("victory", {
        "Linear": "linear", "Square": "square", "Quartic": "quartic", "Octic": "octic",
        "Binary": "binary"}),
    "PCEModel": ("pce", {
        "Conditional": "conditional", "MarkovUniform": "markov_uniform",
        "MarkovIncentive": "markov_incentive"}),
    "StateTransitions": ("transition", {
        "Deterministic": "deterministic", "Stochastic": "stochastic"}),
    "VotingRule": ("voting", {
        "Binary": "binary", "PropBin": "prop_bin", "Proportional": "proportional",
        "Prop": "proportional", "PropCbc": "prop_cbc", "Cubic": "cubic",
        "ASymProsp": "asym_prosp"}),
    "BigRAdjust": ("risk_adjust", {
        "NoRA": "none", "None": "none", "OneThird": "one_third", "Half": "half",
        "TwoThirds": "two_thirds", "FullRA": "full", "Full": "full"}),
    "BigRRange": ("risk_range", {"Min": "min", "Mid": "mid", "Max": "max"}),
    "ThirdPartyCommit": ("third_party", {
        "FullCommit": "full_commit", "SemiCommit": "semi_commit", "NoCommit": "no_commit"}),
    "InterVecBrgn": ("bargain", {"S1P1": "s1p1", "S2P2": "s2p2", "S2PMax": "s2pmax"}),
    "BargnModel": ("bargain_model", {
        "InitOnlyInterp": "init_only", "InitRcvrInterp": "init_rcvr",
        "PWCompInterp": "pw_comp"}),
}


def ktab_parameters(ktab: dict[str, str]) -> dict[str, str]:
    """Translate KTAB's ``<ModelParameters>`` (e.g. ``{"PCEModel": "MarkovIncentive"}``).

    >>> ktab_parameters({"VotingRule": "PropCbc", "BigRAdjust": "OneThird"})
    {'voting': 'prop_cbc', 'risk_adjust': 'one_third'}

    Raises:
        SummitryError: an unknown KTAB parameter or value (the message lists the allowed ones).
    """
    out: dict[str, str] = {}
    for key, value in ktab.items():
        if key not in _KTAB_NAMES:
            raise SummitryError(
                f"unknown KTAB model parameter {key!r}; expected one of: "
                + ", ".join(_KTAB_NAMES)
            )
        name, values = _KTAB_NAMES[key]
        if value not in values:
            raise SummitryError(
                f"unknown value {value!r} of KTAB parameter {key!r}; expected one of: "
                + ", ".join(values)
            )
        out[name] = values[value]
    return out


_CHUNK_ELEMENTS = 3_000_000
#: draws × actors³ from which ``engine="auto"`` imports Numba (bench/bench_smp.py: NumPy
#: solves one 40-actor problem in 0.13 s, about as long as importing numba takes)
_NUMBA_MIN_WORK = 100_000


def _use_numba(work: int) -> bool:
    """``engine="auto"``: Numba when installed and the work repays importing it (~0.3 s)."""
    if "numba" in sys.modules and sys.modules["numba"] is not None:
        return True
    return work >= _NUMBA_MIN_WORK and _numba_available()


@register
class SMP(BaseModel):
    """KTAB's Spatial Model of Politics: challenges, bargains and Condorcet elections.

    Args:
        rounds: the maximum number of turns (KTAB's ``maxIter``, 100).
        voting: voting rule, ``proportional`` (default) or ``binary``, ``prop_bin``,
            ``prop_cbc``, ``cubic``, ``asym_prosp`` (KTAB ``VotingRule``).
        victory: victory probability model, ``linear`` (default) or ``square``,
            ``quartic``, ``octic``, ``binary`` (``VictoryProbModel``).
        pce: Condorcet election model, ``conditional`` (default) or ``markov_uniform``,
            ``markov_incentive`` (``PCEModel``).
        transition: ``deterministic`` (default: the most likely queue entry) or
            ``stochastic`` (a draw from the queue's PCE) (``StateTransitions``).
        risk_range: ``mid`` (default), ``min`` or ``max`` (``BigRRange``).
        risk_adjust: how one actor estimates another's risk attitude, ``one_third``
            (default), ``none``, ``half``, ``two_thirds``, ``full`` (``BigRAdjust``).
        third_party: ``semi_commit`` (default), ``full_commit``, ``no_commit``
            (``ThirdPartyCommit``).
        bargain: interpolation of a bargain, ``s2p2`` (default), ``s1p1``, ``s2pmax``
            (``InterVecBrgn``).
        bargain_model: ``init_only`` (default), ``init_rcvr``, ``pw_comp`` (``BargnModel``).
        outcome: the forecast, ``pce_mean`` (default), ``modal`` or ``weighted_mean``.
        accommodation: KTAB's ideal-accommodation matrix ``(A, A)``, or its
            ``<IdealAdjustment>`` pairs as read by :mod:`summitry.io.ktab` (a list of
            ``{"actor", "reference", "adjust"}`` on an identity matrix). None: identity
            (the CSV case), or ``Problem.meta["accommodation"]`` when present.
        seed: seed of the stochastic transition (draw d uses child d of
            ``numpy.random.SeedSequence(seed)``); ignored when deterministic.
        engine: ``auto`` (Numba when installed and the problem is large enough to repay
            importing it: draws × actors³ ≥ 100 000, or numba already imported), ``numpy``
            or ``numba`` (the compiled turn loop of :mod:`._smp_kernel`, parallel over
            draws; with a non-identity accommodation the NumPy turn loop with compiled
            challenge and coalition kernels); both give bit-identical trajectories and
            forecasts (docs/models/smp.md, "Engines").
    """

    name: ClassVar[str] = "smp"
    title: ClassVar[str] = "Spatial Model of Politics (KTAB)"
    source: ClassVar[str] = (
        "KAPSARC KTAB smpc; Efird, Lester & Wise (2016) JEAS 16:117-145; specs/smp.md"
    )
    dynamic: ClassVar[bool] = True

    def __init__(
        self,
        *,
        rounds: int = 100,
        voting: str = "proportional",
        victory: str = "linear",
        pce: str = "conditional",
        transition: str = "deterministic",
        risk_range: str = "mid",
        risk_adjust: str = "one_third",
        third_party: str = "semi_commit",
        bargain: str = "s2p2",
        bargain_model: str = "init_only",
        outcome: str = "pce_mean",
        accommodation: ArrayLike | list[dict[str, Any]] | None = None,
        seed: int | None = None,
        engine: str = "auto",
    ) -> None:
        self.rounds = rounds
        self.voting = voting
        self.victory = victory
        self.pce = pce
        self.transition = transition
        self.risk_range = risk_range
        self.risk_adjust = risk_adjust
        self.third_party = third_party
        self.bargain = bargain
        self.bargain_model = bargain_model
        self.outcome = outcome
        self.accommodation = accommodation
        self.seed = seed
        self.engine = engine

    # -- validation -------------------------------------------------------------------
    def _config(self, work: int = 0) -> core.Config:
        for key, allowed in _OPTIONS.items():
            value = getattr(self, key)
            if value not in allowed:
                raise SummitryError(
                    f"model 'smp': unknown {key} {value!r}; expected one of: "
                    + ", ".join(allowed)
                )
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int | np.integer):
            raise SummitryError(f"model 'smp': rounds must be an integer, found {self.rounds!r}")
        if self.rounds < 1:
            raise SummitryError(f"model 'smp': rounds must be at least 1, found {self.rounds}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer)
        ):
            raise SummitryError(
                f"model 'smp': seed must be an integer or None, found {self.seed!r}")
        if self.engine == "numba" and not _numba_available():
            from summitry.errors import MissingExtraError

            raise MissingExtraError("the numba engine of the smp model", "fast")
        return core.Config(
            voting=self.voting, victory=self.victory, pce=self.pce,
            risk_range=self.risk_range, risk_adjust=self.risk_adjust,
            third_party=self.third_party, bargain=self.bargain,
            bargain_model=self.bargain_model, transition=self.transition,
            numba=self.engine == "numba" or (self.engine == "auto" and _use_numba(work)),
        )

    def _accommodation(self, problem: Problem) -> FloatArray | None:
        raw: Any = self.accommodation
        if raw is None:
            raw = problem.meta.get("accommodation")
        if raw is None:
            return None
        a = problem.n_actors
        if isinstance(raw, list | tuple) and all(isinstance(e, dict) for e in raw):
            # the importer's form: [{"actor": id, "reference": id, "adjust": number}, ...]
            acc = np.eye(a)
            for e in raw:
                try:
                    i = problem.actors.index(e["actor"])
                    j = problem.actors.index(e["reference"])
                    acc[i, j] = float(e["adjust"])
                except (KeyError, ValueError, TypeError) as exc:
                    raise ModelError(
                        f"smp: bad ideal-adjustment entry {e!r}: expected keys actor, "
                        f"reference (actors of the problem) and adjust (a number)"
                    ) from exc
        else:
            acc = np.asarray(raw, dtype=np.float64)
        if acc.shape != (a, a) or not np.all(np.isfinite(acc)):
            raise ModelError(
                f"smp: the accommodation matrix must be a finite ({a}, {a}) array, "
                f"found shape {acc.shape}"
            )
        if np.array_equal(acc, np.eye(a)):
            return None
        return acc

    # -- solve ------------------------------------------------------------------------
    def solve(self, problem: Problem) -> Solution:
        """Run the SMP on every draw of ``problem``; see the class docstring."""
        cfg = self._config(problem.n_draws * problem.n_actors**3)
        acc = self._accommodation(problem)
        if problem.n_actors == 0:
            raise ModelError("smp: the problem has no actors")
        prep = _prepare(problem)
        dd = problem.n_draws
        gens: list[np.random.Generator] | None = None
        seed_used: int | None = None
        if cfg.transition == "stochastic":
            ss = np.random.SeedSequence(self.seed)
            seed_used = int(ss.entropy) if isinstance(ss.entropy, int) else None
            gens = [np.random.default_rng(q) for q in ss.spawn(dd)]
        n_hist = problem.history_draws
        rounds = int(self.rounds)
        if cfg.numba and acc is None:
            run = _run_kernel(cfg, prep, rounds, gens, n_hist, problem.actors)
        else:
            run = _run_numpy(cfg, prep, acc, rounds, gens, n_hist, problem.actors)
        # positions that never moved are reported exactly as given
        rec = problem if n_hist == dd else problem.take(slice(0, n_hist))
        history = _user_positions(rec, run["history"])
        forecasts = {
            "pce_mean": run["pce_mean"] * 100.0,
            "modal": run["modal"] * 100.0,
            "weighted_mean": _weighted_mean(rec, history),
        }
        if self.outcome == "weighted_mean":
            final = _user_positions(problem, run["final_x"])
            outcome = _weighted_mean(problem, final[:, None])[:, 0]
        else:
            outcome = run[f"final_{self.outcome}"] * 100.0
        extra: dict[str, Any] = {
            "risk": run["risk"],
            "win_prob": run["win_prob"],
            "forecast_pce_mean": forecasts["pce_mean"],
            "forecast_modal": forecasts["modal"],
            "forecast_weighted_mean": forecasts["weighted_mean"],
            "stop_ratio": run["ratio"],
            "seed": seed_used,
        }
        if acc is not None:
            extra["ideals"] = run["ideals"] * 100.0
        return Solution(
            model=self.name,
            params=self.params(),
            outcome=outcome,
            history=history,
            history_outcome=forecasts[self.outcome],
            n_rounds=run["n_rounds"].astype(np.int64),
            events=run["events"],
            extra=extra,
        )


# --------------------------------------------------------------------------------------
# preparation, the two engines and the turn loop
# --------------------------------------------------------------------------------------
def _prepare(problem: Problem) -> dict[str, NDArray[Any]]:
    """KTAB's inputs on its [0, 1] scale from a Problem (see docs/models/smp.md)."""
    act = problem.active
    present: NDArray[np.bool_] = np.asarray(act.any(axis=-1))
    s = np.where(act, problem.salience, 0.0)
    sig = s.sum(axis=-1)
    # KTAB requires Σ_k s_ik ≤ 1 (saliences 0–100 summing to ≤ 100): rescale larger sums
    over = sig > 1.0
    s = np.where(over[..., None], s / np.where(over, sig, 1.0)[..., None], s)
    sig = np.where(over, 1.0, sig)
    # distances need some salience: an actor that cares about nothing weighs issues equally
    none = ~((s * s).sum(axis=-1) > 0.0)
    s_dist = np.where(none[..., None], np.where(act, 1.0, 0.0), s)
    s_dist = np.where((s_dist.sum(axis=-1) > 0.0)[..., None], s_dist, 1.0)
    capv = np.where(act, problem.capability, 0.0)
    n_act = act.sum(axis=-1)
    first = np.take_along_axis(capv, np.argmax(act, axis=-1)[..., None], axis=-1)[..., 0]
    same = np.all(~act | (capv == first[..., None]), axis=-1)
    mean = capv.sum(axis=-1) / np.maximum(n_act, 1)
    cap = np.where(present, np.where(same, first, mean), 0.0)
    x = problem.positions / 100.0
    # positions on issues an actor takes no part in: the weighted mean of the others
    w = np.where(act, cap[..., None] * s, 0.0)
    tot = w.sum(axis=1)
    n_i = act.sum(axis=1)
    plain = np.where(act, x, 0.0).sum(axis=1) / np.maximum(n_i, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(tot > 0, (w * x).sum(axis=1) / np.where(tot > 0, tot, 1.0), plain)
    fill = np.where(n_i > 0, fill, 0.5)
    x = np.where(act, x, fill[:, None, :])
    return {
        "x": x, "s": s, "s_dist": s_dist, "sig": sig, "cap": cap, "present": present,
    }


def _user_positions(problem: Problem, raw: FloatArray) -> FloatArray:
    """Positions ``(D, ..., A, I)`` on 0–100 from KTAB's [0, 1] scale.

    Positions that never moved are reported exactly as given.
    """
    shape = (raw.shape[0],) + (1,) * (raw.ndim - 3) + raw.shape[-2:]
    x_in = problem.positions.reshape(shape)
    same = (raw == x_in / 100.0) & problem.active.reshape(shape)
    return np.where(same, x_in, raw * 100.0)


def _weighted_mean(problem: Problem, history: FloatArray) -> FloatArray:
    """Capability × salience weighted mean of each turn's positions, ``(D, T, I)``."""
    from summitry.models.compromise import weighted_mean

    d, t, a, ni = history.shape
    out = np.empty((d, t, ni))
    # several turns per call, as draws of a repeated problem (the mean is per draw)
    step = max(1, _CHUNK_ELEMENTS // max(1, d * a * ni))
    for lo in range(0, t, step):
        n = min(t, lo + step) - lo
        rep = problem if n == 1 else problem.take(np.repeat(np.arange(d), n))
        pos = history[:, lo : lo + n].reshape(d * n, a, ni)
        out[:, lo : lo + n] = weighted_mean(rep, pos).reshape(d, n, ni)
    return out


def _take(d: dict[str, Any], idx: NDArray[np.intp]) -> dict[str, Any]:
    return {k: v[idx] for k, v in d.items()}


def turn(
    cfg: core.Config, state: dict[str, Any], st: core.StateSetup,
    uniforms: FloatArray | None = None, force: NDArray[np.intp] | None = None,
) -> tuple[core.QueueResult, dict[str, Any]]:
    """One SMP turn (challenges, bargains, queues) from a set-up state; see the module doc.

    Returns the queue result (with the new positions) and the turn's intermediate arrays
    (``target``, ``gain``, ``phi``, ``b_init``, ``b_recv``) for events and tests.
    """
    x, s, sig, cap, present = state["x"], state["s"], state["sig"], state["cap"], state["present"]
    dd, a, _ = x.shape
    w = sig * cap
    phi, gain = core.all_challenges(cfg, st.persp, w, sig, present)
    target, best = core.best_targets(gain, present)
    ar = np.arange(a)
    tgt = np.where(target >= 0, target, ar[None, :])
    d2 = np.arange(dd)[:, None]
    phi_i = phi[d2, ar[None, :], tgt]
    tj = x[d2, tgt]
    sj = s[d2, tgt]
    b_i, b_j = core.interpolate(cfg.bargain, x, tj, s, sj, phi_i)
    if cfg.bargain_model == "init_only":
        b_init, b_recv = b_i[:, :, None, :], b_j[:, :, None, :]
    else:
        phi_r = core.pair_phi(
            cfg, st.persp, tgt, np.broadcast_to(ar, (dd, a)).copy(), tgt, w, present)
        r_i, r_j = core.interpolate(cfg.bargain, x, tj, s, sj, phi_r)
        if cfg.bargain_model == "init_rcvr":
            b_init = np.stack([b_i, r_i], axis=2)
            b_recv = np.stack([b_j, r_j], axis=2)
        else:
            c_i, c_j = core.pw_compromise(b_i, b_j, r_i, r_j, cap, sig, sig[d2, tgt])
            b_init, b_recv = c_i[:, :, None, :], c_j[:, :, None, :]
    q = core.resolve_queues(
        cfg, x, state["y"], state["s_dist"], cap, present, st, target, b_init, b_recv,
        uniforms=uniforms, force=force,
    )
    info = {"target": target, "gain": best, "phi": phi_i, "b_init": b_init, "b_recv": b_recv}
    return q, info


def setup(
    cfg: core.Config, state: dict[str, Any], *, perspectives: bool = True,
) -> core.StateSetup:
    """:func:`summitry.models._smp_core.setup_state` of a state dict."""
    return core.setup_state(
        cfg, state["x"], state["y"], state["s_dist"], state["cap"], state["present"],
        perspectives=perspectives)


def _canonical_order(state: dict[str, Any]) -> NDArray[np.intp]:
    """A listing order of the actors that does not depend on the input's order, ``(D, A)``.

    Sorted by position (first issue first), then salience, then capability; actors equal
    in all of these are interchangeable.
    """
    x, s, cap = state["x"], state["s"], state["cap"]
    keys = [cap] + [s[..., k] for k in range(s.shape[-1] - 1, -1, -1)] + [
        x[..., k] for k in range(x.shape[-1] - 1, -1, -1)]
    order = np.broadcast_to(np.arange(x.shape[1]), cap.shape).copy()
    for key in keys:  # least significant first; stable sorts make a lexicographic order
        k = np.take_along_axis(key, order, axis=1)
        order = np.take_along_axis(order, np.argsort(k, axis=1, kind="stable"), axis=1)
    return order


def _forecasts(
    cfg: core.Config, state: dict[str, Any], st: core.StateSetup,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Winning probabilities per actor, PCE mean and modal position of a state.

    The winning probabilities follow KTAB (actors merged into unique positions in file
    order). KTAB's merge depends on the order in which actors are listed when distinct
    positions lie within its tolerance of each other; the forecasts therefore redo the
    merge with the actors in a canonical order (:func:`_canonical_order`) in those draws,
    so that they do not depend on the order of the actors.
    """
    x, cap, present = state["x"], state["cap"], state["present"]
    actor_p, rep_p, _ = core.win_probabilities(cfg, x, st, cap, present)
    order = _canonical_order(state)
    diff = x[:, :, None, :] - x[:, None, :, :]
    dist = np.sqrt((diff * diff).sum(axis=-1))
    near = ((dist > 0.0) & (dist < core.POS_TOL) & present[:, :, None]
            & present[:, None, :]).any(axis=(1, 2))
    p_c = np.take_along_axis(rep_p, order, axis=1)  # canonical listing of rep_p
    if near.any():
        dn = np.flatnonzero(near)
        o = order[dn]
        d_ix = np.arange(dn.size)[:, None]
        sub = core.StateSetup(
            dist=st.dist[dn][d_ix[:, :, None], o[:, :, None], o[:, None, :]],
            risk=np.take_along_axis(st.risk[dn], o, axis=1),
            true_util=st.true_util[dn][d_ix[:, :, None], o[:, :, None], o[:, None, :]],
            persp=st.persp[dn],  # not used by win_probabilities
        )
        _, rep_c, _ = core.win_probabilities(
            cfg, np.take_along_axis(x[dn], o[..., None], axis=1), sub,
            np.take_along_axis(cap[dn], o, axis=1), np.take_along_axis(present[dn], o, axis=1))
        p_c[dn] = rep_c
    x_c = np.take_along_axis(x, order[..., None], axis=1)
    mean = (p_c[..., None] * x_c).sum(axis=1)
    top = np.argmax(p_c, axis=1)  # ties: the first position in the canonical order
    modal = np.take_along_axis(x_c, top[:, None, None], axis=1)[:, 0]
    return actor_p, mean, modal


def _events(
    names: tuple[str, ...], target: NDArray[np.intp], gain: FloatArray, phi: FloatArray,
    b_init: FloatArray, b_recv: FloatArray, chosen: NDArray[np.intp], prob: FloatArray,
) -> list[dict[str, Any]]:
    """Challenges, bargains and adopted queue entries of one draw in one turn.

    Args:
        names: actor names.
        target: each challenger's target (−1: none) ``(A,)``.
        gain: its gain ``(A,)``.
        phi: its φ = P(it beats the target) ``(A,)``.
        b_init: the bargains' positions for the initiator ``(A, B, I)``.
        b_recv: the bargains' positions for the receiver ``(A, B, I)``.
        chosen: each actor's adopted option id (0 = status quo) ``(A,)``.
        prob: that option's probability in the actor's queue ``(A,)``.
    """
    ev: list[dict[str, Any]] = []
    nb = b_init.shape[1]
    for i in np.flatnonzero(target >= 0):
        j = int(target[i])
        ev.append({
            "type": "challenge", "actor": names[i], "target": names[j],
            "p_win": float(phi[i]), "gain": float(gain[i]),
        })
        for v in range(nb):
            ev.append({
                "type": "bargain", "initiator": names[i], "receiver": names[j],
                "variant": v,
                "initiator_position": (b_init[i, v] * 100.0).tolist(),
                "receiver_position": (b_recv[i, v] * 100.0).tolist(),
            })
    for k in range(len(names)):
        opt = int(chosen[k])
        if opt == 0:
            ev.append({"type": "adopt", "actor": names[k], "bargain": None,
                       "prob": float(prob[k])})
        else:
            i = (opt - 1) // nb
            ev.append({
                "type": "adopt", "actor": names[k], "prob": float(prob[k]),
                "bargain": {"initiator": names[i], "receiver": names[int(target[i])],
                            "variant": (opt - 1) % nb},
            })
    return ev


def _numpy_events(
    names: tuple[str, ...], q: core.QueueResult, info: dict[str, Any],
) -> list[dict[str, Any]]:
    """:func:`_events` of draw 0 (row 0) from :func:`turn`'s results."""
    prob = np.full(len(names), np.nan)
    for k in range(len(names)):
        pos = np.flatnonzero(q.options[0, k] == q.chosen[0, k])
        if pos.size:
            prob[k] = q.prob[0, k, pos[0]]
    return _events(names, info["target"][0], info["gain"][0], info["phi"][0],
                   info["b_init"][0], info["b_recv"][0], q.chosen[0], prob)


#: per-turn arrays of the recorded draws
_ROUND_KEYS = ("history", "ideals", "risk", "win_prob", "pce_mean", "modal")


def _simulate(
    cfg: core.Config, prep: dict[str, NDArray[Any]], acc: FloatArray | None, rounds: int,
    gens: list[np.random.Generator] | None, *, n_rec: int, record: bool,
    names: tuple[str, ...],
) -> dict[str, Any]:
    """The NumPy turn loop for a chunk of draws; draws stop independently (specs/smp.md §8).

    Every turn's state and forecasts are kept for the first ``n_rec`` draws (stopped draws
    repeat their last turn); the others' forecasts are computed only at their final state.
    ``record``: keep draw 0's events.
    """
    x0 = prep["x"]
    dd, a, _ = x0.shape
    work = np.flatnonzero(prep["present"].any(axis=1))  # draws still running
    state: dict[str, Any] = _take(dict(prep), work)
    state["y"] = state["x"].copy()
    st = setup(cfg, state)
    blank_mean = x0.mean(axis=1)  # draws without any actor keep this (never in practice)
    final_x = x0.copy()
    final_mean = blank_mean.copy()
    final_modal = blank_mean.copy()
    lists: dict[str, list[FloatArray]] = {
        "history": [x0[:n_rec].copy()], "ideals": [x0[:n_rec].copy()],
        "risk": [np.zeros((n_rec, a))], "win_prob": [np.zeros((n_rec, a))],
        "pce_mean": [blank_mean[:n_rec].copy()], "modal": [blank_mean[:n_rec].copy()],
    }
    rec = np.flatnonzero(work < n_rec)
    if rec.size:
        wp, mean, modal = _forecasts(cfg, _take(state, rec), _take_setup(st, rec))
        for key, val in (("risk", st.risk[rec]), ("win_prob", wp), ("pce_mean", mean),
                         ("modal", modal)):
            lists[key][0][work[rec]] = val
    n_rounds = np.zeros(dd, dtype=np.int64)
    ratio = np.zeros(dd)
    d01 = np.zeros(dd)
    events: list[list[dict[str, Any]]] = [[]]
    for it in range(1, rounds + 1):
        if work.size == 0:
            break
        uni = None
        if gens is not None:
            uni = np.stack([gens[d].random(a) for d in work])
        q, info = turn(cfg, state, st, uniforms=uni)
        old_x = state["x"]
        new_x = q.new_x
        state["x"] = new_x
        if acc is not None:
            y = state["y"]
            state["y"] = np.einsum("ij,djk->dik", acc, new_x) + (1.0 - acc.sum(axis=1))[
                None, :, None] * y
        else:
            state["y"] = new_x
        st = setup(cfg, state)
        if record and work[0] == 0:
            events.append(_numpy_events(names, q, info))
        step = np.sqrt(((new_x - old_x) ** 2).sum(axis=-1)).sum(axis=-1)
        n_rounds[work] = it
        if it == 1:
            d01[work] = step + 1e-4
        rat = step / d01[work]
        ratio[work] = rat
        stop = np.full(work.size, it >= rounds) | ((it >= 2) & (rat < 0.02))
        # forecasts of the recorded draws and of the draws that stop now
        need = np.flatnonzero((work < n_rec) | stop)
        if need.size == work.size:
            wp_w, mean_w, modal_w = _forecasts(cfg, state, st)
        elif need.size:
            wp_w, mean_w, modal_w = _forecasts(cfg, _take(state, need), _take_setup(st, need))
        else:
            wp_w, mean_w, modal_w = np.zeros((0, a)), x0[:0, 0], x0[:0, 0]
        rec = np.flatnonzero(work[need] < n_rec)
        for key, val in (("history", new_x), ("ideals", state["y"]), ("risk", st.risk)):
            nxt = lists[key][-1].copy()
            nxt[work[need[rec]]] = val[need[rec]]
            lists[key].append(nxt)
        for key, val in (("win_prob", wp_w), ("pce_mean", mean_w), ("modal", modal_w)):
            nxt = lists[key][-1].copy()
            nxt[work[need[rec]]] = val[rec]
            lists[key].append(nxt)
        if stop.any():
            done = np.flatnonzero(stop[need])
            final_x[work[need[done]]] = new_x[need[done]]
            final_mean[work[need[done]]] = mean_w[done]
            final_modal[work[need[done]]] = modal_w[done]
            keep = np.flatnonzero(~stop)
            work = work[keep]
            state = _take(state, keep)
            st = _take_setup(st, keep)
    out: dict[str, Any] = {key: np.stack(lists[key], axis=1) for key in _ROUND_KEYS}
    out.update({
        "final_x": final_x, "final_pce_mean": final_mean, "final_modal": final_modal,
        "n_rounds": n_rounds, "ratio": ratio, "events": events,
    })
    return out


def _take_setup(st: core.StateSetup, idx: NDArray[np.intp]) -> core.StateSetup:
    """The set-up of some draws of a state (rows ``idx``)."""
    return core.StateSetup(
        *(getattr(st, f)[idx] for f in ("dist", "risk", "true_util", "persp")))


def _pad_turns(arr: NDArray[Any], t_max: int) -> NDArray[Any]:
    """Repeat the last turn (axis 1) up to ``t_max`` turns."""
    if arr.shape[1] >= t_max:
        return arr
    pad = np.repeat(arr[:, -1:], t_max - arr.shape[1], axis=1)
    return np.concatenate([arr, pad], axis=1)


def _run_numpy(
    cfg: core.Config, prep: dict[str, NDArray[Any]], acc: FloatArray | None, rounds: int,
    gens: list[np.random.Generator] | None, n_hist: int, names: tuple[str, ...],
) -> dict[str, Any]:
    """The vectorised NumPy engine: :func:`_simulate` on chunks of draws."""
    dd, a, _ = prep["x"].shape
    nb = 2 if cfg.bargain_model == "init_rcvr" else 1
    # draws are solved in chunks that keep the (draws, A, A, A) temporaries bounded
    chunk = max(1, _CHUNK_ELEMENTS // max(1, a * a * a * nb * nb))
    runs = []
    for lo in range(0, dd, chunk):
        hi = min(dd, lo + chunk)
        runs.append(_simulate(
            cfg, {k: v[lo:hi] for k, v in prep.items()}, acc, rounds,
            None if gens is None else gens[lo:hi], n_rec=min(max(n_hist - lo, 0), hi - lo),
            record=(lo == 0), names=names,
        ))
    t_max = max(r["history"].shape[1] for r in runs)
    out: dict[str, Any] = {
        key: np.concatenate([_pad_turns(r[key], t_max) for r in runs], axis=0)
        for key in _ROUND_KEYS
    }
    for key in ("final_x", "final_pce_mean", "final_modal", "n_rounds", "ratio"):
        out[key] = np.concatenate([r[key] for r in runs], axis=0)
    out["events"] = runs[0]["events"]
    return out


def _run_kernel(
    cfg: core.Config, prep: dict[str, NDArray[Any]], rounds: int,
    gens: list[np.random.Generator] | None, n_hist: int, names: tuple[str, ...],
) -> dict[str, Any]:
    """The Numba engine: :func:`._smp_kernel.run` plays the turns and forecasts the states.

    Forecasts (risk attitudes, winning probabilities, PCE mean, modal position) come for
    every turn of the first ``n_hist`` draws and for every draw's final state.
    """
    from summitry.models import _smp_kernel as kernel

    x0 = prep["x"]
    dd, a, ni = x0.shape
    nb = 2 if cfg.bargain_model == "init_rcvr" else 1
    op = np.array(kernel.codes(cfg), dtype=np.int64)
    uniforms = (np.empty((0, 0, 0)) if gens is None
                else np.stack([g.random((rounds, a)) for g in gens]))
    x_out = np.empty_like(x0)
    n_rounds = np.zeros(dd, dtype=np.int64)
    ratio = np.zeros(dd)
    blank_mean = x0.mean(axis=1)  # the forecast of draws without any actor
    final_mean = blank_mean.copy()
    final_modal = blank_mean.copy()

    def event_arrays(n: int) -> tuple[NDArray[Any], ...]:
        return (np.full((n, a), -1, dtype=np.int64), np.zeros((n, a)), np.zeros((n, a)),
                np.zeros((n, a, nb, ni)), np.zeros((n, a, nb, ni)),
                np.zeros((n, a), dtype=np.int64), np.zeros((n, a)))

    ev = event_arrays(rounds + 1)
    # the per-turn positions of many draws are recorded a chunk of draws at a time
    chunk = dd if n_hist <= 1 else max(1, _CHUNK_ELEMENTS // ((rounds + 1) * a * ni))
    recs: list[tuple[NDArray[Any], ...]] = []
    for lo in range(0, max(dd, 1), chunk):
        hi = min(dd, lo + chunk)
        n_h = min(max(n_hist - lo, 0), hi - lo)
        # per turn: positions, risk attitudes, winning probabilities, PCE mean, modal
        rec = (np.empty((n_h, rounds + 1, a, ni)), np.zeros((n_h, rounds + 1, a)),
               np.zeros((n_h, rounds + 1, a)),
               np.repeat(blank_mean[lo : lo + n_h, None], rounds + 1, axis=1),
               np.repeat(blank_mean[lo : lo + n_h, None], rounds + 1, axis=1))
        part = {k: np.ascontiguousarray(v[lo:hi]) for k, v in prep.items()}
        e = ev if lo == 0 else event_arrays(0)
        kernel.run(
            part["x"], part["s"], part["s_dist"], part["sig"], part["cap"], part["present"],
            op, rounds, uniforms[lo:hi], x_out[lo:hi], n_rounds[lo:hi], ratio[lo:hi],
            final_mean[lo:hi], final_modal[lo:hi], *rec, *e,
        )
        if n_h:
            t_chunk = int(n_rounds[lo:hi].max()) + 1
            recs.append(tuple(arr[:, :t_chunk] for arr in rec))
    t_max = int(n_rounds.max(initial=0)) + 1
    if recs:
        history, risk, win, pmean, pmodal = (
            np.concatenate([_pad_turns(r[k], t_max) for r in recs], axis=0) for k in range(5))
    else:
        history = np.empty((0, t_max, a, ni))
        risk, win = np.zeros((0, t_max, a)), np.zeros((0, t_max, a))
        pmean, pmodal = np.zeros((0, t_max, ni)), np.zeros((0, t_max, ni))
    events: list[list[dict[str, Any]]] = [[]]
    for t in range(1, int(n_rounds[0]) + 1 if dd else 1):
        events.append(_events(names, *(arr[t] for arr in ev)))
    return {
        "history": history, "ideals": history, "risk": risk, "win_prob": win,
        "pce_mean": pmean, "modal": pmodal, "final_x": x_out,
        "final_pce_mean": final_mean, "final_modal": final_modal,
        "n_rounds": n_rounds, "ratio": ratio, "events": events,
    }
