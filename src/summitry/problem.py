"""The array form of a negotiation that every model consumes.

A :class:`Problem` holds, for ``D`` draws (the Monte Carlo batch axis; ``D = 1`` for a
point forecast), ``A`` actors and ``I`` issues:

========== ============ ============================================================
field      shape        meaning
========== ============ ============================================================
positions  ``(D, A, I)`` position on the issue, normalised to 0–100
salience   ``(D, A, I)`` how much the actor cares, in [0, 1]
capability ``(D, A, I)`` what the actor can bring to bear, ≥ 0 (per issue)
active     ``(D, A, I)`` ``True`` where the actor takes part in the issue in that draw
status_quo ``(D, I)``    reference point / status quo on 0–100, NaN where none given
lower      ``(I,)``      the issue's lower bound in the user's units (maps to 0)
upper      ``(I,)``      the issue's upper bound in the user's units (maps to 100)
========== ============ ============================================================

Inactive cells (an actor absent from a draw, or with no stance on an issue) hold
position 50, salience 0 and capability 0 so that sums stay finite; models must still
respect ``active`` (e.g. the range of positions, the set of challengers).

Normalisation is affine per issue: ``u = 100 (x − lower) / (upper − lower)``; every
number shown to a user goes back through :meth:`Problem.to_user`.

>>> import numpy as np
>>> p = Problem.from_arrays(
...     positions=[[4.0], [10.0]], salience=[[1.0], [1.0]], capability=[[1.0], [1.0]],
...     lower=[4.0], upper=[10.0], actors=("a", "b"), issues=("year",))
>>> p.positions[0, :, 0].tolist()
[0.0, 100.0]
>>> float(p.to_user(np.array([50.0]))[0])
7.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from summitry.errors import ValidationError

__all__ = ["Problem"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _batch3(name: str, value: ArrayLike, dtype: type = np.float64) -> NDArray[Any]:
    arr: NDArray[Any] = np.asarray(value, dtype=dtype)
    if arr.ndim == 2:
        arr = arr[None, :, :]
    if arr.ndim != 3:
        raise ValidationError(
            f"{name} has the wrong shape",
            source="problem",
            location=name,
            expected="an array of shape (actors, issues) or (draws, actors, issues)",
            found=f"shape {arr.shape}",
        )
    return arr


@dataclass(frozen=True, eq=False)
class Problem:
    """A negotiation as NumPy arrays, batched over draws. Build with :meth:`from_arrays`."""

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    positions: FloatArray
    salience: FloatArray
    capability: FloatArray
    active: BoolArray
    status_quo: FloatArray
    lower: FloatArray
    upper: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        d, a, i = self.positions.shape
        for name in ("salience", "capability", "active"):
            if getattr(self, name).shape != (d, a, i):
                raise ValidationError(
                    f"{name} does not match positions",
                    source="problem",
                    location=name,
                    expected=f"shape {(d, a, i)}",
                    found=f"shape {getattr(self, name).shape}",
                )
        if self.status_quo.shape != (d, i):
            raise ValidationError(
                "status_quo does not match positions", source="problem",
                location="status_quo", expected=f"shape {(d, i)}",
                found=f"shape {self.status_quo.shape}",
            )
        if len(self.actors) != a or len(self.issues) != i:
            raise ValidationError(
                "actor or issue names do not match the arrays", source="problem",
                location="actors/issues", expected=f"{a} actors and {i} issues",
                found=f"{len(self.actors)} actors and {len(self.issues)} issues",
            )
        if not np.all(self.upper > self.lower):
            raise ValidationError(
                "issue bounds are not increasing", source="problem", location="bounds",
                expected="lower < upper for every issue",
                found=list(zip(self.lower.tolist(), self.upper.tolist(), strict=True)),
            )
        act = self.active
        for name, arr, lo, hi in (
            ("salience", self.salience, 0.0, 1.0),
            ("capability", self.capability, 0.0, np.inf),
        ):
            vals = arr[act]
            bad = ~np.isfinite(vals) | (vals < lo) | (vals > hi)
            if bad.any():
                raise ValidationError(
                    f"{name} out of range", source="problem", location=name,
                    expected=f"finite values in [{lo}, {hi}]",
                    found=float(vals[bad][0]),
                )
        if not np.all(np.isfinite(self.positions[act])):
            raise ValidationError(
                "position is not a finite number", source="problem", location="positions",
                expected="finite numbers", found="NaN or inf",
            )
        frozen: tuple[NDArray[Any], ...] = (
            self.positions, self.salience, self.capability, self.active,
            self.status_quo, self.lower, self.upper,
        )
        for arr in frozen:
            arr.flags.writeable = False

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        *,
        positions: ArrayLike,
        salience: ArrayLike,
        capability: ArrayLike,
        lower: ArrayLike | None = None,
        upper: ArrayLike | None = None,
        active: ArrayLike | None = None,
        status_quo: ArrayLike | None = None,
        actors: Sequence[str] | None = None,
        issues: Sequence[str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Problem:
        """Build a problem from arrays in the user's units.

        ``positions``, ``salience`` (0–1) and ``capability`` are ``(A, I)`` or
        ``(D, A, I)``; ``capability`` may also be ``(A,)`` (one value per actor).
        ``lower``/``upper`` default to 0/100; ``status_quo`` is ``(I,)`` or ``(D, I)``
        in user units (NaN for none). Positions are normalised to 0–100.
        """
        pos = _batch3("positions", positions)
        d, a, i = pos.shape
        sal = _batch3("salience", salience)
        cap_in = np.asarray(capability, dtype=np.float64)
        if cap_in.ndim == 1:
            cap_in = np.broadcast_to(cap_in[:, None], (a, i))
        cap = _batch3("capability", cap_in)
        lo = np.zeros(i) if lower is None else np.asarray(lower, dtype=np.float64).reshape(i)
        hi = np.full(i, 100.0) if upper is None else np.asarray(upper, dtype=np.float64).reshape(i)
        act = (
            np.ones((d, a, i), dtype=bool)
            if active is None
            else _batch3("active", active, dtype=bool)
        )
        sal, cap, act = (np.broadcast_to(x, (d, a, i)).copy() for x in (sal, cap, act))
        span = np.where(hi > lo, hi - lo, 1.0)
        unit = (pos - lo) * (100.0 / span)
        unit = np.broadcast_to(unit, (d, a, i)).copy()
        unit[~act] = 50.0
        sal[~act] = 0.0
        cap[~act] = 0.0
        if status_quo is None:
            sq = np.full((d, i), np.nan)
        else:
            sq_in = np.asarray(status_quo, dtype=np.float64)
            sq = np.broadcast_to((sq_in - lo) * (100.0 / span), (d, i)).copy()
        return cls(
            actors=tuple(actors) if actors is not None else tuple(f"A{k}" for k in range(a)),
            issues=tuple(issues) if issues is not None else tuple(f"I{k}" for k in range(i)),
            positions=unit,
            salience=sal,
            capability=cap,
            active=act,
            status_quo=sq,
            lower=lo,
            upper=hi,
            meta=dict(meta or {}),
        )

    # -- shape ------------------------------------------------------------------
    @property
    def n_draws(self) -> int:
        return int(self.positions.shape[0])

    @property
    def history_draws(self) -> int:
        """How many leading draws a dynamic model records round by round.

        ``meta["history"]`` is ``"all"`` (the default: every draw) or ``"first"`` (draw 0
        only, what Monte Carlo chunks ask for: the rounds of 10,000 draws would be
        gigabytes nobody reads). With ``"first"`` a model may return ``history``,
        ``history_outcome`` and its per-round ``extra`` arrays with a leading axis of 1;
        ``outcome``, ``n_rounds`` and per-draw ``extra`` arrays keep every draw.

        >>> x = np.array([[[10.0], [90.0]], [[20.0], [80.0]]])  # 2 draws, 2 actors, 1 issue
        >>> p = Problem.from_arrays(positions=x, salience=np.ones_like(x), capability=x)
        >>> p.history_draws, replace(p, meta={"history": "first"}).history_draws
        (2, 1)
        """
        mode = self.meta.get("history", "all")
        if mode == "first":
            return min(1, self.n_draws)
        if mode != "all":
            raise ValueError(f"Problem.meta['history'] must be 'all' or 'first', found {mode!r}")
        return self.n_draws

    @property
    def n_actors(self) -> int:
        return int(self.positions.shape[1])

    @property
    def n_issues(self) -> int:
        return int(self.positions.shape[2])

    @property
    def weights(self) -> FloatArray:
        """Capability × salience, zero where inactive, shape ``(D, A, I)``."""
        return np.where(self.active, self.capability * self.salience, 0.0)

    # -- units ----------------------------------------------------------------
    def to_user(self, values: ArrayLike, issue_axis: int = -1) -> FloatArray:
        """Map 0–100 values (issues along ``issue_axis``) back to the user's units."""
        arr = np.asarray(values, dtype=np.float64)
        shape = [1] * arr.ndim
        shape[issue_axis] = self.n_issues
        lo = self.lower.reshape(shape)
        hi = self.upper.reshape(shape)
        return lo + arr * (hi - lo) / 100.0

    def to_unit(self, values: ArrayLike, issue_axis: int = -1) -> FloatArray:
        """Map values in the user's units (issues along ``issue_axis``) to 0–100."""
        arr = np.asarray(values, dtype=np.float64)
        shape = [1] * arr.ndim
        shape[issue_axis] = self.n_issues
        lo = self.lower.reshape(shape)
        hi = self.upper.reshape(shape)
        return (arr - lo) * 100.0 / (hi - lo)

    # -- slicing ----------------------------------------------------------------
    def take(self, draws: slice | Sequence[int] | NDArray[np.intp]) -> Problem:
        """The sub-problem of some draws (keeps the batch axis)."""
        idx = draws if isinstance(draws, slice) else np.asarray(draws, dtype=np.intp)
        return replace(
            self,
            positions=self.positions[idx].copy(),
            salience=self.salience[idx].copy(),
            capability=self.capability[idx].copy(),
            active=self.active[idx].copy(),
            status_quo=self.status_quo[idx].copy(),
            lower=self.lower.copy(),
            upper=self.upper.copy(),
        )

    def select_issues(self, issues: Sequence[int]) -> Problem:
        """The sub-problem of some issues (by index), e.g. to run a model per issue."""
        idx = np.asarray(issues, dtype=np.intp)
        return replace(
            self,
            issues=tuple(self.issues[k] for k in idx),
            positions=self.positions[:, :, idx].copy(),
            salience=self.salience[:, :, idx].copy(),
            capability=self.capability[:, :, idx].copy(),
            active=self.active[:, :, idx].copy(),
            status_quo=self.status_quo[:, idx].copy(),
            lower=self.lower[idx].copy(),
            upper=self.upper[idx].copy(),
        )

    def replace(self, **changes: Any) -> Problem:
        """A copy with some arrays replaced (validated again)."""
        return replace(self, **changes)

    @staticmethod
    def concat(parts: Sequence[Problem]) -> Problem:
        """Stack problems with the same actors and issues along the draw axis."""
        first = parts[0]
        return replace(
            first,
            positions=np.concatenate([p.positions for p in parts]),
            salience=np.concatenate([p.salience for p in parts]),
            capability=np.concatenate([p.capability for p in parts]),
            active=np.concatenate([p.active for p in parts]),
            status_quo=np.concatenate([p.status_quo for p in parts]),
            lower=first.lower.copy(),
            upper=first.upper.copy(),
        )
