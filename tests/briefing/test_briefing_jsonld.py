"""The article page: head metadata and JSON-LD, extracted from the generated HTML."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from typing import Any

import pytest

from summitry.briefing.article import build_article
from summitry.briefing.render import json_ld, render_html
from summitry.forecast import Forecast
from summitry.scenario import Scenario

from ._briefing_fixtures import PUBLISHED

EVIL_SCRIPT = "</script><script>window.__pwned=1</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


class Page(HTMLParser):
    """The JSON-LD blocks, meta tags, links, title and element ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ld: list[str] = []
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.ids: set[str] = set()
        self.title = ""
        self.h1 = 0
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "meta":
            key = a.get("property") or a.get("name")
            if key:
                self.meta.setdefault(key, a.get("content", ""))
        if tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href", "")
        if tag == "h1":
            self.h1 += 1
        if (tag == "script" and a.get("type") == "application/ld+json") or tag == "title":
            self._in, self._buf = tag, []
        elif tag == "script":
            self._in, self._buf = "other-script", []

    def handle_endtag(self, tag: str) -> None:
        if self._in == "script" and tag == "script":
            self.ld.append("".join(self._buf))
        elif self._in == "title" and tag == "title":
            self.title = "".join(self._buf)
        if tag in ("script", "title"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buf.append(data)


def page_of(html: str) -> tuple[Page, list[dict[str, Any]]]:
    p = Page()
    p.feed(html)
    return p, [json.loads(block) for block in p.ld]


def is_iso_with_zone(text: str) -> bool:
    t = dt.datetime.fromisoformat(text)
    return t.tzinfo is not None


@pytest.mark.parametrize("stage", ["before", "after"])
def test_news_article(alaska: Scenario, alaska_forecast: Forecast, stage: str) -> None:
    a = build_article(alaska, alaska_forecast, stage=stage,  # type: ignore[arg-type]
                      url="https://news.example.org/2025/08/trump-putin-alaska-summit",
                      published=PUBLISHED)
    page, blocks = page_of(render_html(a))
    assert len(blocks) == 1
    ld = blocks[0]
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "NewsArticle"
    for key in ("headline", "description", "url", "mainEntityOfPage", "datePublished",
                "dateModified", "inLanguage", "keywords", "about"):
        assert ld[key], key
    assert len(ld["headline"]) <= 110
    assert ld["url"] == ld["mainEntityOfPage"]["@id"] == page.links["canonical"]
    assert ld["mainEntityOfPage"]["@type"] == "WebPage"
    assert is_iso_with_zone(ld["datePublished"]) and is_iso_with_zone(ld["dateModified"])
    assert ld["datePublished"] == "2025-08-14T09:00:00+00:00"
    assert ld["about"]["@type"] == "Event" and ld["about"]["startDate"] == "2025-08-15"
    assert ld["about"]["location"]["@type"] == "Place"
    assert "coverageStartTime" not in ld and "liveBlogUpdate" not in ld
    # the head: title, description, canonical, Open Graph
    assert page.title == a.seo_title and page.meta["description"] == a.description
    assert page.meta["og:type"] == "article" and page.meta["og:url"] == a.url
    assert page.meta["og:title"] == a.seo_title
    assert page.meta["og:description"] == a.description
    assert page.meta["article:published_time"] == ld["datePublished"]
    assert page.h1 == 1


def test_live_blog_posting(small: Scenario, small_forecast: Forecast) -> None:
    a = build_article(small, small_forecast, stage="during", published=PUBLISHED)
    page, blocks = page_of(render_html(a))
    ld = blocks[0]
    assert ld["@type"] == "LiveBlogPosting"
    start = dt.datetime.fromisoformat(ld["coverageStartTime"])
    end = dt.datetime.fromisoformat(ld["coverageEndTime"])
    assert start < end and start.tzinfo is not None
    assert start.date() <= dt.date(2025, 8, 15) < end.date()  # covers the summit day
    updates = ld["liveBlogUpdate"]
    assert len(updates) == len(small.updates) == 2
    for u in updates:
        assert u["@type"] == "BlogPosting"
        assert u["headline"] and u["articleBody"] and is_iso_with_zone(u["datePublished"])
        base, anchor = u["url"].split("#")
        assert base == a.url and anchor in page.ids  # the anchor exists on the page
        assert start <= dt.datetime.fromisoformat(u["datePublished"]) <= end
    assert [u["url"].rsplit("#", 1)[1] for u in updates] == ["update-2", "update-1"]
    assert ld["author"] == [{"@type": "Person", "name": "Jane Analyst"}]
    assert ld["publisher"] == {"@type": "Organization", "name": "Example News"}


def test_author_falls_back_to_publisher(small: Scenario, small_forecast: Forecast) -> None:
    sc = small.evolve(meta={**small.meta.model_dump(), "author": ""})
    ld = json_ld(build_article(sc, small_forecast, published=PUBLISHED))[0]
    assert ld["author"] == [{"@type": "Organization", "name": "Example News"}]


def test_json_ld_escapes_script_breakers(small: Scenario, small_forecast: Forecast) -> None:
    data = small.model_dump(by_alias=True)
    data["meta"]["title"] = "Summit " + EVIL_SCRIPT
    data["meta"]["summary"] = EVIL_IMG + " " + data["meta"]["summary"]
    data["actors"][0]["name"] = EVIL_SCRIPT + EVIL_IMG
    data["updates"][0]["note"] = EVIL_SCRIPT
    sc = Scenario.model_validate(data)
    a = build_article(sc, small_forecast, stage="during", published=PUBLISHED)
    html = render_html(a)
    assert EVIL_SCRIPT not in html and EVIL_IMG not in html
    page, blocks = page_of(html)
    assert len(page.ld) == 1  # nothing broke out of the JSON-LD element
    raw = page.ld[0]
    assert "<" not in raw and ">" not in raw
    assert "\\u003c/script\\u003e" in raw
    ld = blocks[0]
    assert any(EVIL_SCRIPT in u["articleBody"] for u in ld["liveBlogUpdate"])
    assert "&lt;/script&gt;&lt;script&gt;" in html  # shown as text in the page
    before = render_html(build_article(sc, small_forecast, stage="before",
                                       published=PUBLISHED))
    assert EVIL_SCRIPT not in before and EVIL_IMG not in before
    _, blocks = page_of(before)
    assert EVIL_SCRIPT in blocks[0]["headline"]  # the value itself survives, as text
