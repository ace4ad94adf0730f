"""Exports: chart images (PNG/SVG/PDF), the data behind them (CSV/XLSX), safe file names.

Altair charts render through vl-convert (no browser). Plotly figures render through kaleido,
which needs a Chrome/Chromium; ``plotly_export_available()`` says whether one is there.
CSV and XLSX neutralise spreadsheet formulas: any text cell (headers too) that starts with
``= + - @ | tab CR LF`` gets a leading apostrophe, while real numbers stay numbers; a whole
number stays whole (a count that pandas made float is written 123, not 123.0).
Images are printed on white with dark text (``theme.PRINT_CONFIG``), whatever theme the app
is shown in.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
from collections.abc import Mapping
from datetime import date, datetime

import altair as alt
import pandas as pd

from charts.theme import PRINT_CONFIG, PRINT_SUBTITLE, PRINT_TEXT

log = logging.getLogger("fraud.export")

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_DANGEROUS = ("=", "+", "-", "@", "|", "\t", "\r", "\n")
_NEGATIVE_NUMBER = re.compile(r"^-(\d+(\.\d*)?|\.\d+)$")
MONEY_FORMAT = '"€"#,##0.00'
PCT_FORMAT = "0.0%"


# -- formula injection ---------------------------------------------------------------------


def neutralise(value):
    """A spreadsheet-safe cell: text that a spreadsheet would evaluate gets a leading '."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        if _NEGATIVE_NUMBER.match(value):
            return value  # "-12.5" typed as text is a number to a spreadsheet, not a formula
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text cell and header; numeric, date and bool columns are untouched."""
    out = df.copy()
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            continue
        if pd.api.types.is_bool_dtype(s):
            continue
        out[col] = s.map(neutralise).astype(object)
    return out


def whole_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns whose values are all whole numbers (counts that a NaN, a sum or a join
    made float) as nullable integers, so text exports write 123 rather than 123.0."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        values = s.dropna()
        if values.empty or not ((values % 1 == 0).all() and values.abs().max() < 2**53):
            continue
        out[col] = s.astype("Int64")
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    # RFC 4180 line ends: fields holding CR or LF get quoted instead of splitting the row.
    safe_frame(whole_numbers(df)).to_csv(
        buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(
    df: pd.DataFrame,
    *,
    title: str,
    context: Mapping[str, str],
    definitions: Mapping[str, str] | None = None,
    money: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    marks: pd.DataFrame | None = None,
) -> bytes:
    """A typed workbook: data sheet (frozen header, dates as dates, money in €), an
    'About' sheet with the filter context and metric definitions and, when the chart shows
    any, an 'Annotations' sheet of its numbered events and notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    safe = safe_frame(df)
    headers = list(safe.columns)
    originals = list(df.columns)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in safe.itertuples(index=False):
        ws.append([_cell_value(v) for v in row])
    for j, col in enumerate(originals, start=1):
        fmt = None
        if col in money:
            fmt = MONEY_FORMAT
        elif col in percent:
            fmt = PCT_FORMAT
        elif pd.api.types.is_datetime64_any_dtype(df[col]) or _is_date_col(df[col]):
            fmt = "yyyy-mm-dd"
        for i in range(2, len(df) + 2):
            cell = ws.cell(row=i, column=j)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif fmt:
                cell.number_format = fmt
        ws.column_dimensions[cell_letter(j)].width = max(10, min(40, len(str(col)) + 4))
    ws.freeze_panes = "A2"

    about = wb.create_sheet("About")
    about.append(["Title", str(neutralise(title))])
    for key, value in context.items():
        about.append([str(neutralise(str(key))), str(neutralise(str(value)))])
    if definitions:
        about.append([])
        about.append(["Metric", "Definition"])
        for key, value in definitions.items():
            about.append([str(neutralise(str(key))), str(neutralise(str(value)))])
    for row in about.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    if marks is not None and not marks.empty:
        about.append([])
        about.append(["Events and notes", f"{len(marks)}, numbered as on the chart (Annotations)"])
        _sheet(wb.create_sheet("Annotations"), marks)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet(ws, df: pd.DataFrame) -> None:
    """A plain sheet of ``df``: bold header, dates as dates, every text a string (never a
    formula, whatever a note's author typed)."""
    from openpyxl.styles import Font

    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in safe_frame(df).itertuples(index=False):
        ws.append([_cell_value(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif hasattr(cell.value, "year"):
                cell.number_format = "yyyy-mm-dd"
    for j, col in enumerate(df.columns, start=1):
        ws.column_dimensions[cell_letter(j)].width = 60 if col == "text" else 16
    ws.freeze_panes = "A2"


def cell_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def _is_date_col(s: pd.Series) -> bool:
    sample = s.dropna().head(5)
    return len(sample) > 0 and all(isinstance(v, date) for v in sample)


def _cell_value(v):
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().replace(tzinfo=None)
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    if v is pd.NA:
        return None
    return v


# -- images --------------------------------------------------------------------------------


def with_context(chart: alt.TopLevelMixin, *, title: str, context: str, as_of: date) -> dict:
    """The chart's Vega-Lite spec with the title, the filter context and the data-as-of date
    written into the figure itself (so a pasted image still says what it shows)."""
    spec = chart.to_dict()
    spec["title"] = {
        "text": title,
        "subtitle": [context, f"Data as of {as_of:%d %b %Y} · Fraud insights"],
        "anchor": "start",
        "fontSize": 16,
        "subtitleFontSize": 12,
        "color": PRINT_TEXT,
        "subtitleColor": PRINT_SUBTITLE,
    }
    # Sub-charts keep their own titles off: the export title says it all.
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for sub in spec.get(key, []):
            if isinstance(sub, dict):
                sub.pop("title", None)
    spec["config"] = _merge(spec.get("config", {}), PRINT_CONFIG)
    spec["background"] = PRINT_CONFIG["background"]
    spec.setdefault("padding", 16)
    return spec


def _merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra``'s keys set (nested dicts merged), neither changed."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def altair_image(spec: dict, fmt: str, *, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=scale)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    if fmt == "pdf":
        return vlc.vegalite_to_pdf(spec)
    raise ValueError(f"unknown image format {fmt!r}")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def plotly_export_available() -> bool:
    return find_chromium() is not None


def plotly_image(
    fig, fmt: str, *, title: str, context: str, as_of: date, scale: float = 2.0
) -> bytes:
    """Plotly -> image bytes via kaleido (needs Chromium); title and context in the figure."""
    import plotly.graph_objects as go

    fig = go.Figure(fig)
    fig.update_layout(
        title={
            "text": f"{title}<br><sup>{context} · Data as of {as_of:%d %b %Y}</sup>",
            "x": 0.01,
        },
        margin={"t": 90},
        # Printed on white with dark ink, whatever the app's theme on screen.
        template="plotly_white",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"color": PRINT_TEXT},
    )
    return fig.to_image(format=fmt, scale=scale if fmt == "png" else 1, width=1100, height=560)


# -- names ---------------------------------------------------------------------------------


def file_name(
    page: str, *, end: date, markets: tuple[str, ...] = (), suffix: str = "", ext: str
) -> str:
    """'fraud-trends_2026-W47_SE-DE.png': page, ISO week of the period end, markets."""
    iso = end.isocalendar()
    parts = [f"fraud-{_slug(page)}", f"{iso.year}-W{iso.week:02d}"]
    if markets:
        parts.append(
            "-".join(_slug(m) for m in markets[:4]) + ("-more" if len(markets) > 4 else "")
        )
    if suffix:
        parts.append(_slug(suffix))
    return "_".join(p for p in parts if p) + f".{ext}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-")[:40] or "x"


def now_stamp() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")
