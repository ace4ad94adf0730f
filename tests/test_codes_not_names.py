"""Rules key on codes, names are for display (issue P12): a warehouse that names its
enforcement types its own way gets the same money on the Enforcement tiles and its chart.

The warehouse is the session's DuckDB demo file, copied to tmp and given other display
names (dim_enforcement_type.name), exactly what a team's own warehouse may hold."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

import reports
from analytics import enforcement as ae
from analytics import entities as aen
from data_access.demo import reference
from data_access.filters import Filters
from data_access.loaders import enforcement as le
from data_access.queries import enforcement as qe
from data_access.queries import measures
from data_access.scope import FULL
from tests.support import warehouse

F = Filters(start=date(2025, 6, 1), end=date(2026, 11, 29))
# code -> the name a team's warehouse shows; "Royalty withholding" now names another code.
RENAMED = {
    "per_track_fee": "Fine",
    "royalty_withholding": "Payout hold",
    "stream_removal": "Royalty withholding",
    "takedown": "Per-track fee",
}


def _rename(conn) -> None:
    t = sa.table("dim_enforcement_type", sa.column("code"), sa.column("name"))
    for code, name in RENAMED.items():
        conn.execute(sa.update(t).where(t.c.code == code).values(name=name))


@pytest.fixture(scope="module")
def renamed_url(duck_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("renamed") / "renamed.duckdb"
    return warehouse.edited_copy(duck_url, path, _rename)


def _tile_and_chart(url: str) -> tuple[dict, dict]:
    kpis = le.load_enforcement_kpis(FULL, F, url=url).loc["current"]
    tile = {k: float(kpis[k]) for k in ("withheld_eur", "fees_levied_eur", "reversed_eur")}
    money = reports.frame(reports.get("enforcement.money"), FULL, F, url)
    by = money.groupby("series")["value_eur"].sum()
    chart = {
        "withheld_eur": float(by["Royalties withheld"]),
        "fees_levied_eur": float(by["Fees levied"]),
        "reversed_eur": float(by["Reversed after appeal"]),
    }
    return tile, chart


def test_renamed_types_give_the_same_money_on_tile_and_chart(duck_url, renamed_url):
    names = le.load_enforcement_by_type(FULL, F, url=renamed_url)["enforcement_type"]
    assert "Fine" in set(names)  # the copy really shows the team's names
    tile, chart = _tile_and_chart(renamed_url)
    assert tile["fees_levied_eur"] > 0 and tile["withheld_eur"] > 0
    assert chart == pytest.approx(tile)
    # ... and the same figures as the demo's own names give.
    original_tile, _ = _tile_and_chart(duck_url)
    assert tile == pytest.approx(original_tile)


def test_one_set_of_enforcement_codes():
    """The codes analytics keys on are the warehouse codes the queries key on."""
    assert ae.FEE_CODE == aen.FEE_CODE == measures.FEE_TYPE_CODE
    assert ae.WITHHOLDING_CODE == aen.WITHHOLDING_CODE == qe.WITHHOLDING_TYPE_CODE
    codes = {code for code, _ in reference.ENFORCEMENT_TYPES}  # dim_enforcement_type.code
    assert {code for code, _ in ae.MONEY_SERIES.values() if code} <= codes
    assert set(qe.APPEALABLE_TYPE_CODES) <= codes
