"""A view: one chart (or exportable table) of the dashboard, declared once, without Streamlit.

A ``View`` says which page it lives on, its own settings (``Param``: URL key, allowed
values, default, widget: at once the URL allow-list, the widget spec and the deck-spec
validation), how to get its frame (the cached loaders: query builders + the runner, plus
the page's analytics), how to draw it, how PowerPoint draws it natively, its headline
sentence, the metrics its footnote defines and the warehouse tables it reads. The page
(``ui.view.show``), the deck builder and CLI, the XLSX "About" sheet and the URL
allow-list are all derived from it, so the app and the deck can no longer drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from data_access import availability
from data_access.access import COLUMNS
from data_access.filters import Filters
from data_access.loaders import base
from data_access.scope import Scope
from reports.pages import page_info

MONEY_FORMAT = '"€"#,##0'
COUNT_FORMAT = "#,##0"
PCT_FORMAT = "0.0%"
NATIVE_KINDS = ("line", "bar", "column", "area", "pie")
WIDGETS = ("radio", "select", "slider", "segmented")


@dataclass(frozen=True)
class Param:
    """One setting of a view, under its page's URL key (``trends_grain``, ``exposure_z``)."""

    key: str
    label: str
    choices: tuple[str, ...]
    default: str | None = None  # None: the first choice
    widget: str = "select"
    help: str = ""
    # Shared by several views of the page: drawn once by the page, not inside each view.
    shared: bool = False
    money_choices: tuple[str, ...] = ()  # choices offered only to viewers with the money right
    noun: str = ""  # what a message calls it ("split dimension"); default: the label
    # (setting, value): the widget is greyed out while that other setting has that value.
    idle_when: tuple[str, str] | None = None
    # A key rather than a choice (an entity page's ISRC or id): any value matching this
    # regular expression whole is allowed; the page passes it, no widget is drawn.
    pattern: str = ""

    def accepts(self, value: object) -> bool:
        text = str(value)
        if self.pattern:
            return re.fullmatch(self.pattern, text) is not None
        return text in self.choices

    @property
    def called(self) -> str:
        return self.noun or self.label.lower()

    def __post_init__(self) -> None:
        if self.widget not in WIDGETS:
            raise ValueError(f"unknown widget {self.widget!r}")
        if self.default is not None and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} of {self.key} is not a choice")

    @property
    def initial(self) -> str:
        if self.default is not None:
            return self.default
        return self.choices[0] if self.choices else ""  # a key has no default


@dataclass(frozen=True)
class Native:
    """How PowerPoint draws the view natively: a chart type, the category column, and the
    series, either wide (``series``: (column, legend name) pairs) or long (``pivot``:
    (series column, value column), summed per category)."""

    kind: str
    category: str
    series: tuple[tuple[str, str], ...] = ()
    pivot: tuple[str, str] | None = None
    stacked: bool = False
    number_format: str = COUNT_FORMAT

    def __post_init__(self) -> None:
        if self.kind not in NATIVE_KINDS:
            raise ValueError(f"unknown native chart kind {self.kind!r}")


@dataclass(frozen=True)
class FigureContext:
    subtitle: str
    events: pd.DataFrame | None = None
    interactive: bool = False  # on screen: the figure may define its click selection


@dataclass(frozen=True)
class Drill:
    """A click on the figure narrows a global filter: ``field`` of the clicked datum is a
    value of filter ``kind`` (market, label, ...; ``week`` narrows the period)."""

    field: str
    kind: str


DataFn = Callable[[Scope, Filters, str | None, Mapping[str, str]], pd.DataFrame]
FigureFn = Callable[[pd.DataFrame, FigureContext, Mapping[str, str]], object]


@dataclass(frozen=True)
class View:
    id: str
    page: str  # page slug (reports.pages): navigation title, url_path, file names
    title: str
    data: DataFn
    figure: FigureFn
    headline: Callable[[pd.DataFrame], str]
    metrics: tuple[str, ...]
    sources: tuple[str, ...]
    native: Native | Callable[[Mapping[str, str]], Native | None] | None = None
    params: tuple[Param, ...] = ()
    percent: tuple[str, ...] = ()
    needs_money: bool = False  # the chart itself is money: hidden from viewers without
    drill: Drill | Callable[[Mapping[str, str]], Drill | None] | None = None
    note: str | Callable[[pd.DataFrame, Mapping[str, str]], str] = ""  # caption under it
    plotly: bool = False  # the figure is a Plotly figure (Sankeys), else Altair
    # Sentences a slide shows beside the chart (the "What changed" block's), from the frame.
    bullets: Callable[[pd.DataFrame], list[str]] | None = None
    # Optional inputs (data_access.availability) among its sources the view can do without
    # (its frame then lacks their columns); every other one it reads, it needs.
    optional: tuple[str, ...] = ()
    # Inputs needed only with some settings (a metric read from cases): settings -> inputs.
    needs_with: Callable[[Mapping[str, str]], tuple[str, ...]] | None = None

    @property
    def needs(self) -> tuple[str, ...]:
        """The optional inputs without which the view has nothing to show: a page draws one
        line naming the first one the warehouse does not map instead of the view."""
        return tuple(i for i in availability.inputs_of(self.sources) if i not in self.optional)

    def needs_for(self, params: Mapping[str, str]) -> tuple[str, ...]:
        """``needs`` and the inputs these settings need."""
        extra = self.needs_with(params) if self.needs_with is not None else ()
        return tuple(dict.fromkeys((*self.needs, *extra)))

    @property
    def name(self) -> str:
        return f"{page_info(self.page).title} · {self.title}"

    @property
    def url_path(self) -> str:
        return page_info(self.page).url_path

    def native_for(self, params: Mapping[str, str]) -> Native | None:
        return self.native(params) if callable(self.native) else self.native

    def drill_for(self, params: Mapping[str, str]) -> Drill | None:
        return self.drill(params) if callable(self.drill) else self.drill

    def note_for(self, df: pd.DataFrame, params: Mapping[str, str]) -> str:
        return self.note(df, params) if callable(self.note) else self.note

    def param(self, key: str) -> Param:
        return next(p for p in self.params if p.key == key)


class NotMapped(ValueError):
    """The view needs an optional input the warehouse does not map (the message names it
    and its docs)."""


def money_columns(df: pd.DataFrame) -> tuple[str, ...]:
    """Money columns are named ``*_eur``: one rule formats them and hides them."""
    return tuple(c for c in df.columns if COLUMNS.is_money(str(c).lower()))


# -- running a view --------------------------------------------------------------------------


def resolve_params(view: View, raw: Mapping[str, object] | None) -> dict[str, str]:
    """The view's settings with defaults filled in; unknown keys or values raise ValueError
    (with a message that names the allowed values, not echoing long input)."""
    raw = dict(raw or {})
    keys = [p.key for p in view.params]
    unknown = sorted(k for k in raw if k not in keys)
    if unknown:
        allowed = ", ".join(keys) or "none"
        raise ValueError(
            f"view {view.id!r} has no setting {_short(unknown[0])!r} (settings: {allowed})"
        )
    out = {}
    for p in view.params:
        value = raw.get(p.key, p.initial)
        value = str(value).strip() if not isinstance(value, list) else str(value[-1]).strip()
        if p.pattern and not p.accepts(value):
            raise ValueError(f"{p.key} of view {view.id!r} must be a valid {p.called}")
        if not p.accepts(value):
            raise ValueError(
                f"{p.key} of view {view.id!r} must be one of {_allowed_text(p.choices)}; "
                f"got {_short(value)!r}"
            )
        out[p.key] = value
    return out


def safe_params(view: View, raw: Mapping[str, object] | None) -> dict[str, str]:
    """Like ``resolve_params`` but an unusable value falls back to its default (widgets)."""
    raw = dict(raw or {})
    out = {}
    for p in view.params:
        value = raw.get(p.key)
        out[p.key] = str(value) if value is not None and p.accepts(value) else p.initial
    return out


def _short(text: object, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _allowed_text(allowed: tuple[str, ...]) -> str:
    if len(allowed) > 8:
        return f"{allowed[0]}..{allowed[-1]}"
    return ", ".join(allowed)


def frame(
    view: View,
    scope: Scope,
    filters: Filters,
    url: str | None = None,
    params: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The data behind the view for this viewer: what the page shows and exports, and what
    the deck and the CLI draw (money and personal columns dropped without the right).
    ``NotMapped`` when the view needs an input the warehouse does not map."""
    from data_access.loaders.availability import load_not_mapped

    p = resolve_params(view, params)
    needs = view.needs_for(p)
    lacking = [i for i in needs if i in load_not_mapped(url=url)] if needs else []
    if lacking:
        raise NotMapped(f"view {view.id!r}: {availability.message(lacking[0])}")
    df = view.data(scope, filters, url, p)
    attrs = dict(df.attrs)
    df = base.strip_hidden(df, scope)
    df.attrs.update(attrs)
    return df


def figure(
    view: View,
    df: pd.DataFrame,
    *,
    subtitle: str,
    events: pd.DataFrame | None = None,
    params: Mapping[str, str] | None = None,
    interactive: bool = False,
):
    ctx = FigureContext(subtitle=subtitle, events=events, interactive=interactive)
    return view.figure(df, ctx, resolve_params(view, params))


def is_empty(df: pd.DataFrame | None) -> bool:
    """Nothing to draw: no rows, or every number in the frame is zero or missing."""
    if df is None or df.empty:
        return True
    numbers = df.select_dtypes("number")
    if numbers.empty:
        return False
    return bool((numbers.fillna(0) == 0).all().all())


def native_data(native: Native, df: pd.DataFrame) -> tuple[list[str], list[tuple[str, list]]]:
    """Categories (as text) and (series name, values) for a native chart; NaN -> None."""
    if df is None or df.empty or native.category not in df.columns:
        return [], []
    if native.pivot:
        col, value = native.pivot
        data = df.dropna(subset=[native.category])
        table = data.pivot_table(
            index=native.category, columns=col, values=value, aggfunc="sum", observed=True
        )
        table = table.reindex(_category_order(data[native.category]))
        if native.stacked:  # a stack's missing part is nothing, not unknown
            table = table.fillna(0.0)
        series = [(str(c), table[c].tolist()) for c in table.columns]
        categories = list(table.index)
    else:
        data = df.dropna(subset=[native.category])
        categories = list(data[native.category])
        series = [(name, data[c].tolist()) for c, name in native.series if c in data.columns]
    cats = [_category_text(c) for c in categories]
    clean = [(name, [None if pd.isna(v) else float(v) for v in values]) for name, values in series]
    return cats, clean


def _category_order(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna())
        return [c for c in s.cat.categories if c in present]
    if pd.api.types.is_datetime64_any_dtype(s):
        return sorted(s.dropna().unique())
    return list(dict.fromkeys(s.dropna()))


def _category_text(value) -> str:
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


@dataclass
class Registry:
    """Every view by id, in page order (what the deck builder lists)."""

    views: dict[str, View] = field(default_factory=dict)

    def add(self, *views: View) -> None:
        for v in views:
            if v.id in self.views:
                raise ValueError(f"view {v.id!r} declared twice")
            self.views[v.id] = v

    def get(self, view_id: str) -> View:
        try:
            return self.views[view_id]
        except KeyError:
            known = ", ".join(sorted(self.views))
            raise KeyError(f"unknown view {_short(view_id)!r}; known views: {known}") from None
