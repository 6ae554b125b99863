"""The Google News sitemap: required elements, two-day window, atomic updates."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from summitry.briefing.article import build_article
from summitry.briefing.sitemap import (
    NEWS_NS,
    SITEMAP_NS,
    NewsEntry,
    entry_for,
    news_sitemap,
    read_sitemap,
    update_sitemap,
)
from summitry.errors import SummitryError
from summitry.forecast import Forecast
from summitry.scenario import Scenario

from ._briefing_fixtures import PUBLISHED

S = f"{{{SITEMAP_NS}}}"
N = f"{{{NEWS_NS}}}"
NOW = PUBLISHED + dt.timedelta(hours=3)


def test_required_news_elements(small: Scenario, small_forecast: Forecast) -> None:
    a = build_article(small, small_forecast, published=PUBLISHED)
    xml = news_sitemap([entry_for(a)], now=NOW)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    assert root.tag == f"{S}urlset"
    assert f'xmlns:news="{NEWS_NS}"' in xml
    (url,) = root.findall(f"{S}url")
    assert url.findtext(f"{S}loc") == a.url
    news = url.find(f"{N}news")
    assert news is not None
    assert news.findtext(f"{N}publication/{N}name") == "Example News"
    assert news.findtext(f"{N}publication/{N}language") == "en"
    assert news.findtext(f"{N}publication_date") == "2025-08-14T09:00:00+00:00"
    assert news.findtext(f"{N}title") == a.seo_title
    # the order the schema requires: publication, publication_date, title
    assert [c.tag for c in news] == [f"{N}publication", f"{N}publication_date", f"{N}title"]
    assert [c.tag for c in news.find(f"{N}publication")] == [f"{N}name", f"{N}language"]


def test_two_day_window() -> None:
    def entry(loc: str, hours_ago: float) -> NewsEntry:
        return NewsEntry(loc, "Pub", "en", NOW - dt.timedelta(hours=hours_ago), "T")

    xml = news_sitemap([entry("https://a/1", 1), entry("https://a/2", 47.5),
                        entry("https://a/3", 49), entry("https://a/1", 5)], now=NOW)
    locs = [u.findtext(f"{S}loc") for u in ET.fromstring(xml).findall(f"{S}url")]
    assert locs == ["https://a/1", "https://a/2"]  # newest first, one per URL, ≤ 2 days


def test_update_sitemap_replaces_and_expires(tmp_path: Path, small: Scenario,
                                             small_forecast: Forecast) -> None:
    path = tmp_path / "news-sitemap.xml"
    a = build_article(small, small_forecast, published=PUBLISHED)
    old = NewsEntry("https://example.org/old", "Example News", "en",
                    PUBLISHED - dt.timedelta(days=3), "Old story")
    recent = NewsEntry("https://example.org/recent", "Example News", "en",
                       PUBLISHED - dt.timedelta(hours=5), "Recent story")
    # a sitemap written earlier, when both entries were fresh
    first = news_sitemap([old], now=old.publication_date)
    second = news_sitemap([recent], now=recent.publication_date)
    url_block = second[second.index("<url>"):second.index("</urlset>")]
    path.write_text(first.replace("</urlset>", url_block + "</urlset>"))
    assert len(read_sitemap(path.read_text())) == 2
    update_sitemap(path, a, now=NOW)
    entries = read_sitemap(path.read_text())
    assert [e.loc for e in entries] == [a.url, recent.loc]  # the old one dropped
    # publishing an update of the same article replaces its entry
    update_sitemap(path, replace(a, seo_title="New title"), now=NOW)
    entries = read_sitemap(path.read_text())
    assert [e.title for e in entries if e.loc == a.url] == ["New title"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news-sitemap.xml"]


def test_sitemap_errors(tmp_path: Path, small: Scenario, small_forecast: Forecast) -> None:
    a = build_article(small, small_forecast, published=PUBLISHED)
    with pytest.raises(SummitryError, match=r"meta\.publisher"):
        entry_for(replace(a, publisher=""))
    bad = tmp_path / "bad.xml"
    bad.write_text("<html/>")
    with pytest.raises(SummitryError, match="urlset"):
        update_sitemap(bad, a, now=NOW)
    assert bad.read_text() == "<html/>"  # untouched
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset/>')
    with pytest.raises(SummitryError, match="DOCTYPE"):
        update_sitemap(bomb, a, now=NOW)
    with pytest.raises(SummitryError, match="ISO 639"):
        entry_for(replace(a, language="english!"))
    zh = entry_for(replace(a, language="zh-TW"))
    assert zh.language == "zh-tw"
