"""The view registry: every chart a deck can hold, rebuildable without a browser or Streamlit.

A ``View`` says which page a chart lives on, how to get its data (the loaders' own logic,
called uncached: ``loader.__wrapped__`` runs the query through ``run`` and the same
post-processing the page sees, plus the page's analytics), how to draw it (the chart
builder), how PowerPoint can draw it natively (``Native``: chart type, category column and
series), the headline sentence for its slide, the metrics its footnote defines, and the
warehouse tables it reads. Page-only settings (``trends_grain``, ``funnel_measure``, ...) are
allow-listed here under the page's own URL keys, so a link, a deck spec and a saved view
all say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from analytics import format as fmt
from analytics.anomalies import DEFAULT_THRESHOLD, weekly_anomalies
from analytics.cases import period_breach_rate, sla_breach_rates
from analytics.enforcement import weekly_money, with_rates
from analytics.forecast import MAX_HORIZON, MIN_HORIZON, forecast_series, horizon_total
from analytics.funnel import (
    MEASURES,
    detector_table,
    recall_table,
    sankey_flows,
    weekly_precision,
)
from analytics.trends import add_shares, heatmap_frame, market_order, overlay_frame
from charts import cases as cc
from charts import enforcement as ce
from charts import exposure as cx
from charts import funnel as cf
from charts import overview as co
from charts import trends as ct
from charts.anomalies import anomaly_chart
from data_access.filters import Filters
from data_access.loaders import base
from data_access.loaders import cases as lc
from data_access.loaders import enforcement as le
from data_access.loaders import exposure as lx
from data_access.loaders import funnel as lf
from data_access.loaders import overview as lo
from data_access.loaders import trends as lt
from data_access.scope import Scope

MONEY_FORMAT = '"€"#,##0'
COUNT_FORMAT = "#,##0"
PCT_FORMAT = "0.0%"
NATIVE_KINDS = ("line", "bar", "column", "area", "pie")
FAN_ORIGINS = 12  # backtest origins of the exposure forecast, as on the Exposure page

# Page slug (for file names) -> (title in the navigation, url_path in app.py).
PAGES = {
    "overview": ("Overview", ""),
    "trends": ("Fraud trends", "trends"),
    "funnel": ("Funnel", "funnel"),
    "enforcement": ("Enforcement", "enforcement"),
    "cases": ("Cases & escalations", "cases"),
    "exposure": ("Exposure", "exposure"),
}

# The Fraud trends page's metric words (what its URL says) -> metric keys.
TREND_METRIC_WORDS = {
    "detected streams": "detected_streams",
    "confirmed streams": "confirmed_streams",
    "detected share": "detected_share",
    "confirmed share": "confirmed_share",
}
_TREND_LABELS = {
    "detected_streams": "Detected artificial streams",
    "confirmed_streams": "Confirmed artificial streams",
    "detected_share": "Detected artificial share",
    "confirmed_share": "Confirmed artificial share",
}


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


DataFn = Callable[[Scope, Filters, str, Mapping[str, str]], pd.DataFrame]
FigureFn = Callable[[pd.DataFrame, FigureContext, Mapping[str, str]], object]


@dataclass(frozen=True)
class View:
    id: str
    page: str  # page slug (file names); PAGES gives its title and url_path
    title: str
    data: DataFn
    figure: FigureFn
    headline: Callable[[pd.DataFrame], str]
    metrics: tuple[str, ...]
    sources: tuple[str, ...]
    native: Native | Callable[[Mapping[str, str]], Native | None] | None = None
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # first = default
    money: tuple[str, ...] = ()  # money columns (XLSX format; dropped for viewers without)
    percent: tuple[str, ...] = ()
    needs_money: bool = False  # the chart itself is money: hidden from viewers without

    @property
    def name(self) -> str:
        return f"{PAGES[self.page][0]} · {self.title}"

    @property
    def url_path(self) -> str:
        return PAGES[self.page][1]

    def native_for(self, params: Mapping[str, str]) -> Native | None:
        return self.native(params) if callable(self.native) else self.native


# -- running a view --------------------------------------------------------------------------


def uncached(loader: Callable) -> Callable:
    """The loader's own function without Streamlit's cache (``@cached`` keeps it as
    ``__wrapped__``): same query, same post-processing, no runtime needed."""
    return getattr(loader, "__wrapped__", loader)


def get(view_id: str) -> View:
    try:
        return REGISTRY[view_id]
    except KeyError:
        raise KeyError(
            f"unknown view {view_id!r}; known views: {', '.join(sorted(REGISTRY))}"
        ) from None


def resolve_params(view: View, raw: Mapping[str, object] | None) -> dict[str, str]:
    """The view's page settings with defaults filled in; unknown keys or values raise
    ValueError (with a message that names the allowed values, not echoing long input)."""
    raw = dict(raw or {})
    unknown = sorted(k for k in raw if k not in view.params)
    if unknown:
        allowed = ", ".join(view.params) or "none"
        raise ValueError(
            f"view {view.id!r} has no setting {_short(unknown[0])!r} (settings: {allowed})"
        )
    out = {}
    for key, allowed in view.params.items():
        value = raw.get(key, allowed[0])
        value = str(value).strip() if not isinstance(value, list) else str(value[-1]).strip()
        if value not in allowed:
            raise ValueError(
                f"{key} of view {view.id!r} must be one of {_allowed_text(allowed)}; "
                f"got {_short(value)!r}"
            )
        out[key] = value
    return out


def _short(text: object, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _allowed_text(allowed: tuple[str, ...]) -> str:
    if len(allowed) > 8:
        return f"{allowed[0]}..{allowed[-1]}"
    return ", ".join(allowed)


def frame(
    view: View, scope: Scope, filters: Filters, url: str, params: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The data behind the view for this viewer (money columns dropped without the right)."""
    p = resolve_params(view, params)
    df = view.data(scope, filters, url, p)
    attrs = dict(df.attrs)
    # What the cached loaders hide from this viewer (money, personal data), hidden here too.
    strip = getattr(base, "strip_hidden", None)
    if strip is not None:
        df = strip(df, scope)
    if not scope.money:
        df = df.drop(columns=[c for c in view.money if c in df.columns])
    df.attrs.update(attrs)
    return df


def figure(
    view: View,
    df: pd.DataFrame,
    *,
    subtitle: str,
    events: pd.DataFrame | None = None,
    params: Mapping[str, str] | None = None,
):
    return view.figure(
        df, FigureContext(subtitle=subtitle, events=events), resolve_params(view, params)
    )


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


# -- headline helpers -------------------------------------------------------------------------


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def _plural(n, noun: str) -> str:
    return f"{fmt.compact(n)} {noun}{'' if _num(n) == 1 else 's'}"


def _valid(x) -> bool:
    return not pd.isna(_num(x))


def _change_words(cur: float, prev: float, *, pct_points: bool, days: int | None) -> str:
    """'rose to 7.4% (+1.9 pp vs the previous 91 days)' and friends."""
    if not _valid(prev) or not _valid(cur):
        return ""
    against = f"the previous {days} days" if days else "the previous period"
    if pct_points:
        diff = (cur - prev) * 100
        return f" ({diff:+.1f} pp vs {against})"
    if prev == 0:
        return ""
    return f" ({(cur - prev) / abs(prev) * 100:+.1f}% vs {against})"


def _verb(cur: float, prev: float) -> str:
    if not _valid(prev) or not _valid(cur) or cur == prev:
        return "was"
    return "rose to" if cur > prev else "fell to"


def _leader(df: pd.DataFrame, cat: str, value: str, what: str, show: Callable) -> str:
    if df is None or df.empty or value not in df or df[value].dropna().empty:
        return f"No {what} in this selection"
    d = df.dropna(subset=[value])
    top = d.loc[d[value].idxmax()]
    total = float(d[value].sum())
    share = float(top[value]) / total if total else float("nan")
    tail = f" ({fmt.pct(share)} of those shown)" if _valid(share) and len(d) > 1 else ""
    return f"{top[cat]} leads {what}: {show(top[value])}{tail}"


def _latest(df: pd.DataFrame, x: str, y: str, label: str, show: Callable, *, pp: bool) -> str:
    d = df.dropna(subset=[y]).sort_values(x) if df is not None and y in df else pd.DataFrame()
    if d.empty:
        return f"No {label.lower()} in this selection"
    last = d.iloc[-1]
    when = f"in the week of {pd.Timestamp(last[x]):%d %b %Y}"
    if len(d) < 2:
        return f"{label}: {show(last[y])} {when}"
    prev = float(d.iloc[-2][y])
    cur = float(last[y])
    if pp:
        change = f" ({(cur - prev) * 100:+.1f} pp on the week before)"
    else:
        change = f" ({(cur - prev) / abs(prev) * 100:+.1f}% on the week before)" if prev else ""
    return f"{label}: {show(cur)} {when}{change}"


# -- Overview ---------------------------------------------------------------------------------


def _overview_trend_data(scope, f, url, p):
    df = uncached(lo.load_weekly_trend)(scope, f, url=url)
    kpis = add_shares(uncached(lt.load_trend_kpis)(scope, f, url=url))
    df.attrs.update(
        share=float(kpis.loc["current", "detected_share"]),
        previous_share=float(kpis.loc["previous", "detected_share"]),
        days=f.days,
        comparable=bool(kpis.loc["previous", "streams"] > 0),
    )
    return df


def _overview_trend_headline(df):
    cur, prev = df.attrs.get("share", float("nan")), df.attrs.get("previous_share", float("nan"))
    if not df.attrs.get("comparable", False):
        prev = float("nan")
    if not _valid(cur):
        return "No streams in this selection"
    change = _change_words(cur, prev, pct_points=True, days=df.attrs.get("days"))
    return f"Detected artificial share {_verb(cur, prev)} {fmt.pct(cur)}{change}"


def _top_view(by: str) -> View:
    heading = "Top markets" if by == "market" else "Top labels"
    text = f"{heading} by money at risk"
    select = "iso2" if by == "market" else by

    def data(scope, f, url, p):
        return uncached(lo.load_top_exposure)(scope, f, by, url=url)

    def figure_(df, ctx, p):
        return co.top_bar_chart(
            df,
            category=by,
            value="exposure_eur",
            text=text,
            value_title="Exposure (EUR)",
            subtitle=ctx.subtitle,
            select_field=select if select in df.columns else None,
        )

    def headline(df):
        return _leader(df, by, "exposure_eur", f"{by}s by money at risk", fmt.eur)

    return View(
        id=f"overview.top_{by}s",
        page="overview",
        title=text,
        data=data,
        figure=figure_,
        headline=headline,
        metrics=("exposure_eur",),
        sources=("mart_daily_fraud", "mart_daily_enforcement", f"dim_{by}"),
        native=Native(
            "bar", by, series=(("exposure_eur", "Exposure (EUR)"),), number_format=MONEY_FORMAT
        ),
        money=("at_risk_eur", "fees_outstanding_eur", "exposure_eur"),
        needs_money=True,
    )


# -- Fraud trends -----------------------------------------------------------------------------

_TREND_PARAMS = {
    "trends_grain": ("week", "day", "month"),
    "trends_split": lt.SPLITS,
    "trends_metric": tuple(TREND_METRIC_WORDS),
    "trends_top": ("6", *(str(n) for n in range(lt.MIN_TOP, lt.MAX_TOP + 1) if n != 6)),
}


def _trend_metric(p) -> str:
    return TREND_METRIC_WORDS[p.get("trends_metric", "detected streams")]


def _trends_main_data(scope, f, url, p):
    metric = _trend_metric(p)
    df = add_shares(
        uncached(lt.load_trend)(
            scope, f, p["trends_grain"], p["trends_split"], metric, int(p["trends_top"]), url=url
        )
    )
    df.attrs.update(metric=metric, grain=p["trends_grain"], split=p["trends_split"])
    return df


def _trends_main_figure(df, ctx, p):
    return ct.trend_chart(
        df,
        metric=_trend_metric(p),
        grain=p["trends_grain"],
        split=p["trends_split"],
        events=ctx.events,
        subtitle=ctx.subtitle,
    )


def _trends_main_native(p) -> Native:
    metric = _trend_metric(p)
    return Native(
        "line",
        "period",
        pivot=("series", metric),
        number_format=PCT_FORMAT if metric.endswith("_share") else COUNT_FORMAT,
    )


def _trends_main_headline(df):
    metric = df.attrs.get("metric", "detected_streams")
    label = _TREND_LABELS.get(metric, metric)
    share = metric.endswith("_share")
    show = fmt.pct if share else fmt.compact
    if df.empty or metric not in df:
        return f"No {label.lower()} in this selection"
    if df.attrs.get("split", "none") == "none":
        grain = df.attrs.get("grain", "week")
        d = df.dropna(subset=[metric]).sort_values("period")
        if d.empty:
            return f"No {label.lower()} in this selection"
        cur = float(d[metric].iloc[-1])
        prev = float(d[metric].iloc[-2]) if len(d) > 1 else float("nan")
        when = f"the {grain} of {d['period'].iloc[-1]:%d %b %Y}"
        change = ""
        if _valid(prev):
            change = (
                f" ({(cur - prev) * 100:+.1f} pp on the {grain} before)"
                if share
                else (
                    f" ({(cur - prev) / abs(prev) * 100:+.1f}% on the {grain} before)"
                    if prev
                    else ""
                )
            )
        return f"{label}: {show(cur)} in {when}{change}"
    totals = df.groupby("series")[metric].mean() if share else df.groupby("series")[metric].sum()
    totals = totals.drop(lt.OTHER, errors="ignore").dropna()
    if totals.empty:
        return f"No {label.lower()} in this selection"
    top = totals.idxmax()
    how = "averages" if share else "totals"
    return f"{top} leads {label.lower()} by {df.attrs.get('split')}: {how} {show(totals.max())}"


def _trends_overlay_data(scope, f, url, p):
    metric = _trend_metric(p)
    grain = p["trends_grain"]
    load = uncached(lt.load_trend)
    current = add_shares(load(scope, f, grain, "none", metric, 6, url=url))
    previous = load(scope, f.previous(), grain, "none", metric, 6, url=url)
    df = overlay_frame(current, previous, metric=metric, days=f.days)
    df.attrs.update(metric=metric, days=f.days)
    return df


def _trends_overlay_headline(df):
    metric = df.attrs.get("metric", "detected_streams")
    label = _TREND_LABELS.get(metric, metric)
    if df.empty:
        return f"No {label.lower()} in this selection"
    share = metric.endswith("_share")
    agg = df.groupby("series")["value"].mean() if share else df.groupby("series")["value"].sum()
    cur = float(agg.get("Current period", float("nan")))
    prev = float(agg.get("Previous period", float("nan")))
    show = fmt.pct if share else fmt.compact
    what = f"{label} (weekly average)" if share else label
    return f"{what} {_verb(cur, prev)} {show(cur)}" + _change_words(
        cur, prev, pct_points=share, days=df.attrs.get("days")
    )


def _trends_heatmap_data(scope, f, url, p):
    return heatmap_frame(uncached(lt.load_market_week)(scope, f, 20, url=url))


def _trends_heatmap_figure(df, ctx, p):
    return ct.heatmap_chart(df, order=market_order(df), events=ctx.events, subtitle=ctx.subtitle)


def _trends_heatmap_headline(df):
    if df.empty or df["detected_share"].dropna().empty:
        return "No detected artificial streams in this selection"
    top = df.loc[df["detected_share"].idxmax()]
    return (
        f"Highest detected artificial share: {top['market']} in the week of "
        f"{pd.Timestamp(top['week']):%d %b %Y} ({fmt.pct(top['detected_share'])})"
    )


# -- Funnel -----------------------------------------------------------------------------------


def _funnel_sankey_data(scope, f, url, p):
    stages = uncached(lf.load_funnel_stages)(scope, f, url=url)
    flows = sankey_flows(stages, p["funnel_measure"])
    counts = dict(zip(stages["stage"], stages["count"], strict=True))
    flows.attrs.update(
        measure=p["funnel_measure"], **{f"n_{k}": float(v) for k, v in counts.items()}
    )
    return flows


def _funnel_sankey_headline(df):
    n, c, e = (df.attrs.get(f"n_{s}", 0.0) for s in ("detected", "confirmed", "enforced"))
    if not n:
        return "No detections in this selection"
    return (
        f"Of {fmt.compact(n)} detections, {fmt.compact(c)} were confirmed ({fmt.pct(c / n)}) "
        f"and {fmt.compact(e)} enforced ({fmt.pct(e / n)})"
    )


def _precision_data(scope, f, url, p):
    return detector_table(uncached(lf.load_detector_performance)(scope, f, url=url))


def _precision_headline(df):
    d = df.dropna(subset=["precision"]) if "precision" in df else df
    if d.empty:
        return "No reviewed detections in this selection"
    best, worst = d.loc[d["precision"].idxmax()], d.loc[d["precision"].idxmin()]
    text = (
        f"{best['detector']} is the most precise detector ({fmt.pct(best['precision'])} confirmed)"
    )
    if len(d) > 1:
        text += f"; {worst['detector']} the least ({fmt.pct(worst['precision'])})"
    return text


def _weekly_precision_data(scope, f, url, p):
    return weekly_precision(uncached(lf.load_weekly_precision)(scope, f, url=url))


def _weekly_precision_headline(df):
    d = df.dropna(subset=["precision"]) if "precision" in df else df
    if d.empty:
        return "No reviewed detections in this selection"
    overall = d["confirmed"].sum() / d["reviewed"].sum() if d["reviewed"].sum() else float("nan")
    last = d[d["week"] == d["week"].max()]
    lo_, hi_ = last["precision"].min(), last["precision"].max()
    return (
        f"Precision over the period {fmt.pct(overall)}; in the week of "
        f"{pd.Timestamp(d['week'].max()):%d %b %Y} detectors ranged {fmt.pct(lo_)}–{fmt.pct(hi_)}"
    )


def _recall_data(scope, f, url, p):
    overall, df = recall_table(uncached(lf.load_recall)(scope, f, "typology", url=url))
    df = df.reset_index(drop=True)
    df.attrs = {"overall": overall}
    return df


def _recall_headline(df):
    overall = df.attrs.get("overall", float("nan"))
    if not _valid(overall):
        return "Recall cannot be estimated for this selection"
    text = f"Detectors caught an estimated {fmt.pct(overall)} of artificial streams"
    d = df.dropna(subset=["contribution"]) if "contribution" in df else df
    if not d.empty:
        top = d.loc[d["contribution"].idxmax()]
        text += f"; {top['typology']} contributed {top['contribution'] * 100:.1f} pp"
    return text


# -- Enforcement ------------------------------------------------------------------------------


def _weekly_enforcement_data(scope, f, url, p):
    return uncached(le.load_weekly_enforcement)(scope, f, url=url)


def _weekly_actions_headline(df):
    if df.empty or df["actions"].sum() == 0:
        return "No enforcement actions in this selection"
    by = df.groupby("enforcement_type")["actions"].sum()
    total = float(by.sum())
    return (
        f"{fmt.compact(total)} enforcement actions in the period; {by.idxmax()} most common "
        f"({fmt.pct(by.max() / total)})"
    )


def _money_data(scope, f, url, p):
    return weekly_money(uncached(le.load_weekly_enforcement)(scope, f, url=url))


def _money_headline(df):
    if df.empty or df["value_eur"].abs().sum() == 0:
        return "No enforcement money in this selection"
    by = df.groupby("series")["value_eur"].sum()
    return (
        f"{fmt.eur(by.get('Royalties withheld', 0))} royalties withheld and "
        f"{fmt.eur(by.get('Fees levied', 0))} fees levied; "
        f"{fmt.eur(by.get('Reversed after appeal', 0))} reversed after appeal"
    )


def _by_type_data(scope, f, url, p):
    return uncached(le.load_enforcement_by_type)(scope, f, url=url)


def _by_type_headline(df):
    if df.empty or df["actions"].sum() == 0:
        return "No enforcement actions in this selection"
    top = df.loc[df["actions"].idxmax()]
    total = float(df["actions"].sum())
    return (
        f"{top['enforcement_type']} made up {fmt.pct(top['actions'] / total)} of "
        f"{fmt.compact(total)} enforcement actions"
    )


def _offenders_data(scope, f, url, p):
    by = p["enforcement_by"]
    df = with_rates(uncached(le.load_repeat_offenders)(scope, f, by, url=url))
    df.attrs.update(by=by)
    return df


def _offenders_figure(df, ctx, p):
    return ce.offenders_chart(df, by=p["enforcement_by"], subtitle=ctx.subtitle)


def _offenders_native(p) -> Native:
    by = p.get("enforcement_by", "label")
    return Native("bar", by, series=(("confirmed_detections", "Confirmed detections"),))


def _offenders_headline(df):
    by = df.attrs.get("by", "label")
    if df.empty or by not in df or df["confirmed_detections"].sum() == 0:
        return f"No {by} with confirmed fraud in this selection"
    top = df.loc[df["confirmed_detections"].idxmax()]
    return (
        f"{top[by]} leads repeat offenders: {fmt.compact(top['confirmed_detections'])} "
        f"confirmed detections, actions in {_plural(top['action_weeks'], 'week')}"
    )


# -- Cases ------------------------------------------------------------------------------------


def _backlog_data(scope, f, url, p):
    return uncached(lc.load_case_backlog)(scope, f, url=url)


def _backlog_age_headline(df):
    if df.empty or df["cases"].sum() == 0:
        return "No case open at the end of the period"
    total = float(df["cases"].sum())
    old = float(df[df["age_bucket"].astype(str).isin(["7–30 d", ">30 d"])]["cases"].sum())
    return (
        f"{fmt.compact(total)} cases open at the period end; {fmt.compact(old)} older than 7 days"
    )


def _backlog_team_headline(df):
    if df.empty or df["cases"].sum() == 0:
        return "No case open at the end of the period"
    by = df.groupby("owner_team")["cases"].sum()
    return (
        f"{by.idxmax()} owns the most open cases: {fmt.compact(by.max())} of "
        f"{fmt.compact(by.sum())}"
    )


def _sla_data(scope, f, url, p):
    return sla_breach_rates(uncached(lc.load_case_sla_weekly)(scope, f, url=url))


def _sla_headline(df):
    rate = period_breach_rate(df)
    if not _valid(rate):
        return "No case was opened in this period"
    d = df.dropna(subset=["sla_breach_rate"])
    worst = d.loc[d["sla_breach_rate"].idxmax()]
    return (
        f"{fmt.pct(rate)} of cases opened breached an SLA; worst week "
        f"{pd.Timestamp(worst['week']):%d %b %Y} at {fmt.pct(worst['sla_breach_rate'])}"
    )


def _escalation_data(scope, f, url, p):
    return uncached(lc.load_escalation_flows)(scope, f, url=url)


def _escalation_headline(df):
    if df.empty or df["handoffs"].sum() == 0:
        return "No hand-off between teams in this selection"
    top = df.loc[df["handoffs"].idxmax()]
    return (
        f"{_plural(df['handoffs'].sum(), 'hand-off')} between teams; most from "
        f"{top['from_team']} to {top['to_team']} ({fmt.compact(top['handoffs'])})"
    )


# -- Exposure ---------------------------------------------------------------------------------

_HORIZONS = ("13", *(str(h) for h in range(MIN_HORIZON, MAX_HORIZON + 1) if h != 13))
_THRESHOLDS = tuple(
    dict.fromkeys([str(DEFAULT_THRESHOLD), *(f"{x / 2:.1f}" for x in range(4, 13))])
)


def _fan_data(scope, f, url, p):
    weekly = uncached(lx.load_weekly_exposure)(scope, f, url=url)
    horizon = int(p["exposure_horizon"])
    series = (
        weekly.set_index("week")["exposure_eur"] if not weekly.empty else pd.Series(dtype=float)
    )
    result = forecast_series(series, horizon=horizon, origins=FAN_ORIGINS, name="deck exposure")
    hist = result.history.rename(columns={"value": "actual_eur"})
    fc = result.forecast.drop(columns=["step"]).rename(
        columns={c: f"{c}_eur" for c in ("mean", "lo80", "hi80", "lo95", "hi95")}
    )
    df = pd.concat([hist, fc], ignore_index=True)
    df.attrs.update(
        model=result.chosen_label,
        horizon=horizon,
        total=horizon_total(result.forecast),
        recent=float(weekly["exposure_eur"].tail(horizon).sum()) if not weekly.empty else 0.0,
    )
    return df


def _fan_figure(df, ctx, p):
    hist = df[["week", "actual_eur"]].rename(columns={"actual_eur": "value"})
    hist = hist.dropna(subset=["value"])
    cols = {f"{c}_eur": c for c in ("mean", "lo80", "hi80", "lo95", "hi95")}
    fc = df[["week", *cols]].rename(columns=cols) if set(cols) <= set(df.columns) else None
    return cx.fan_chart(
        hist, fc, model=df.attrs.get("model", ""), subtitle=ctx.subtitle, events=ctx.events
    )


def _fan_headline(df):
    h = df.attrs.get("horizon", 13)
    total, recent = df.attrs.get("total", float("nan")), df.attrs.get("recent", float("nan"))
    if not _valid(total):
        return "No exposure to forecast in this selection"
    change = ""
    if _valid(recent) and recent:
        change = f" ({(total - recent) / abs(recent) * 100:+.1f}% vs the last {h} weeks)"
    return f"Forecast exposure for the next {h} weeks: {fmt.eur(total)}{change}"


def _parts_data(scope, f, url, p):
    weekly = uncached(lx.load_weekly_exposure)(scope, f, url=url)
    first = pd.Timestamp(f.start) - pd.Timedelta(days=6)
    return weekly[weekly["week"] >= first].reset_index(drop=True)


def _parts_headline(df):
    if df.empty or df["exposure_eur"].sum() == 0:
        return "No exposure in this selection"
    total = float(df["exposure_eur"].sum())
    fees = float(df["fees_outstanding_eur"].sum())
    return (
        f"Exposure over the period: {fmt.eur(total)}, of which {fmt.pct(1 - fees / total)} "
        f"royalties at risk and {fmt.pct(fees / total)} fees not yet recovered"
    )


def _anomaly_data(scope, f, url, p):
    weekly = uncached(lx.load_weekly_exposure)(scope, f, url=url)
    series = weekly.set_index("week")["exposure_eur"] if not weekly.empty else None
    df = weekly_anomalies(series, threshold=float(p["exposure_z"]))
    df.attrs.update(threshold=float(p["exposure_z"]))
    return df


def _anomaly_figure(df, ctx, p):
    return anomaly_chart(
        df, subtitle=f"{ctx.subtitle} · threshold {float(p['exposure_z']):.1f}", events=ctx.events
    )


def _anomaly_headline(df):
    z = df.attrs.get("threshold", DEFAULT_THRESHOLD)
    if df.empty:
        return "No weekly exposure in this selection"
    flagged = df[df["flagged"].fillna(False).astype(bool)]
    if flagged.empty:
        return f"No anomalous week at a threshold of {z:.1f}"
    top = flagged.loc[flagged["score"].abs().idxmax()]
    return (
        f"{len(flagged)} anomalous week(s) at a threshold of {z:.1f}; the strongest, "
        f"{pd.Timestamp(top['week']):%d %b %Y}, scored {top['score']:.1f}"
    )


# -- the registry -----------------------------------------------------------------------------

_VIEWS = (
    View(
        id="overview.trend",
        page="overview",
        title="Detected vs confirmed artificial streams per week",
        data=_overview_trend_data,
        figure=lambda df, ctx, p: co.weekly_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_overview_trend_headline,
        metrics=("detected_streams", "confirmed_streams", "detected_share"),
        sources=("mart_daily_fraud",),
        native=Native(
            "line",
            "week",
            series=(("detected_streams", "Detected (flagged)"), ("confirmed_streams", "Confirmed")),
        ),
    ),
    _top_view("market"),
    _top_view("label"),
    View(
        id="trends.main",
        page="trends",
        title="Fraud trend (split, per period bucket)",
        data=_trends_main_data,
        figure=_trends_main_figure,
        headline=_trends_main_headline,
        metrics=("streams", "detected_streams", "confirmed_streams", "detected_share"),
        sources=("mart_daily_fraud", "dim_market", "dim_label", "dim_distributor"),
        native=_trends_main_native,
        params=_TREND_PARAMS,
        percent=lt.SHARES,
    ),
    View(
        id="trends.vs_previous",
        page="trends",
        title="This period vs the previous one",
        data=_trends_overlay_data,
        figure=lambda df, ctx, p: ct.overlay_chart(
            df,
            metric=_trend_metric(p),
            grain=p["trends_grain"],
            events=ctx.events,
            subtitle=ctx.subtitle,
        ),
        headline=_trends_overlay_headline,
        metrics=("detected_streams", "confirmed_streams", "detected_share", "confirmed_share"),
        sources=("mart_daily_fraud",),
        native=lambda p: Native(
            "line",
            "period",
            pivot=("series", "value"),
            number_format=PCT_FORMAT if _trend_metric(p).endswith("_share") else COUNT_FORMAT,
        ),
        params={k: _TREND_PARAMS[k] for k in ("trends_grain", "trends_metric")},
    ),
    View(
        id="trends.heatmap",
        page="trends",
        title="Detected artificial share by market and week",
        data=_trends_heatmap_data,
        figure=_trends_heatmap_figure,
        headline=_trends_heatmap_headline,
        metrics=("detected_share", "streams", "detected_streams"),
        sources=("mart_daily_fraud", "dim_market"),
        percent=lt.SHARES,
    ),
    View(
        id="funnel.sankey",
        page="funnel",
        title="Detection → validation → enforcement funnel",
        data=_funnel_sankey_data,
        figure=lambda df, ctx, p: cf.funnel_sankey_chart(
            df, measure=p["funnel_measure"], subtitle=ctx.subtitle
        ),
        headline=_funnel_sankey_headline,
        metrics=("detections", "funnel_stage", "stage_conversion"),
        sources=("mart_daily_detection",),
        params={"funnel_measure": tuple(MEASURES)},
    ),
    View(
        id="funnel.detector_precision",
        page="funnel",
        title="Precision by detector",
        data=_precision_data,
        figure=lambda df, ctx, p: cf.detector_precision_chart(df, subtitle=ctx.subtitle),
        headline=_precision_headline,
        metrics=("detector_precision", "detections", "false_positives"),
        sources=("mart_daily_detection", "fact_detection", "fact_review", "dim_detector"),
        native=Native(
            "bar", "detector", series=(("precision", "Precision"),), number_format=PCT_FORMAT
        ),
        percent=("precision",),
    ),
    View(
        id="funnel.precision_trend",
        page="funnel",
        title="Weekly precision by detector",
        data=_weekly_precision_data,
        figure=lambda df, ctx, p: cf.precision_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_weekly_precision_headline,
        metrics=("detector_precision",),
        sources=("mart_daily_detection", "dim_detector"),
        native=Native("line", "week", pivot=("detector", "precision"), number_format=PCT_FORMAT),
        percent=("precision",),
    ),
    View(
        id="funnel.recall_typology",
        page="funnel",
        title="Contribution to recall by typology",
        data=_recall_data,
        figure=lambda df, ctx, p: cf.recall_contribution_chart(
            df, by="typology", overall=df.attrs.get("overall"), subtitle=ctx.subtitle
        ),
        headline=_recall_headline,
        metrics=("recall", "recall_contribution"),
        sources=("mart_daily_fraud", "mart_daily_detection", "dim_typology"),
        native=Native(
            "bar",
            "typology",
            series=(("contribution", "Contribution to recall"),),
            number_format=PCT_FORMAT,
        ),
        percent=("contribution",),
    ),
    View(
        id="enforcement.weekly_actions",
        page="enforcement",
        title="Enforcement actions per week, by type",
        data=_weekly_enforcement_data,
        figure=lambda df, ctx, p: ce.actions_by_type_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_weekly_actions_headline,
        metrics=("actions_applied",),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("column", "week", pivot=("enforcement_type", "actions"), stacked=True),
        money=("amount_eur", "recovered_eur", "reversed_eur"),
    ),
    View(
        id="enforcement.money",
        page="enforcement",
        title="Money withheld, fees and reversals per week (EUR)",
        data=_money_data,
        figure=lambda df, ctx, p: ce.money_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_money_headline,
        metrics=("withheld_eur", "fees_levied_eur", "fees_recovered_eur", "reversed_eur"),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("line", "week", pivot=("series", "value_eur"), number_format=MONEY_FORMAT),
        money=("value_eur",),
        needs_money=True,
    ),
    View(
        id="enforcement.by_type",
        page="enforcement",
        title="Enforcement actions by type",
        data=_by_type_data,
        figure=lambda df, ctx, p: ce.actions_share_chart(df, subtitle=ctx.subtitle),
        headline=_by_type_headline,
        metrics=("actions_applied", "streams_removed"),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("pie", "enforcement_type", series=(("actions", "Actions"),)),
        money=("amount_eur", "recovered_eur", "reversed_eur"),
    ),
    View(
        id="enforcement.offenders",
        page="enforcement",
        title="Repeat offenders",
        data=_offenders_data,
        figure=_offenders_figure,
        headline=_offenders_headline,
        metrics=("action_weeks", "confirmed_streams_share", "appeal_rate", "overturn_rate"),
        sources=(
            "mart_daily_detection",
            "mart_daily_enforcement",
            "fact_enforcement",
            "fact_appeal",
        ),
        native=_offenders_native,
        params={"enforcement_by": ("label", "distributor")},
        money=("amount_eur", "restored_eur"),
        percent=("confirmed_streams_share", "appeal_rate", "overturn_rate"),
    ),
    View(
        id="cases.backlog_age",
        page="cases",
        title="Open backlog by age and priority",
        data=_backlog_data,
        figure=lambda df, ctx, p: cc.backlog_age_chart(df, subtitle=ctx.subtitle),
        headline=_backlog_age_headline,
        metrics=("open_cases", "case_age_h"),
        sources=("fact_case", "dim_priority", "dim_team"),
        native=Native("column", "age_bucket", pivot=("priority", "cases"), stacked=True),
        money=("exposure_eur",),
    ),
    View(
        id="cases.backlog_team",
        page="cases",
        title="Open backlog by owner team",
        data=_backlog_data,
        figure=lambda df, ctx, p: cc.backlog_team_chart(df, subtitle=ctx.subtitle),
        headline=_backlog_team_headline,
        metrics=("open_cases",),
        sources=("fact_case", "dim_priority", "dim_team"),
        native=Native("bar", "owner_team", pivot=("priority", "cases"), stacked=True),
        money=("exposure_eur",),
    ),
    View(
        id="cases.sla_weekly",
        page="cases",
        title="SLA breach rate of cases opened, per week",
        data=_sla_data,
        figure=lambda df, ctx, p: cc.sla_breach_chart(df, events=ctx.events, subtitle=ctx.subtitle),
        headline=_sla_headline,
        metrics=("sla_breach_rate", "first_response_breach_rate", "resolution_breach_rate"),
        sources=("fact_case", "dim_priority"),
        native=Native(
            "line",
            "week",
            series=(
                ("sla_breach_rate", "Any SLA"),
                ("first_response_breach_rate", "First response"),
                ("resolution_breach_rate", "Resolution"),
            ),
            number_format=PCT_FORMAT,
        ),
        money=("exposure_eur",),
        percent=("sla_breach_rate", "first_response_breach_rate", "resolution_breach_rate"),
    ),
    View(
        id="cases.escalations",
        page="cases",
        title="Escalations between teams",
        data=_escalation_data,
        figure=lambda df, ctx, p: cc.escalation_sankey_chart(df, subtitle=ctx.subtitle),
        headline=_escalation_headline,
        metrics=("handoffs",),
        sources=("fact_case_event", "fact_case", "dim_team"),
        money=("exposure_eur",),
    ),
    View(
        id="exposure.fan",
        page="exposure",
        title="Weekly exposure: history and forecast",
        data=_fan_data,
        figure=_fan_figure,
        headline=_fan_headline,
        metrics=("exposure_eur", "exposure_forecast_eur", "interval_coverage"),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        params={"exposure_horizon": _HORIZONS},
        money=("actual_eur", "mean_eur", "lo80_eur", "hi80_eur", "lo95_eur", "hi95_eur"),
        needs_money=True,
    ),
    View(
        id="exposure.parts",
        page="exposure",
        title="Weekly exposure: royalties at risk and fees outstanding",
        data=_parts_data,
        figure=lambda df, ctx, p: cx.exposure_parts_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_parts_headline,
        metrics=("exposure_eur",),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        native=Native(
            "area",
            "week",
            series=(
                ("at_risk_eur", "Royalties at risk"),
                ("fees_outstanding_eur", "Fees outstanding"),
            ),
            stacked=True,
            number_format=MONEY_FORMAT,
        ),
        money=("at_risk_eur", "fees_outstanding_eur", "exposure_eur"),
        needs_money=True,
    ),
    View(
        id="exposure.anomalies",
        page="exposure",
        title="Weekly exposure and anomalous weeks",
        data=_anomaly_data,
        figure=_anomaly_figure,
        headline=_anomaly_headline,
        metrics=("anomaly_score", "exposure_eur"),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        native=Native(
            "line",
            "week",
            series=(("value", "Exposure (EUR)"), ("expected", "Expected (EUR)")),
            number_format=MONEY_FORMAT,
        ),
        params={"exposure_z": _THRESHOLDS},
        money=("value", "expected", "residual"),
        needs_money=True,
    ),
)

REGISTRY: dict[str, View] = {v.id: v for v in _VIEWS}


def available(scope: Scope) -> list[View]:
    """The views this viewer may put in a deck (money charts need the money right)."""
    return [v for v in _VIEWS if scope.money or not v.needs_money]
