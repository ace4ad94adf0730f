"""Every page against Spark SQL: the real app under AppTest with FRAUD_WAREHOUSE_URL on the
session's Spark Thrift server (tests/conftest.py ``spark_url``), drawn without an error."""

from __future__ import annotations

import pytest

from reports.pages import PAGES
from tests.support.apptest import assert_clean, run_app

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("page", [p.slug for p in PAGES])
def test_page_renders_on_spark(monkeypatch, spark_url, page):
    at = run_app(monkeypatch, spark_url, page=f"app_pages/{page}.py", timeout=120)
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the page drew no title"
