r"""The briefing article as a web page (HTML with JSON-LD) or Markdown.

:func:`render_html` writes one HTML page with what search engines and social networks read:

- ``<title>`` (the SEO title), ``<meta name="description">``, ``<meta name="keywords">``,
  ``<link rel="canonical">``;
- Open Graph (``og:type`` article, ``og:title``, ``og:description``, ``og:url``,
  ``og:site_name``, ``og:locale``, ``article:published_time``/``modified_time``/``tag``)
  and a Twitter summary card;
- JSON-LD (:func:`json_ld`): a ``NewsArticle`` before and after the event; during it a
  ``LiveBlogPosting`` with ``coverageStartTime``, ``coverageEndTime`` and one
  ``liveBlogUpdate`` (a ``BlogPosting`` with ``headline``, ``datePublished``, ``url`` =
  canonical URL + ``#update-k`` and ``articleBody``) per recorded update. Fields follow
  Google's Article guidance and schema.org (specs/briefing.md §4.4): ``headline``,
  ``description``, ``url``, ``mainEntityOfPage``, ``datePublished``, ``dateModified``
  (ISO 8601 with time zone), ``author`` (a list), ``publisher``, ``inLanguage``,
  ``keywords`` and ``about`` (the ``Event`` with its dates and ``Place``).

The JSON-LD is serialised by :func:`~summitry.report.escape.script_json`: ``<``, ``>`` and
``&`` become ``\u003c``, ``\u003e``, ``\u0026``, so no text can close the
``<script>`` element; all other user text goes through Jinja2's HTML autoescape.

:func:`render_markdown` writes the same article as Markdown with a YAML front matter
(title, description, slug, dates, keywords, canonical URL) for static site generators.
:func:`body_html` is the article body alone (H1 and content) — what the SEO checks read.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from summitry.briefing.article import (
    Article,
    BulletList,
    Heading,
    Link,
    Paragraph,
    Strong,
    Table,
)
from summitry.report.escape import jinja_env, script_json

if TYPE_CHECKING:
    from summitry.briefing.article import Inline

__all__ = ["body_html", "json_ld", "render_html", "render_markdown"]


def _iso(t: dt.datetime | dt.date) -> str:
    if isinstance(t, dt.datetime):
        return t.astimezone(dt.UTC).isoformat(timespec="seconds")
    return dt.datetime.combine(t, dt.time(0), dt.UTC).isoformat(timespec="seconds")


def _plain(parts: tuple[Inline, ...]) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def json_ld(article: Article) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (one: ``NewsArticle`` or ``LiveBlogPosting``)."""
    a = article
    if a.author:
        authors: list[dict[str, Any]] = [{"@type": "Person", "name": a.author}]
    elif a.publisher:
        authors = [{"@type": "Organization", "name": a.publisher}]
    else:
        authors = []
    obj: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting" if a.stage == "during" else "NewsArticle",
        "headline": a.title if len(a.title) <= 110 else a.title[:109] + "…",
        "description": a.description,
        "url": a.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
        "datePublished": _iso(a.published),
        "dateModified": _iso(a.modified),
        "inLanguage": a.language,
        "keywords": ", ".join(a.keywords),
    }
    if authors:
        obj["author"] = authors
    if a.publisher:
        obj["publisher"] = {"@type": "Organization", "name": a.publisher}
    event: dict[str, Any] = {"@type": "Event", "name": a.event_name}
    if a.event_start:
        event["startDate"] = a.event_start.isoformat()
    if a.event_end:
        event["endDate"] = a.event_end.isoformat()
    if a.venue or a.location:
        place: dict[str, Any] = {"@type": "Place", "name": a.venue or a.location}
        if a.venue and a.location:
            place["address"] = a.location
        event["location"] = place
    obj["about"] = event
    if a.stage == "during":
        assert a.coverage_start is not None and a.coverage_end is not None
        obj["coverageStartTime"] = _iso(a.coverage_start)
        obj["coverageEndTime"] = _iso(a.coverage_end)
        obj["liveBlogUpdate"] = [
            {
                "@type": "BlogPosting",
                "headline": u.headline,
                "datePublished": _iso(u.date),
                "url": f"{a.url.split('#')[0]}#{u.id}",
                "articleBody": u.body,
            }
            for u in reversed(a.updates)
        ]
    return [obj]


@lru_cache(maxsize=2)
def _env(markdown: bool) -> Any:
    env = jinja_env("summitry.briefing", markdown=markdown)
    env.globals.update(kind=_kind, date_text=_date_text, iso=_iso)
    return env


def _kind(obj: Any) -> str:
    for cls, name in ((Paragraph, "p"), (BulletList, "ul"), (Table, "table"),
                      (Heading, "h3"), (Link, "a"), (Strong, "strong"), (str, "text")):
        if isinstance(obj, cls):
            return name
    raise TypeError(f"unknown block {obj!r}")


def _date_text(d: dt.date | dt.datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def _updates_in_order(article: Article) -> list[Any]:
    ups = list(article.updates)
    return list(reversed(ups)) if article.stage == "during" else ups


def body_html(article: Article, *, h1: bool = True) -> str:
    """The article body as HTML.

    The H1 (unless ``h1=False``), the introduction, the sections and the dated updates. This is
    what the SEO checks read.
    """
    tpl = _env(False).get_template("body.html.j2")
    html: str = tpl.render(a=article, h1=h1, updates=_updates_in_order(article))
    return html


def render_html(article: Article) -> str:
    """The article as one HTML page with SEO metadata and JSON-LD."""
    from markupsafe import Markup

    tpl = _env(False).get_template("article.html.j2")
    blocks = [Markup(script_json(obj, indent=2)) for obj in json_ld(article)]
    html: str = tpl.render(a=article, body=Markup(body_html(article, h1=False)),
                           json_ld=blocks, og_locale=_og_locale(article.language))
    return html


def _og_locale(lang: str) -> str:
    lang = (lang or "en").replace("-", "_")
    if "_" in lang:
        head, tail = lang.split("_", 1)
        return f"{head.lower()}_{tail.upper()}"
    return {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "ru": "ru_RU",
            "uk": "uk_UA", "zh": "zh_CN"}.get(lang.lower(), lang.lower())


def render_markdown(article: Article, *, front_matter: bool = True) -> str:
    """The article as Markdown, with a YAML front matter unless ``front_matter=False``."""
    import yaml

    text: str = _env(True).get_template("article.md.j2").render(
        a=article, updates=_updates_in_order(article))
    if front_matter:
        fm = {
            "title": article.seo_title, "headline": article.title,
            "description": article.description, "slug": article.slug,
            "canonical": article.url, "date": _iso(article.published),
            "lastmod": _iso(article.modified), "keywords": list(article.keywords),
            "author": article.author or article.publisher, "stage": article.stage,
        }
        text = ("---\n" + yaml.safe_dump(fm, allow_unicode=True, sort_keys=False)
                + "---\n\n" + text)
    import re

    return re.sub(r"\n{3,}", "\n\n", text)
