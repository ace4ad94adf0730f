"""The PowerPoint deck: a title slide, one slide per view, a closing slide; and its CLI.

Each chart slide carries the view's headline sentence as its title, the chart (a native,
editable PowerPoint chart where python-pptx draws the type, else a 2x PNG of the figure),
and a footnote with the metric definitions, the data-as-of date and the permalink that
reproduces the view. The closing slide lists every definition and the data sources.

Scheduled decks, without a browser or Streamlit:

    python -m reports.deck --spec decks/weekly.toml --out weekly.pptx [--url WAREHOUSE]
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

import altair as alt
import pandas as pd

import reports as views
from analytics.metrics import METRICS
from charts import export
from charts.theme import PRINT_GRID, repeated, series_colours
from data_access.filters import URL_KEYS, Filters, Options, context_line
from data_access.scope import FULL, Scope

log = logging.getLogger("fraud.deck")

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9
DEFAULT_BASE_URL = "http://localhost:8501"
TEXT = "333333"
MUTED = "666666"


@dataclass(frozen=True)
class DeckItem:
    """One slide: a registry view with its filters and page settings."""

    view: str
    filters: Filters
    params: Mapping[str, str] = field(default_factory=dict)


def permalink(base_url: str, view: views.View, filters: Filters, options: Options, params) -> str:
    """The URL that reproduces the view: page path + global filters + page settings."""
    query = {**filters.to_query_params(options), **{k: [v] for k, v in params.items()}}
    path = base_url.rstrip("/") + "/" + view.url_path
    return path + ("?" + urlencode(query, doseq=True) if query else "")


# -- building -------------------------------------------------------------------------------


@dataclass
class _Built:
    item: DeckItem
    view: views.View
    params: dict[str, str]
    data: pd.DataFrame
    headline: str
    context: str
    marks: pd.DataFrame | None = None  # the warehouse's events and the viewer's notes


def build_deck(
    items: Sequence[DeckItem],
    *,
    title: str,
    author: str = "",
    url: str,
    as_of: date,
    base_url: str = DEFAULT_BASE_URL,
    scope: Scope = FULL,
    options: Options | None = None,
    events: pd.DataFrame | None = None,
) -> bytes:
    """The .pptx bytes of a deck of ``items`` read from the warehouse at ``url``."""
    from pptx import Presentation
    from pptx.util import Inches

    from data_access.availability import message
    from data_access.loaders.availability import load_not_mapped
    from data_access.loaders.options import load_events, load_options

    if options is None:
        options = load_options(scope, url=url)
    missing = load_not_mapped(url=url)
    if events is None and "events" not in missing:  # without events: no event marks
        events = load_events(url=url)
    built = []
    for item in items:
        view = views.get(item.view)
        if view.needs_money and not scope.money:
            raise PermissionError(f"view {view.id!r} shows money, which this viewer may not see")
        params = views.resolve_params(view, item.params)
        lacking = [i for i in view.needs_for(params) if i in missing]
        if lacking:
            raise SpecError(f"view {view.id!r}: {message(lacking[0])}")
        df = views.frame(view, scope, item.filters, url, params)
        built.append(
            _Built(
                item,
                view,
                params,
                df,
                view.headline(df),
                context_line(item.filters, options),
                _marks(events, scope, item.filters, options),
            )
        )

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    _title_slide(prs, title=title, author=author, built=built, options=options)
    for b in built:
        _chart_slide(prs, b, options=options, as_of=as_of, base_url=base_url, events=b.marks)
    _closing_slide(prs, built=built, url=url, as_of=as_of)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _marks(events, scope: Scope, filters: Filters, options: Options) -> pd.DataFrame:
    """The events and the notes this scope sees for the slide's filters, numbered as on
    screen; without a readable application store, the events alone."""
    from sqlalchemy.exc import SQLAlchemyError

    from appstore import notes as annotations

    try:
        notes = annotations.notes_for(scope, filters, options)
    except SQLAlchemyError:
        log.exception("annotations could not be read for the deck")
        notes = []
    return annotations.timeline(events, notes)


def marks_line(marks: pd.DataFrame | None, df: pd.DataFrame) -> str:
    """'Marked: 1 Sentinel ML v2 launched (3 Mar 2025) · 5 Note: ... (ana@...)' for the
    events and notes within the dates of ``df`` (empty when none, or no dates)."""
    from appstore import notes as annotations

    span = annotations.chart_span(df)
    if marks is None or marks.empty or span is None:
        return ""
    shown = annotations.within(marks, *span)
    items = []
    for m in shown.itertuples():
        who = f", {m.author}" if m.kind == "note" else ""
        kind = "Note: " if m.kind == "note" else ""
        items.append(f"{int(m.n)} {kind}{m.title} ({m.event_date:%-d %b %Y}{who})")
    return ("Marked: " + " · ".join(items)) if items else ""


def _start_kaleido() -> None:
    """One long-lived browser for all Plotly figures (a no-op when already running)."""
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # noqa: BLE001 - a one-off browser per image still works
        log.warning("could not start kaleido's browser; exporting figures one by one")


def _text(frame, lines, *, size: int, colour: str = TEXT, bold_first: bool = False) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    tf = frame.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        runs = line if isinstance(line, list) else [(line, None)]
        for text, link in runs:
            run = para.add_run()
            run.text = str(text)
            run.font.size = Pt(size)
            run.font.color.rgb = RGBColor.from_string(colour)
            run.font.bold = bold_first and i == 0
            if link:
                run.hyperlink.address = link


def _common_context(built: list[_Built], options: Options) -> tuple[str, str]:
    if not built:
        return "–", "none"
    periods = {(b.item.filters.start, b.item.filters.end) for b in built}
    contexts = {b.context for b in built}
    if len(periods) == 1:
        start, end = next(iter(periods))
        period = f"{start:%d %b %Y} – {end:%d %b %Y}"
    else:
        period = "varies by slide (see each slide)"
    if len(contexts) == 1:
        parts = next(iter(contexts)).split(" · ")[1:]
        filters = " · ".join(parts) or "none (all markets, labels, detectors)"
    else:
        filters = "vary by slide (see each slide)"
    return period, filters


def _title_slide(prs, *, title: str, author: str, built: list[_Built], options: Options) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = title or "Fraud insights"
    period, filters = _common_context(built, options)
    sub = slide.placeholders[1]
    sub.text_frame.text = f"{date.today():%d %B %Y}"
    for line in (f"Author: {author or '–'}", f"Period: {period}", f"Filters: {filters}"):
        sub.text_frame.add_paragraph().text = line


def _chart_slide(prs, b: _Built, *, options, as_of: date, base_url: str, events) -> None:
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    slide.shapes.title.text = b.headline
    title_frame = slide.shapes.title
    title_frame.left, title_frame.top = Inches(0.5), Inches(0.3)
    title_frame.width, title_frame.height = Inches(SLIDE_W_IN - 1), Inches(1.0)
    for para in title_frame.text_frame.paragraphs:
        para.font.size = Pt(26)
    caption = slide.shapes.add_textbox(
        Inches(0.5), Inches(1.3), Inches(SLIDE_W_IN - 1), Inches(0.4)
    )
    _text(caption, [f"{b.view.title} · {b.context}"], size=12, colour=MUTED)

    box = (Inches(0.5), Inches(1.75), Inches(SLIDE_W_IN - 1), Inches(4.35))
    bullets = b.view.bullets(b.data) if b.view.bullets is not None else []
    if bullets:  # the chart on the left, the view's sentences on the right
        half = Inches((SLIDE_W_IN - 1.2) / 2)
        text = slide.shapes.add_textbox(Inches(0.7) + half, box[1], half, box[3])
        text.name = "Bullets"
        _text(text, bullets, size=10)
        box = (box[0], box[1], half, box[3])
    native = b.view.native_for(b.params)
    cats, series = views.native_data(native, b.data) if native else ([], [])
    if native and cats and series:
        _native_chart(slide, native, cats, series, box)
    else:
        _image(slide, b, box, as_of=as_of, events=events)

    link = permalink(base_url, b.view, b.item.filters, options, b.params)
    defs = [f"{METRICS[k].label}: {METRICS[k].definition}" for k in b.view.metrics if k in METRICS]
    marked = marks_line(b.marks, b.data)
    lines = [
        *([marked] if marked else []),
        " ".join(defs) or b.view.title,
        f"Data as of {as_of:%d %b %Y} · sources: {', '.join(b.view.sources)}",
        [("Reproduce this view: ", None), (link, link)],
    ]
    foot = slide.shapes.add_textbox(Inches(0.5), Inches(6.15), Inches(SLIDE_W_IN - 1), Inches(1.2))
    foot.name = "Footnote"
    _text(foot, lines, size=9, colour=MUTED)


def _native_chart(slide, native: views.Native, cats, series, box) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.util import Pt

    kinds = {
        ("line", False): XL_CHART_TYPE.LINE_MARKERS,
        ("line", True): XL_CHART_TYPE.LINE_MARKERS,
        ("bar", False): XL_CHART_TYPE.BAR_CLUSTERED,
        ("bar", True): XL_CHART_TYPE.BAR_STACKED,
        ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED,
        ("column", True): XL_CHART_TYPE.COLUMN_STACKED,
        ("area", False): XL_CHART_TYPE.AREA,
        ("area", True): XL_CHART_TYPE.AREA_STACKED,
        ("pie", False): XL_CHART_TYPE.DOUGHNUT,
        ("pie", True): XL_CHART_TYPE.DOUGHNUT,
    }
    data = CategoryChartData(number_format=native.number_format)
    data.categories = cats
    for name, values in series:
        data.add_series(name, values)
    frame = slide.shapes.add_chart(kinds[(native.kind, native.stacked)], *box, data)
    frame.name = "Native chart"
    chart = frame.chart
    chart.font.size = Pt(11)
    chart.has_legend = native.kind == "pie" or len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False

    # The app's colours: one per series name (theme.series_colours), so a series looks the
    # same on screen, in an image and on a slide.
    def rgb_of(mapping: dict[str, str], name: object) -> RGBColor:
        return RGBColor.from_string(mapping[str(name)].lstrip("#"))

    plot = chart.plots[0]
    if native.kind == "pie":
        by_category = series_colours(cats)
        for i, point in enumerate(plot.series[0].points):
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = rgb_of(by_category, cats[i])
        plot.has_data_labels = True
        plot.data_labels.show_percentage = True
        plot.data_labels.show_value = False
        plot.data_labels.number_format = "0.0%"
        plot.data_labels.number_format_is_linked = False
        return
    if native.kind == "bar":
        from pptx.enum.chart import XL_TICK_LABEL_POSITION

        chart.category_axis.reverse_order = True  # largest first, top down, as on screen
        chart.value_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    by_series = series_colours(name for name, _ in series)
    dashed = repeated(name for name, _ in series)  # as on screen: a repeated colour is dashed
    for s in plot.series:
        rgb = rgb_of(by_series, s.name)
        if native.kind == "line":
            s.format.line.color.rgb = rgb
            s.format.line.width = Pt(2)
            if s.name in dashed:
                s.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            s.smooth = False
            s.marker.format.fill.solid()
            s.marker.format.fill.fore_color.rgb = rgb
            s.marker.format.line.color.rgb = rgb
        else:
            s.format.fill.solid()
            s.format.fill.fore_color.rgb = rgb
    value_axis = chart.value_axis
    value_axis.tick_labels.number_format = native.number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string(PRINT_GRID.lstrip("#"))
    if native.kind in ("column", "bar") and len(series) > 1 and native.stacked:
        plot.overlap = 100
    if native.kind in ("column", "bar"):
        plot.gap_width = 60


def figure_png(b_view: views.View, df, *, context: str, as_of: date, params, events) -> bytes:
    """The view's figure as a 2x PNG with its title, filter context and data-as-of date."""
    fig = views.figure(b_view, df, subtitle=context, events=events, params=params)
    if isinstance(fig, alt.TopLevelMixin):
        spec = export.with_context(fig, title=b_view.title, context=context, as_of=as_of)
        return export.altair_image(spec, "png", scale=2.0)
    if not export.plotly_export_available():
        raise RuntimeError(
            "Image export of this figure needs Chrome or Chromium (apt-get install chromium)."
        )
    _start_kaleido()
    return export.plotly_image(fig, "png", title=b_view.title, context=context, as_of=as_of)


def _image(slide, b: _Built, box, *, as_of: date, events) -> None:
    from PIL import Image
    from pptx.util import Emu

    left, top, width, height = box
    try:
        png = figure_png(
            b.view, b.data, context=b.context, as_of=as_of, params=b.params, events=events
        )
    except RuntimeError as err:
        note = slide.shapes.add_textbox(left, top, width, height)
        _text(note, [str(err)], size=14, colour=MUTED)
        return
    with Image.open(io.BytesIO(png)) as img:
        w, h = img.size
    scale = min(width / w, height / h)
    pic_w, pic_h = int(w * scale), int(h * scale)
    pic = slide.shapes.add_picture(
        io.BytesIO(png),
        Emu(left + (width - pic_w) // 2),
        Emu(top + (height - pic_h) // 2),
        Emu(pic_w),
        Emu(pic_h),
    )
    pic.name = "Chart image"


def _closing_slide(prs, *, built: list[_Built], url: str, as_of: date) -> None:
    from pptx.util import Inches

    from data_access.settings import describe_url

    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Definitions and data sources"
    keys = list(dict.fromkeys(k for b in built for k in b.view.metrics if k in METRICS))
    defs = [f"{METRICS[k].label}: {METRICS[k].definition}" for k in keys] or ["No metrics."]
    tables = sorted({t for b in built for t in b.view.sources})
    sources = [
        f"Warehouse: {describe_url(url)}",
        f"Data as of {as_of:%d %b %Y}",
        f"Tables: {', '.join(tables) or '–'}",
        "Money in EUR (€). Marts are daily rollups of the facts; percentiles and drill-downs "
        "read the facts.",
        f"Generated by Fraud insights on {datetime.now():%d %b %Y %H:%M}.",
    ]
    size = 10 if len(defs) <= 10 else 8
    left = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(8.2), Inches(5.7))
    _text(left, defs, size=size)
    right = slide.shapes.add_textbox(Inches(9.0), Inches(1.5), Inches(3.8), Inches(5.7))
    _text(right, sources, size=11)


# -- the CLI --------------------------------------------------------------------------------


class SpecError(ValueError):
    """A deck spec that cannot be built; the message says what to fix."""


def load_spec(text: str, options: Options) -> tuple[str, str, list[DeckItem]]:
    """Parse and validate a TOML deck spec: ``[deck] title, author`` and ``[[views]]`` with
    ``view``, ``filters`` (URL names) and optional ``params`` (page settings)."""
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"the spec is not valid TOML: {err}") from None
    deck = spec.get("deck", {})
    if not isinstance(deck, dict):
        raise SpecError("[deck] must be a table with title and author")
    title, author = deck.get("title", "Fraud insights"), deck.get("author", "")
    if not isinstance(title, str) or not isinstance(author, str):
        raise SpecError("[deck] title and author must be text")
    entries = spec.get("views")
    if not isinstance(entries, list) or not entries:
        raise SpecError("the spec lists no [[views]]")
    items = []
    for n, entry in enumerate(entries, start=1):
        where = f"view #{n}"
        if not isinstance(entry, dict) or not isinstance(entry.get("view"), str):
            raise SpecError(f'{where}: each [[views]] needs view = "page.chart"')
        try:
            view = views.get(entry["view"])
        except KeyError as err:
            raise SpecError(f"{where}: {err.args[0]}") from None
        where = f"view #{n} ({view.id})"
        raw = entry.get("filters", {})
        if not isinstance(raw, dict):
            raise SpecError(f'{where}: filters must be a table, e.g. {{ market = ["SE"] }}')
        unknown = [k for k in raw if k not in URL_KEYS]
        if unknown:
            raise SpecError(
                f"{where}: unknown filter {str(unknown[0])[:40]!r} (filters: {', '.join(URL_KEYS)})"
            )
        params = {k: [v] if isinstance(v, str) else v for k, v in raw.items()}
        if any(
            not isinstance(v, list) or not all(isinstance(x, str) for x in v)
            for v in params.values()
        ):
            raise SpecError(f"{where}: filter values must be text or lists of text")
        filters = Filters.from_query_params(params, options)
        if filters.notes:
            raise SpecError(f"{where}: " + " ".join(filters.notes))
        page = entry.get("params", {})
        if not isinstance(page, dict):
            raise SpecError(f'{where}: params must be a table, e.g. {{ trends_grain = "month" }}')
        try:
            page = views.resolve_params(view, {k: str(v) for k, v in page.items()})
        except ValueError as err:
            raise SpecError(f"{where}: {err}") from None
        items.append(DeckItem(view.id, filters, page))
    return title, author, items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.deck", description="Build a PowerPoint deck from a TOML spec."
    )
    parser.add_argument("--spec", required=True, type=Path, help="the deck spec (TOML)")
    parser.add_argument("--out", required=True, type=Path, help="where to write the .pptx")
    parser.add_argument("--url", help="warehouse URL (default: the app's configured warehouse)")
    parser.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help="the app's address, for permalinks"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    for name in ("streamlit", "streamlit.runtime.caching.cache_data_api"):
        logging.getLogger(name).setLevel(logging.ERROR)

    from data_access.loaders.base import WarehouseError
    from data_access.loaders.options import load_options
    from data_access.settings import describe_url, resolve_url

    url = args.url or resolve_url()
    try:
        text = args.spec.read_text(encoding="utf-8")
    except OSError as err:
        print(f"error: cannot read the spec: {err.strerror}", file=sys.stderr)
        return 2
    try:
        options = load_options(FULL, url=url)
        title, author, items = load_spec(text, options)
        data = build_deck(
            items,
            title=title,
            author=author,
            url=url,
            as_of=options.max_date,
            base_url=args.base_url,
            options=options,
        )
    except SpecError as err:
        print(f"error in {args.spec.name}: {err}", file=sys.stderr)
        return 2
    except WarehouseError as err:
        print(f"error: {err.message} (reference {err.ref}; {describe_url(url)})", file=sys.stderr)
        return 3
    finally:
        _stop_kaleido()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(items) + 2} slides, {len(data) / 1024:.0f} KiB)")
    return 0


def _stop_kaleido() -> None:
    try:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
    except Exception:  # noqa: BLE001 - nothing to stop, or already stopped
        log.debug("kaleido server was not running")


if __name__ == "__main__":
    sys.exit(main())
