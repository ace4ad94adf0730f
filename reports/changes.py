"""What changed: the frames behind Overview's "What changed" block (and its deck view) and
behind the Fraud trends decomposition tree, shared by both pages' view declarations, the
deck and the alert texts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from analytics import changes as ch
from analytics import format as fmt
from analytics.metrics import METRICS
from charts.changes import FALL, RISE
from data_access.dimensions import BY_KEY, KEYS
from data_access.filters import Filters, Options
from data_access.loaders.changes import COMPARISONS, load_changes, windows
from data_access.loaders.options import load_options
from data_access.scope import Scope

TREE_LEVELS = 3
TREE_MEMBERS = 7  # bars per level; the rest fold into one "Other" bar (sums stay exact)
NONE = "none"
MONEY_WORDS = tuple(m.word for m in ch.HEADLINE if m.unit == "eur")


def window_words(f: Filters, comparison: str) -> str:
    w = windows(f, comparison)
    return (
        f"{_span(w.current.start, w.current.end)} against {_span(w.baseline.start, w.baseline.end)}"
    )


def _span(start: date, end: date) -> str:
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def baseline_begins_before(f: Filters, comparison: str, options: Options) -> bool:
    return windows(f, comparison).baseline.start < options.min_date


def change_text(row: Mapping) -> str:
    """The change in the metric's own words: −46% (counts, money), +1.9 pp (rates)."""
    if row["unit"] == "pct":
        return ch.amount(row["change"], "pct")
    pct = row["change_pct"]
    if pd.isna(pct):
        return "–"
    if pct >= 9:  # ten times or more: "+301-fold", not "+30,079%"
        return f"+{pct + 1:,.0f}-fold"
    return (
        ch.amount(pct, "pct", signed=False)
        if pct == 0
        else f"{pct * 100:+.0f}%".replace("-", ch.MINUS)
    )


def summary(
    scope: Scope, f: Filters, url: str | None, comparison: str, *, link: ch.Link | None = None
) -> pd.DataFrame:
    """One row per headline metric the viewer may see (money ones need the money right):
    baseline, current, change, the top driver and the sentence (``link`` wraps each driver
    name, e.g. in a Markdown link that applies it as a filter)."""
    df = load_changes(scope, f, comparison, url=url)
    out = ch.summary_frame(df, comparison, link=link)
    if not out.empty:
        out["change_text"] = [change_text(r) for r in out.to_dict("records")]
    out.attrs.update(comparison=comparison, windows=window_words(f, comparison))
    opts = load_options(scope, url=url)
    out.attrs.update(incomplete=baseline_begins_before(f, comparison, opts))
    return out


def driver_sentence(
    scope: Scope, f: Filters, url: str | None, metric: str, comparison: str = "week"
) -> str:
    """The "what changed" sentence of one headline metric (its change and top drivers), for
    an alert's text; "" for a metric it does not cover or the viewer may not see."""
    m = ch.BY_KEY.get(metric)
    if m is None or (m.unit == "eur" and not scope.money):
        return ""
    df = load_changes(scope, f, comparison, m.dims, m.sources, url=url)
    if not ch.available(df, m):
        return ""
    return ch.sentence(ch.summarize(df, m), comparison)


def headline(df: pd.DataFrame) -> str:
    """The first headline metric that moved, how, and its top driver (a slide title)."""
    how = ch.COMPARISON_WORDS.get(df.attrs.get("comparison", "week"), "")
    if df is None or df.empty:
        return "No headline metrics in this selection"
    moved = df[df["change"].fillna(0) != 0]
    if moved.empty:
        return f"The headline metrics held steady {how}"
    r = moved.iloc[0]
    text = (
        f"{r['label']} {'rose' if r['change'] > 0 else 'fell'} {change_text(r).lstrip('+−')} {how}"
    )
    if r["top_driver"]:
        noun = ch.DIM_NOUNS[r["top_driver_dimension"]][0]
        text += f", led by {noun} {r['top_driver']}"
    return text


# -- the decomposition tree ----------------------------------------------------------------


def member_filter(f: Filters, options: Options, dimension: str, member: str) -> Filters | None:
    """``f`` narrowed to one member of ``dimension`` (the URL value a driver carries), or
    None when the member is not a filter value the viewer has."""
    d = BY_KEY[dimension]
    if d.by_name:
        value = options.id_of(d.key).get(member)
        if value is None:
            return None
    elif member in options.names(d.key):
        value = member
    else:
        return None
    return f.narrowed(**{d.attr: (value,)})


def tree(
    scope: Scope,
    f: Filters,
    url: str | None,
    *,
    metric: ch.ChangeMetric,
    comparison: str,
    levels: tuple[str, ...],
) -> pd.DataFrame:
    """The decomposition tree's frame: per level, each member's contribution to the change
    of that level's slice (top members plus one "Other" bar, so a level's bars add up to
    its change); each level's largest driver is expanded (a filter on the next level's
    query) by the next level's dimension."""
    options = load_options(scope, url=url)
    rows: list[pd.DataFrame] = []
    path: list[str] = []
    current = f
    used: set[str] = set()
    level = 0
    for dim in levels:
        if dim == NONE or dim in used or dim not in metric.dims:
            continue  # cases have no detector; a dimension already split adds nothing
        used.add(dim)
        level += 1
        df = load_changes(scope, current, comparison, (dim,), metric.sources, url=url)
        dec = ch.decompose(df, metric, dim)
        if dec.empty or not dec.attrs.get("total"):
            rows.append(_level_frame(dec, level, dim, metric, path, None, empty=True))
            break
        expand = next((r for r in dec.itertuples() if r.member is not None), None)
        expand = expand if expand is not None and expand.share > 0 else None
        rows.append(_level_frame(dec, level, dim, metric, path, expand))
        if expand is None:
            break
        narrowed = member_filter(current, options, dim, str(expand.member))
        if narrowed is None:
            break
        current = narrowed
        path.append(str(expand.name))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_TREE_COLUMNS)
    out.attrs.update(metric=metric.key, comparison=comparison)
    return out


_TREE_COLUMNS = [
    "level",
    "level_title",
    "node",
    "dimension",
    "member",
    "name",
    "baseline",
    "current",
    "contribution",
    "share",
    "mix",
    "rate",
    "expanded",
    "direction",
    "contribution_text",
    "share_text",
    "mix_rate_text",
]


def _level_frame(dec, level, dim, metric, path, expand, *, empty=False) -> pd.DataFrame:
    where = f"{' › '.join(path)}, by {dim}" if path else f"By {dim}"
    if empty:
        return pd.DataFrame(columns=_TREE_COLUMNS)
    total = float(dec.attrs["total"])
    keep = dec.reindex(dec["contribution"].abs().sort_values(ascending=False).index)
    top = keep.head(TREE_MEMBERS)
    rest = keep.iloc[TREE_MEMBERS:]
    if len(rest) == 1:  # one bar more rather than an "Other" of one
        top, rest = keep, keep.iloc[0:0]
    top = dec.loc[dec.index.isin(top.index)].copy()  # back in the direction-of-change order
    if not rest.empty:
        other = {
            "member": None,
            "name": f"Other {fmt.plural(len(rest), dim)}",
            "baseline": float("nan"),
            "current": float("nan"),
            "contribution": rest["contribution"].sum(),
            "share": rest["contribution"].sum() / total,
            "mix": rest["mix"].sum(min_count=1),
            "rate": rest["rate"].sum(min_count=1),
        }
        top = pd.concat([top, pd.DataFrame([other])], ignore_index=True)
    unit = metric.unit
    top = top.assign(
        level=level,
        dimension=dim,
        level_title=f"{level}. {where}: {ch.amount(total, unit)}",
        expanded=[
            expand is not None and m == expand.member and n == expand.name
            for m, n in zip(top["member"], top["name"], strict=True)
        ],
        direction=[RISE if c > 0 else FALL for c in top["contribution"]],
        contribution_text=[ch.amount(c, unit) for c in top["contribution"]],
        share_text=[fmt.pct(s) for s in top["share"]],
        mix_rate_text=[
            f"mix {ch.amount(m, unit)}, rate {ch.amount(r, unit)}"
            if not (pd.isna(m) or pd.isna(r))
            else "–"
            for m, r in zip(top["mix"], top["rate"], strict=True)
        ],
    )
    top["node"] = [f"{level}. {n}" for n in top["name"]]
    top["member"] = top["member"].astype(object).where(top["member"].notna(), None)
    return top[_TREE_COLUMNS]


def tree_headline(df: pd.DataFrame) -> str:
    """The first level's change and the path of largest drivers."""
    metric = ch.BY_KEY.get(df.attrs.get("metric", "")) if df is not None else None
    label = METRICS[metric.key].label if metric else "The metric"
    how = ch.COMPARISON_WORDS.get(df.attrs.get("comparison", "week"), "") if metric else ""
    if metric is None or df.empty:
        return f"{label}: no change to decompose {how}".strip()
    first = df[df["level"] == df["level"].min()]
    total = float(first["contribution"].sum())
    size = ch.amount(abs(total), metric.unit).lstrip("+")
    words = f"{label} {'rose' if total > 0 else 'fell'} {size} {how}"
    path = df[df["expanded"].astype(bool)]
    if not path.empty:
        words += "; largest drivers " + " › ".join(
            f"{r.name} {r.contribution_text}" for r in path.itertuples()
        )
    return words


def tree_params_levels(p: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(p[f"trends_tree_{i}"] for i in range(1, TREE_LEVELS + 1))


LEVEL_CHOICES = (*KEYS, NONE)
__all__ = ["COMPARISONS", "LEVEL_CHOICES", "MONEY_WORDS", "summary", "tree"]
