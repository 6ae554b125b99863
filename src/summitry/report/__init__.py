"""Reports of a forecast: charts (Altair/Vega-Lite), HTML, Markdown and PDF.

- :mod:`summitry.report.charts` — the chart functions, shared with the web app.
- :mod:`summitry.report.data` — the tidy frames behind charts and tables.
- :mod:`summitry.report.render` — :func:`report` and :func:`write_report`.
- :mod:`summitry.report.escape` — escaping for HTML scripts and Markdown, number format.

>>> from summitry import examples, forecast, load
>>> from summitry.report import report
>>> sc = load(examples.path("bdm1994-car-emissions"))
>>> md = report(sc, forecast(sc, ["compromise"]), fmt="md")
>>> md.startswith("#")
True
"""

from __future__ import annotations

from summitry.report.render import MissingBrowserError, report, write_report

__all__ = ["MissingBrowserError", "report", "write_report"]
