"""The dashboard's pages: slug, navigation title, icon and URL path (app.py builds its
navigation from this table; views, deck links and file names read it too)."""

from __future__ import annotations

from typing import NamedTuple


class PageInfo(NamedTuple):
    slug: str  # file app_pages/<slug>.py, access config, file names
    title: str
    icon: str  # Material icon name
    url_path: str  # "" for the default page


PAGES: tuple[PageInfo, ...] = (
    PageInfo("overview", "Overview", "dashboard", ""),
    PageInfo("trends", "Fraud trends", "trending_up", "trends"),
    PageInfo("funnel", "Funnel", "filter_alt", "funnel"),
    PageInfo("enforcement", "Enforcement", "gavel", "enforcement"),
    PageInfo("cases", "Cases & escalations", "assignment_late", "cases"),
    PageInfo("exposure", "Exposure", "query_stats", "exposure"),
    PageInfo("policy", "Policy lab", "science", "policy"),
    PageInfo("deck", "Deck builder", "slideshow", "deck"),
    PageInfo("health", "Data health", "health_and_safety", "health"),
    PageInfo("audit", "Audit", "policy", "audit"),
    PageInfo("alerts", "Alerts", "notifications", "alerts"),
)
_BY_SLUG = {p.slug: p for p in PAGES}


def page_info(slug: str) -> PageInfo:
    return _BY_SLUG[slug]
