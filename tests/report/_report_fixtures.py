"""Shared helpers of the report tests: the fixture scenario, hostile text, a fake dynamic model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

import summitry
from summitry.forecast import Forecast, ModelForecast
from summitry.models import Solution
from summitry.scenario import Scenario

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "summit-fixture.yaml"

#: User text that must never reach a page as markup.
EVIL_SCRIPT = "</script><script>window.__pwned=1</script>"
EVIL_IMG = '<img src=x onerror="window.__pwned=2">'
EVIL = f"Evil {EVIL_SCRIPT}{EVIL_IMG} & Co"


def load_fixture() -> Scenario:
    return summitry.load(FIXTURE)


def evil_scenario() -> Scenario:
    """The fixture with hostile text in an actor name, an issue name, a goal, a note and
    the metadata."""
    sc = load_fixture()
    data = sc.model_dump(by_alias=True)
    data["actors"][0]["name"] = EVIL
    data["actors"][0]["goal"] = EVIL_IMG + " wins"
    data["issues"][0]["name"] = "Ceasefire " + EVIL_SCRIPT
    data["stances"][0]["source"] = EVIL_IMG
    data["updates"][0]["note"] = EVIL
    data["meta"]["summary"] = "A summary with " + EVIL_SCRIPT
    return Scenario.model_validate(data)


def with_fake_dynamic(fc: Forecast) -> Forecast:
    """Add a dynamic "model" whose actors move halfway to the compromise forecast each
    round (a round-by-round history the charts can draw)."""
    p = fc.problem
    target = fc["compromise"].solution.outcome[0]  # (I,) on 0–100
    pos = p.positions[0]  # (A, I)
    rounds = 5
    hist = np.stack([target + (pos - target) * 0.5 ** t for t in range(rounds + 1)])[None]
    ho = np.stack([target + (hist[0, t].mean(axis=0) - target) * 0.5
                   for t in range(rounds + 1)])[None]
    sol = Solution(model="fakeplay", params={}, outcome=ho[:, -1], history=hist,
                   history_outcome=ho, n_rounds=np.array([rounds]))
    mf = ModelForecast(model="fakeplay", params={}, solution=sol, outcome=p.to_user(ho[:, -1]))
    return replace(fc, results=(*fc.results, mf))
