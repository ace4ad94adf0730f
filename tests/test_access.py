"""Access control without Streamlit: the config, fail-closed resolution, pages per role, the
columns each role gets back, the predicates in the compiled SQL (Superset's RLS test
pattern), and cache isolation between scopes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import postgresql

from data_access import access
from data_access.access import AccessConfigError, load_config, parse_config, viewer_for
from data_access.filters import Filters
from data_access.loaders import cases as lc
from data_access.loaders import overview as lo
from data_access.loaders.access import load_scope_ids
from data_access.queries import cases as qc
from data_access.queries import overview as qo
from data_access.queries.access import scope_ids_query
from data_access.scope import FULL, Scope

CONFIG = load_config(access.DEFAULT_CONFIG)
F = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))


def _no_names(labels, distributors):
    raise AssertionError("no name resolution expected")


def _viewer(identity: str, resolve=_no_names):
    return viewer_for(identity, CONFIG, resolve)


# -- the config -----------------------------------------------------------------------------


def test_the_shipped_config_parses_and_defines_the_roles():
    assert {"leadership", "analyst", "finance", "partner", "viewer"} <= set(CONFIG.roles)
    assert CONFIG.dev_identity and CONFIG.users[CONFIG.dev_identity].role == "leadership"
    for user in CONFIG.users.values():
        assert user.role in CONFIG.roles


@pytest.mark.parametrize(
    "data",
    [
        {"roles": {"x": {"pages": ["overview", "nope"]}}},
        {"roles": {"none": {"pages": []}}},
        {"roles": {"x": {"pages": [], "money": "yes"}}},
        {"users": {"a@b": {"team": "legal"}}},
        {"users": {"a@b": {"role": "x", "labels": "Marbra Music"}}},
        {"dev": {"identity": 42}},
    ],
    ids=["unknown-page", "builtin-none", "non-bool", "no-role", "labels-not-list", "dev-type"],
)
def test_invalid_config_is_rejected(data):
    with pytest.raises(AccessConfigError):
        parse_config(data)


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(AccessConfigError):
        load_config(tmp_path / "absent.toml")


# -- identity -> viewer (fail closed) -------------------------------------------------------


@pytest.mark.parametrize("identity", [None, "", "mallory@example.com", "  "])
def test_unknown_or_missing_identity_fails_closed(identity):
    v = _viewer(identity)
    assert v.role == "none" and v.pages == ()
    assert v.scope.labels == () and v.scope.distributors == () and not v.scope.money
    assert not v.scope.exports


def test_unknown_role_and_scopeless_partner_fail_closed():
    cfg = parse_config(
        {
            "roles": {"partner": {"pages": ["cases"], "scoped": True}},
            "users": {"a@x": {"role": "ghost"}, "b@x": {"role": "partner"}},
        }
    )
    assert viewer_for("a@x", cfg, _no_names).role == "none"
    assert viewer_for("b@x", cfg, _no_names).role == "none"


def test_identity_is_case_insensitive():
    assert _viewer("Dev.Lead@Example.COM").role == "leadership"


ENTITY = ("track", "label", "distributor", "case")  # entity pages: links and search


@pytest.mark.parametrize(
    "identity, pages, money, exports",
    [
        ("dev.lead@example.com", access.PAGE_SLUGS, True, True),
        ("ana.analyst@example.com", tuple(p for p in access.PAGE_SLUGS if p != "audit"), 1, 1),
        (
            "fin.controller@example.com",
            (
                "overview",
                "trends",
                "enforcement",
                "cases",
                "exposure",
                "policy",
                "deck",
                "alerts",
                *ENTITY,
            ),
            True,
            True,
        ),
        ("legal.partner@example.com", ("cases", "case"), False, True),
        ("finance.partner@example.com", ("cases", "case"), True, True),
        (
            "vic.viewer@example.com",
            ("overview", "trends", "funnel", "enforcement", "cases", "exposure", *ENTITY),
            True,
            False,
        ),
    ],
    ids=["leadership", "analyst", "finance", "partner", "partner-money", "viewer"],
)
def test_pages_and_rights_per_role(identity, pages, money, exports):
    v = _viewer(identity)
    assert v.pages == pages
    assert v.scope.money is bool(money) and v.scope.exports is bool(exports)


def test_rights_remove_pages_the_role_lists():
    role = access.Role("r", pages=access.PAGE_SLUGS, money=True, exports=True)
    no_money = Scope(role="r", money=False)
    assert {"enforcement", "exposure", "deck"}.isdisjoint(access.allowed_pages(role, no_money))
    assert "deck" not in access.allowed_pages(role, Scope(role="r", exports=False))
    scoped = Scope(role="r", labels=(1,))
    assert {"health", "audit"}.isdisjoint(access.allowed_pages(role, scoped))


def test_partner_team_and_label_names_resolve_to_ids():
    seen = []

    def resolve(labels, distributors):
        seen.append((labels, distributors))
        return (7, 9), ()

    v = _viewer("alm.partner@example.com", resolve)
    assert v.scope.team == "alm" and v.scope.labels == (7, 9) and v.scope.distributors is None
    assert seen == [(("Marbra Music", "Norval Recordings"), ())]


# -- the warehouse side ---------------------------------------------------------------------


def test_label_names_resolve_against_the_dimensions(warehouse_url, demo_frames):
    labels = demo_frames["dim_label"].sort_values("label_id")
    dists = demo_frames["dim_distributor"].sort_values("distributor_id")
    names = (labels["name"].iloc[0], labels["name"].iloc[3], "No Such Label")
    got = load_scope_ids.__wrapped__(names, (dists["name"].iloc[1],), url=warehouse_url)
    assert got == (
        tuple(sorted(int(i) for i in labels["label_id"].iloc[[0, 3]])),
        (int(dists["distributor_id"].iloc[1]),),
    )
    # Names that exist nowhere grant nothing (an empty tuple, not "everything").
    assert load_scope_ids.__wrapped__(("Nope",), (), url=warehouse_url) == ((), ())


def test_resolution_query_binds_names():
    hostile = "x' OR '1'='1"
    sql = str(scope_ids_query((hostile,), ()).compile(dialect=postgresql.dialect()))
    assert hostile not in sql and "OR '1'" not in sql


def _compiled(stmt) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_rls_predicates_in_the_compiled_sql():
    """Superset's RLS pattern: the scope's predicates are in the statement itself."""
    labels = Scope(role="partner", labels=(11, 12), money=False)
    sql = _compiled(qo.weekly_trend_query(F, labels))
    assert "label_id IN (11, 12)" in sql
    dists = Scope(role="partner", distributors=(3,))
    assert "distributor_id IN (3)" in _compiled(qo.fraud_kpi_query(F, dists))
    team = Scope(role="partner", team="legal", money=False)
    case_sql = _compiled(qc.case_count_query(F, team))
    assert "owner_team_id IN" in case_sql and "'legal'" in case_sql
    # Team-scoped viewers see case data only: stream marts are cut off entirely.
    assert "false" in _compiled(qo.fraud_kpi_query(F, team)).lower()
    # The unrestricted scope adds none of it.
    full = _compiled(qo.weekly_trend_query(F, FULL))
    assert "label_id IN" not in full and "owner_team_id" not in full
    # Nothing in scope means nothing, never everything.
    assert "false" in _compiled(qo.weekly_trend_query(F, Scope(role="p", labels=()))).lower()


@pytest.fixture
def isolated_cache():
    import streamlit as st

    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_money_columns_are_dropped_for_roles_without_money(monkeypatch, duck_url, isolated_cache):
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    full = lo.load_overview_kpis(FULL, F)
    assert {"protected_eur", "at_risk_eur", "fees_outstanding_eur"} <= set(full.columns)
    no_money = Scope(role="viewer", money=False)
    kpis = lo.load_overview_kpis(no_money, F)
    assert not [c for c in kpis.columns if "eur" in c]
    assert kpis["streams"].equals(full["streams"])
    top = lo.load_top_exposure(no_money, F, "market")
    assert list(top.columns) and not [c for c in top.columns if c.endswith("_eur")]
    partner = Scope(role="partner", team="finance", money=False)
    backlog = lc.load_case_backlog(partner, F)
    assert "exposure_eur" not in backlog.columns
    assert "exposure_eur" in lc.load_case_backlog(FULL, F).columns


def test_personal_columns_are_dropped_without_the_personal_right():
    import pandas as pd

    from data_access.loaders.base import strip_hidden

    df = pd.DataFrame({"reviewer_id": [1], "decisions": [3], "amount_eur": [2.0]})
    assert list(strip_hidden(df, Scope(role="analyst", personal=False)).columns) == [
        "decisions",
        "amount_eur",
    ]
    assert list(strip_hidden(df, FULL).columns) == list(df.columns)


def test_cache_isolation_between_scopes(monkeypatch, duck_url, isolated_cache):
    """Same loader, same filters, two scopes: two results; the same scope twice: a cache hit."""
    import data_access.loaders.base as base

    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    calls = []
    real = base.get_engine
    monkeypatch.setattr(base, "get_engine", lambda url=None: calls.append(url) or real(url))
    lead = lo.load_weekly_trend(FULL, F)
    n = len(calls)
    partner = lo.load_weekly_trend(Scope(role="partner", team="finance"), F)
    assert len(calls) > n, "a different scope must not be served from the cache"
    assert lead["streams"].sum() > 0 and partner["streams"].sum() == 0
    m = len(calls)
    again = lo.load_weekly_trend(FULL, F)
    assert len(calls) == m and again.equals(lead)
