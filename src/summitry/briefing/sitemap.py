"""Google News sitemap entries for the briefing (specs/briefing.md §4.5).

A news sitemap lists the articles of the **last two days**: each ``<url>`` has a ``<loc>``
and one ``<news:news>`` block with ``<news:publication>`` (``<news:name>`` exactly as the
publication appears on Google News, ``<news:language>`` as an ISO 639 code, ``zh-cn`` /
``zh-tw`` for Chinese), ``<news:publication_date>`` (W3C date-time of the *original*
publication, not of the sitemap update) and ``<news:title>``. Older articles are removed;
the same sitemap is updated as articles publish rather than written anew each time.

:func:`update_sitemap` does exactly that for one article: it reads the sitemap file if it
exists, replaces the entry with the article's URL, drops entries older than two days and
writes the file back atomically.

>>> import datetime as dt
>>> e = NewsEntry("https://example.org/a", "Example News", "en",
...               dt.datetime(2025, 8, 14, 9, tzinfo=dt.timezone.utc), "Talks & odds")
>>> "<news:title>Talks &amp; odds</news:title>" in news_sitemap([e], now=e.publication_date)
True
"""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from summitry.errors import SummitryError

if TYPE_CHECKING:
    from summitry.briefing.article import Article

__all__ = [
    "NEWS_NS",
    "SITEMAP_NS",
    "WINDOW",
    "NewsEntry",
    "entry_for",
    "news_language",
    "news_sitemap",
    "read_sitemap",
    "update_sitemap",
]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
#: Articles stay in a news sitemap for two days after publication.
WINDOW = dt.timedelta(days=2)


@dataclass(frozen=True)
class NewsEntry:
    """One ``<url>`` of a news sitemap."""

    loc: str
    name: str
    language: str
    publication_date: dt.datetime
    title: str


def news_language(language: str) -> str:
    """The ISO 639 code Google News expects: ``en-US`` → ``en``, ``zh-CN`` → ``zh-cn``.

    >>> news_language("en-GB"), news_language("zh_TW"), news_language("deu")
    ('en', 'zh-tw', 'deu')
    """
    lang = (language or "").strip().lower().replace("_", "-")
    if lang.startswith("zh-"):
        region = lang.split("-", 1)[1]
        return "zh-tw" if region in ("tw", "hk", "mo", "hant") else "zh-cn"
    code = lang.split("-", 1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise SummitryError(f"the language {language!r} is not an ISO 639 code (en, de, fr, "
                            "zh-cn …); set meta.language")
    return code


def entry_for(article: Article) -> NewsEntry:
    """The sitemap entry of an article.

    Raises:
        SummitryError: the article has no publisher (``<news:name>`` is required).
    """
    if not article.publisher:
        raise SummitryError("a Google News sitemap needs the publication's name: add "
                            "meta.publisher (exactly as it appears on Google News)")
    return NewsEntry(loc=article.url, name=article.publisher,
                     language=news_language(article.language),
                     publication_date=article.published, title=article.seo_title)


def _w3c(t: dt.datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.isoformat(timespec="seconds")


def news_sitemap(entries: list[NewsEntry], *, now: dt.datetime | None = None) -> str:
    """The XML of a news sitemap with the ``entries`` of the last two days.

    "The last two days" is relative to ``now`` (default: the current time). Entries are
    newest first, one per URL.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    latest: dict[str, NewsEntry] = {}
    for e in entries:
        pub = e.publication_date if e.publication_date.tzinfo else e.publication_date.replace(
            tzinfo=dt.UTC)
        if not now - WINDOW <= pub <= now + dt.timedelta(minutes=5):
            continue
        old = latest.get(e.loc)
        if old is None or old.publication_date < e.publication_date:
            latest[e.loc] = e
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("news", NEWS_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for e in sorted(latest.values(), key=lambda e: e.publication_date, reverse=True):
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = e.loc
        news = ET.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = ET.SubElement(news, f"{{{NEWS_NS}}}publication")
        ET.SubElement(publication, f"{{{NEWS_NS}}}name").text = e.name
        ET.SubElement(publication, f"{{{NEWS_NS}}}language").text = e.language
        ET.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = _w3c(e.publication_date)
        ET.SubElement(news, f"{{{NEWS_NS}}}title").text = e.title
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def read_sitemap(text: str, source: str = "sitemap") -> list[NewsEntry]:
    """The entries of a news sitemap written by :func:`news_sitemap` (or by hand)."""
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise SummitryError(f"{source}: a sitemap must not declare a DOCTYPE or entities")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise SummitryError(f"{source}: not a valid XML sitemap ({exc})") from None
    if root.tag != f"{{{SITEMAP_NS}}}urlset":
        raise SummitryError(f"{source}: expected a <urlset> in the sitemap namespace "
                            f"{SITEMAP_NS}, found {root.tag!r}")
    out = []
    for k, url in enumerate(root.findall(f"{{{SITEMAP_NS}}}url"), start=1):
        loc = (url.findtext(f"{{{SITEMAP_NS}}}loc") or "").strip()
        news = url.find(f"{{{NEWS_NS}}}news")
        if not loc or news is None:
            continue  # not a news entry: dropped (this file is the news sitemap)
        name = (news.findtext(f"{{{NEWS_NS}}}publication/{{{NEWS_NS}}}name") or "").strip()
        lang = (news.findtext(f"{{{NEWS_NS}}}publication/{{{NEWS_NS}}}language") or "").strip()
        date = (news.findtext(f"{{{NEWS_NS}}}publication_date") or "").strip()
        title = (news.findtext(f"{{{NEWS_NS}}}title") or "").strip()
        try:
            pub = dt.datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            raise SummitryError(f"{source}: url {k} ({loc}): publication_date {date!r} is not "
                                "a W3C date-time") from None
        if pub.tzinfo is None:
            pub = pub.replace(tzinfo=dt.UTC)
        out.append(NewsEntry(loc, name, lang, pub, title))
    return out


def update_sitemap(path: str | os.PathLike[str], article: Article, *,
                   now: dt.datetime | None = None) -> Path:
    """Add (or replace) ``article`` in the news sitemap at ``path``.

    Entries older than two days are dropped and the file is written atomically. Returns
    the path.
    """
    from summitry.io._common import atomic_write

    target = Path(path)
    entries: list[NewsEntry] = []
    if target.exists():
        entries = read_sitemap(target.read_text(encoding="utf-8"), str(target))
    new = entry_for(article)
    entries = [e for e in entries if e.loc != new.loc] + [new]
    return atomic_write(target, news_sitemap(entries, now=now))
