"""The dashboard's pages: slug, navigation title, icon and URL path (app.py builds its
navigation from this table; views, deck links and file names read it too)."""

from __future__ import annotations

from typing import NamedTuple


class PageInfo(NamedTuple):
    slug: str  # file app_pages/<slug>.py, access config, file names
    title: str
    icon: str  # Material icon name
    url_path: str  # "" for the default page
    hidden: bool = False  # reached by links and search, not listed in the navigation


PAGES: tuple[PageInfo, ...] = (
    PageInfo("overview", "Overview", "dashboard", ""),
    PageInfo("trends", "Fraud trends", "trending_up", "trends"),
    PageInfo("funnel", "Funnel", "filter_alt", "funnel"),
    PageInfo("enforcement", "Enforcement", "gavel", "enforcement"),
    PageInfo("cases", "Cases & escalations", "assignment_late", "cases"),
    PageInfo("exposure", "Exposure", "query_stats", "exposure"),
    PageInfo("ops", "Operations plan", "groups", "ops"),
    PageInfo("policy", "Policy lab", "science", "policy"),
    PageInfo("deck", "Deck builder", "slideshow", "deck"),
    PageInfo("health", "Data health", "health_and_safety", "health"),
    PageInfo("audit", "Audit", "policy", "audit"),
    PageInfo("alerts", "Alerts", "notifications", "alerts"),
    PageInfo("track", "Track", "music_note", "track", hidden=True),
    PageInfo("label", "Label", "album", "label", hidden=True),
    PageInfo("distributor", "Distributor", "local_shipping", "distributor", hidden=True),
    PageInfo("case", "Case", "folder_open", "case", hidden=True),
)
_BY_SLUG = {p.slug: p for p in PAGES}


def page_info(slug: str) -> PageInfo:
    return _BY_SLUG[slug]
