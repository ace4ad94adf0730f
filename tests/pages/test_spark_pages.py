"""Every page against Spark SQL: the real app under AppTest with FRAUD_WAREHOUSE_URL on the
session's Spark Thrift server (tests/conftest.py ``spark_url``), drawn without an error. The
entity pages open on a real key of the test warehouse."""

from __future__ import annotations

import pytest

from reports.pages import PAGES
from tests.support.apptest import assert_clean, run_app

pytestmark = pytest.mark.spark


def _keys(frames) -> dict[str, dict[str, str]]:
    det = frames["fact_detection"]
    track_id = int(det["track_id"].value_counts().idxmax())
    tracks = frames["dim_track"].set_index("track_id")
    return {
        "track": {"isrc": tracks.loc[track_id, "isrc"]},
        "label": {"id": str(int(det["label_id"].value_counts().idxmax()))},
        "distributor": {"id": str(int(frames["dim_label"]["distributor_id"].iloc[0]))},
        "case": {"id": str(int(frames["fact_case"]["case_id"].iloc[0]))},
    }


@pytest.mark.parametrize("page", [p.slug for p in PAGES])
def test_page_renders_on_spark(monkeypatch, spark_url, demo_frames, page):
    params = _keys(demo_frames).get(page)
    at = run_app(monkeypatch, spark_url, page=f"app_pages/{page}.py", params=params, timeout=120)
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the page drew no title"
    # The sidebar names the backend as its users know it: Spark SQL, not PyHive's "hive".
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Spark SQL warehouse" in captions and "hive" not in captions.lower(), captions
