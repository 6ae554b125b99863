"""Shared constants of the briefing tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

PUBLISHED = dt.datetime(2025, 8, 14, 9, 0, tzinfo=dt.UTC)
FIXTURE = Path(__file__).parents[1] / "report" / "data" / "summit-fixture.yaml"
