"""The audit log: append, read back, never break the page when the store is down."""

from __future__ import annotations

import pytest

from data_access import audit


def test_record_and_read_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    audit.record(
        user="ana@example.com",
        role="analyst",
        action="view",
        page="trends",
        filters={"market": ["SE"]},
        url=url,
    )
    audit.record(
        user="ana@example.com",
        role="analyst",
        action="export",
        page="trends",
        item="trends_main",
        fmt="png",
        filters={"market": ["SE"]},
        rows=52,
        url=url,
    )
    df = audit.load_events(url=url)
    assert list(df["action"]) == ["export", "view"]
    row = df.iloc[0]
    assert (row["item"], row["format"], row["row_count"]) == ("trends_main", "png", 52)
    assert '"market": ["SE"]' in row["filters"]
    assert len(audit.load_events(url=url, action="view")) == 1


def test_unknown_action_is_refused(tmp_path):
    with pytest.raises(ValueError):
        audit.record(
            user="x", role="y", action="erase", page="p", url=f"sqlite:///{tmp_path / 'a.sqlite'}"
        )


def test_a_broken_store_does_not_raise(caplog):
    audit.record(
        user="x",
        role="y",
        action="view",
        page="p",
        url="postgresql+psycopg://nobody:pw@127.0.0.1:1/none",
    )
    assert "audit write failed" in caplog.text


def test_audited_download_records_when_bytes_are_made(monkeypatch, tmp_path):
    from datetime import date

    from data_access.access import Viewer
    from data_access.filters import Filters
    from data_access.scope import Scope
    from ui import audit as ui_audit

    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("FRAUD_AUDIT_URL", url)
    monkeypatch.setattr(ui_audit, "current_page", lambda: "overview")
    f = Filters(start=date(2026, 1, 1), end=date(2026, 1, 31), markets=("SE",))
    viewer = Viewer("ana@example.com", "analyst", Scope(role="analyst"))
    fetch = ui_audit.audited(
        lambda: b"png-bytes", viewer=viewer, item="overview_trend", fmt="png", f=f, rows=12
    )
    assert audit.load_events(url=url).empty  # rendering the button records nothing
    assert fetch() == b"png-bytes"
    row = audit.load_events(url=url).iloc[0]
    assert (row["user"], row["action"], row["item"], row["format"], row["row_count"]) == (
        "ana@example.com",
        "export",
        "overview_trend",
        "png",
        12,
    )
    assert '"markets": ["SE"]' in row["filters"]
