"""The live briefing article: content, HTML/Markdown with JSON-LD, SEO checks, sitemap.

- :mod:`summitry.briefing.article` — :func:`build_article`, the content model.
- :mod:`summitry.briefing.render` — :func:`render_html`, :func:`render_markdown`,
  :func:`json_ld`.
- :mod:`summitry.briefing.seo` — the SEO and readability checks (Yoast's thresholds).
- :mod:`summitry.briefing.sitemap` — the Google News sitemap entry (two-day window).
- :mod:`summitry.briefing.words` — ICD 203 words of estimative probability.

:func:`brief` builds and renders in one call; :func:`check_article` runs the checks and
adds the metadata flags.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from summitry.briefing.article import Article, Flag, build_article
from summitry.briefing.render import body_html, json_ld, render_html, render_markdown
from summitry.briefing.seo import CheckResult, Paper, check
from summitry.briefing.sitemap import update_sitemap
from summitry.briefing.words import icd203

if TYPE_CHECKING:
    from summitry.forecast import Forecast
    from summitry.scenario import Scenario

__all__ = [
    "Article",
    "CheckResult",
    "Flag",
    "brief",
    "build_article",
    "check_article",
    "icd203",
    "json_ld",
    "render_html",
    "render_markdown",
    "update_sitemap",
]


def check_article(article: Article) -> list[CheckResult]:
    """The SEO and readability checks of the article body, plus the metadata flags.

    Each metadata default that was generated adds one orange row saying what to add to the
    scenario.
    """
    results = check(Paper(text=body_html(article), keyphrase=article.keyphrase,
                          title=article.seo_title, description=article.description,
                          slug=article.slug))
    for f in article.flags:
        results.append(CheckResult(
            id=f"flag:{f.field}", name=f"Metadata: {f.field}", kind="info", score=None,
            status="orange", value=f.generated or "—", message=f.message))
    return results


def brief(
    scenario: Scenario,
    forecast: Forecast,
    fmt: Literal["html", "md"] = "html",
    *,
    stage: Literal["before", "during", "after"] = "before",
    url: str | None = None,
    published: dt.datetime | None = None,
) -> str:
    """Build the article for ``stage`` and render it as HTML (with JSON-LD) or Markdown."""
    article = build_article(scenario, forecast, stage=stage, url=url, published=published)
    return render_html(article) if fmt == "html" else render_markdown(article)
