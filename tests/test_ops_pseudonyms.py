"""Reviewer ids reach only viewers with the personal-data right: everyone else gets stable,
keyed pseudonyms in the team view's frame, its CSV / XLSX exports and the deck's data."""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest

import reports
from charts.export import csv_bytes, xlsx_bytes
from data_access import pseudonyms
from data_access.filters import Filters
from data_access.scope import Scope

PERIOD = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))
PERSONAL = Scope(role="leadership", personal=True)
ANALYST = Scope(role="analyst", personal=False)
NO_MONEY = Scope(role="viewer", money=False, exports=True, personal=False)
PSEUDONYM = re.compile(r"^Analyst [0-9A-F]{6}$")


def _team(scope, url):
    return reports.frame(reports.get("ops.team"), scope, PERIOD, url, {})


def test_pseudonyms_are_stable_keyed_and_not_the_id(monkeypatch):
    monkeypatch.setenv(pseudonyms.KEY_ENV, "key-one")
    a = [pseudonyms.pseudonym(i) for i in range(1, 41)]
    assert a == [pseudonyms.pseudonym(i) for i in range(1, 41)]  # stable
    assert len(set(a)) == 40 and all(PSEUDONYM.match(p) for p in a)
    monkeypatch.setenv(pseudonyms.KEY_ENV, "key-two")
    assert [pseudonyms.pseudonym(i) for i in range(1, 41)] != a  # keyed
    assert pseudonyms.pseudonym(None) == ""


def test_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "k" / "pseudonym.key"
    first = pseudonyms._file_key(path)
    assert len(first) == 64 and pseudonyms._file_key(path) == first
    assert path.stat().st_mode & 0o077 == 0
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    key = pseudonyms._file_key(blocked / "pseudonym.key")  # unwritable: a process key
    assert key == pseudonyms._file_key(blocked / "pseudonym.key") and len(key) == 64


@pytest.mark.parametrize("scope", [ANALYST, NO_MONEY], ids=["analyst", "no-money"])
def test_viewer_without_the_right_never_gets_a_reviewer_id(duck_url, demo_frames, scope):
    df = _team(scope, duck_url)
    assert not df.empty
    assert not [c for c in df.columns if "reviewer" in c.lower()]
    assert df["analyst"].map(lambda s: bool(PSEUDONYM.match(s))).all()
    ids = set(demo_frames["fact_review"]["reviewer_id"].dropna().astype(int))
    # Exports are made from this frame: the CSV's and the XLSX's cells hold pseudonyms only.
    csv = pd.read_csv(io.BytesIO(csv_bytes(df)))
    assert "reviewer_id" not in csv.columns
    assert set(csv["analyst"]) == set(df["analyst"])
    xlsx = pd.read_excel(io.BytesIO(xlsx_bytes(df, title="Team", context={})), sheet_name=0)
    assert "reviewer_id" not in xlsx.columns
    # The deck's native chart categories are the pseudonyms too.
    native = reports.get("ops.team").native_for({})
    cats, _ = reports.native_data(native, df)
    assert cats and not set(cats) & {str(i) for i in ids}


def test_viewer_with_the_right_sees_reviewer_ids_beside_pseudonyms(duck_url, demo_frames):
    df = _team(PERSONAL, duck_url)
    ids = set(demo_frames["fact_review"].dropna(subset=["decided_at"])["reviewer_id"].astype(int))
    assert set(df["reviewer_id"].astype(int)) == ids
    assert (df["analyst"] == df["reviewer_id"].map(pseudonyms.pseudonym)).all()
    # The same analyst has the same pseudonym for a viewer without the right.
    other = _team(ANALYST, duck_url).set_index("analyst")["decided"]
    assert other.to_dict() == df.set_index("analyst")["decided"].to_dict()
