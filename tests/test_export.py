"""Exports: formula injection is neutralised in CSV and XLSX; images decode and are not blank."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image

from charts import export
from charts.overview import top_bar_chart, weekly_trend_chart

VECTORS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-cmd",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "|calc",
    "=1+1",
    "-1+1",
]


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": VECTORS,
            "=evil header": ["ok"] * len(VECTORS),
            "amount_eur": [-12.5, 3.0, 0.0, 1e6, -0.01, 2.5, 7.0, 8.0, 9.0],
            "as_text": ["-12.5"] * len(VECTORS),
            "day": pd.to_datetime(["2026-01-05"] * len(VECTORS)),
        }
    )


def test_neutralise():
    for v in VECTORS:
        assert export.neutralise(v).startswith("'")
    assert export.neutralise("-12.5") == "-12.5"
    assert export.neutralise("Sweden") == "Sweden"
    assert export.neutralise(-12.5) == -12.5


def test_csv_is_inert_and_keeps_negative_numbers():
    text = export.csv_bytes(hostile_frame()).decode("utf-8")
    rows = pd.read_csv(io.StringIO(text, newline=""), dtype=str, keep_default_na=False)
    assert len(rows) == len(VECTORS)
    assert "'=evil header" in rows.columns
    for cell in rows["label"]:
        assert cell.startswith("'"), cell
    assert rows["amount_eur"].iloc[0] == "-12.5"
    records = list(csv.reader(io.StringIO(text, newline="")))
    for record in records:
        for cell in record:
            assert not cell.startswith(("=", "+", "@", "|", "\t", "\r")), record


def test_xlsx_has_no_formula_and_typed_columns():
    data = export.xlsx_bytes(
        hostile_frame(),
        title="=Title",
        context={"Period": "2026-01-01 – 2026-03-31", "Markets": "+SE"},
        definitions={"Exposure": "=definition"},
        money=("amount_eur",),
    )
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Data"]
    assert ws.freeze_panes == "A2"
    for row in wb["Data"].iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    for row in wb["About"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    headers = [c.value for c in ws[1]]
    assert headers[1] == "'=evil header"
    amount = ws.cell(row=2, column=3)
    assert amount.value == -12.5 and amount.data_type == "n"
    assert "€" in amount.number_format
    day = ws.cell(row=2, column=5)
    assert day.is_date
    assert wb["About"]["A1"].value == "Title"


def _png_ok(data: bytes, min_width: int) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.width >= min_width
    pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.std() > 5, "image is blank"
    return img


@pytest.fixture
def trend_frame():
    weeks = pd.date_range("2026-01-05", periods=12, freq="W-MON")
    return pd.DataFrame(
        {
            "week": weeks,
            "streams": 1e7,
            "detected_streams": np.linspace(1, 3, 12) * 1e5,
            "confirmed_streams": np.linspace(1, 2.5, 12) * 1e5,
        }
    )


def test_altair_exports_png_svg_pdf_with_context(trend_frame):
    chart = weekly_trend_chart(trend_frame)
    spec = export.with_context(
        chart, title="Weekly trend", context="SE · Q1", as_of=date(2026, 11, 29)
    )
    png = export.altair_image(spec, "png")
    img = _png_ok(png, 1200)  # 2x scale of a ~720 px chart
    assert img.height > 300
    svg = export.altair_image(spec, "svg").decode()
    assert "Weekly trend" in svg and "Data as of 29 Nov 2026" in svg and "#E69F00" in svg
    assert export.altair_image(spec, "pdf").startswith(b"%PDF")


def test_empty_chart_exports(trend_frame):
    chart = top_bar_chart(
        trend_frame.iloc[0:0], category="week", value="streams", text="t", value_title="v"
    )
    spec = export.with_context(chart, title="t", context="c", as_of=date(2026, 1, 1))
    assert export.altair_image(spec, "pdf").startswith(b"%PDF")


def test_file_name():
    name = export.file_name("Fraud trends", end=date(2026, 11, 20), markets=("SE", "DE"), ext="png")
    assert name == "fraud-Fraud-trends_2026-W47_SE-DE.png"
    hostile = export.file_name(
        "../../etc/passwd", end=date(2026, 1, 1), markets=("<x>",), ext="csv"
    )
    assert "/" not in hostile and ".." not in hostile and "<" not in hostile


def test_csv_writes_whole_numbers_without_a_decimal_point():
    # counts that pandas made float (a NaN, a sum, a join) are still counts
    df = pd.DataFrame(
        {
            "week": ["2025-03-03", "2025-03-10", "2025-03-17"],
            "cases": [123.0, 4.0, np.nan],
            "rate": [0.25, 1.0, 0.5],
            "big": [1.2e12, 3.0, 0.0],
        }
    )
    rows = list(csv.reader(io.StringIO(export.csv_bytes(df).decode())))
    assert rows[1] == ["2025-03-03", "123", "0.25", "1200000000000"]
    assert rows[2] == ["2025-03-10", "4", "1.0", "3"]
    assert rows[3][1] == ""  # unknown stays empty, not "nan" or "<NA>"
    assert df["cases"].dtype == float  # the caller's frame is not changed
