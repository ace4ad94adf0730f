"""Builders behind the Fraud trends page: detected / confirmed artificial streams per period
bucket, split by an allow-listed dimension with top-N + "Other" folded in SQL, and the
market x week heatmap of the detected share.

Splits by market / region / label / distributor slice the streams (numerators and the
all-streams denominator); splits by typology / detector split the flagged numerators only
(their attribution), so a series' share is over all streams of its period bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Double, Select, case, cast, func, literal, null, select

from data_access import schema as s
from data_access.dialect import trunc_date
from data_access.dimensions import KEYS
from data_access.filters import Filters
from data_access.queries.common import attribution_predicate, fraud_mart, where
from data_access.queries.measures import fraud_measures
from data_access.scope import Scope

TREND_GRAINS = ("day", "week", "month")
SPLITS = ("none", *KEYS)  # the allow-list of split dimensions
TREND_METRICS = ("detected_streams", "confirmed_streams", "detected_share", "confirmed_share")
OTHER = "Other"
ALL = "All streams"
MIN_TOP, MAX_TOP = 3, 12


@dataclass(frozen=True)
class _Split:
    key: str  # column of mart_daily_fraud holding the member id (None: via dim_market)
    dim: object | None  # dimension table naming the member (None: the key is its name)
    dim_key: str | None
    name: str | None  # dimension column shown as the series name
    code: str | None  # dimension column carried as the drill-down value
    attribution: bool  # splits flagged numerators only (typology / detector)


# The allow-list: nothing outside it ever becomes part of a statement.
_SPLITS: dict[str, _Split] = {
    "market": _Split("market_id", s.dim_market, "market_id", "name", "iso2", False),
    "region": _Split("market_id", None, None, None, None, False),
    "label": _Split("label_id", s.dim_label, "label_id", "name", "name", False),
    "distributor": _Split(
        "distributor_id", s.dim_distributor, "distributor_id", "name", "name", False
    ),
    "typology": _Split("typology_id", s.dim_typology, "typology_id", "name", "name", True),
    "detector": _Split("detector_id", s.dim_detector, "detector_id", "name", "name", True),
}


def _check(grain: str, split: str, metric: str, top: int) -> None:
    if grain not in TREND_GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    if split not in SPLITS:
        raise ValueError(f"cannot split by {split!r}")
    if metric not in TREND_METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    if not MIN_TOP <= int(top) <= MAX_TOP:
        raise ValueError(f"top must be within {MIN_TOP}..{MAX_TOP}")


def _numerator(metric: str) -> str:
    return "confirmed_streams" if metric.startswith("confirmed") else "detected_streams"


def _ratio(num, den):
    return cast(num, Double) / func.nullif(cast(den, Double), 0)


def trend_query(
    f: Filters,
    scope: Scope,
    *,
    grain: str = "week",
    split: str = "none",
    metric: str = "detected_streams",
    top: int = 6,
) -> Select:
    """Per period bucket and series: ``streams`` (the share's denominator), ``all_streams``
    (every stream of the bucket), ``detected_streams`` and ``confirmed_streams``.

    With a split, the top ``top`` members by ``metric`` over the whole period are kept
    (ranked in SQL, ``LIMIT`` bound) and the rest are folded into one "Other" series, so
    the result holds at most buckets x (top + 1) rows and each bucket's series add up to
    the unsplit numbers.
    """
    _check(grain, split, metric, top)
    t = fraud_mart(f, scope, by=(split,))
    bucket = trunc_date(grain, t.c.date_key)
    m = fraud_measures(attribution_predicate(t, f), t)
    if split == "none":
        return (
            select(
                bucket.label("period"),
                literal(ALL).label("series"),
                literal(ALL).label("key"),
                m["streams"].label("streams"),
                m["streams"].label("all_streams"),
                m["detected_streams"].label("detected_streams"),
                m["confirmed_streams"].label("confirmed_streams"),
            )
            .where(where(t, f, scope, attribution=False))
            .group_by(bucket)
            .order_by(bucket)
        )

    sp = _SPLITS[split]
    src = t
    if split == "region":
        src = t.join(s.dim_market, s.dim_market.c.market_id == t.c.market_id)
        member = s.dim_market.c.region
    else:
        member = t.c[sp.key]
    agg = (
        select(
            bucket.label("bucket"),
            member.label("k"),
            m["streams"].label("streams"),
            m["detected_streams"].label("detected_streams"),
            m["confirmed_streams"].label("confirmed_streams"),
        )
        .select_from(src)
        .where(where(t, f, scope, attribution=False))
        .group_by(bucket, member)
        .cte("agg")
    )

    # Rank members by the chosen metric over the whole period; keep the top ``top``.
    num = func.sum(agg.c[_numerator(metric)])
    if metric.endswith("_share") and not sp.attribution:
        rank_by = func.coalesce(_ratio(num, func.sum(agg.c.streams)), 0.0)
    else:  # counts; attribution shares share one denominator, so rank by the numerator
        rank_by = num
    # The rank value is selected, not only ordered by: Spark cannot resolve an ORDER BY
    # aggregate that differs from the HAVING one unless it is in the SELECT list.
    rank_value = rank_by.label("rank_value")
    ranked = (
        select(agg.c.k, rank_value)
        .where(agg.c.k.is_not(None))
        .group_by(agg.c.k)
        # Attribution splits: members with flagged streams in the slice (filters applied).
        .having(
            func.sum(agg.c.detected_streams + agg.c.confirmed_streams) > 0
            if sp.attribution
            else func.sum(agg.c.streams) > 0
        )
        .order_by(rank_value.desc(), agg.c.k)
        .limit(int(top))
        .cte("ranked")
    )

    kept = case((ranked.c.k.is_not(None), agg.c.k), else_=null())
    group_streams = func.sum(agg.c.streams)
    folded = (
        select(
            agg.c.bucket,
            kept.label("gk"),
            group_streams.label("streams"),
            func.sum(group_streams).over(partition_by=agg.c.bucket).label("all_streams"),
            func.sum(agg.c.detected_streams).label("detected_streams"),
            func.sum(agg.c.confirmed_streams).label("confirmed_streams"),
        )
        .select_from(agg.outerjoin(ranked, ranked.c.k == agg.c.k))
        .group_by(agg.c.bucket, kept)
        .subquery("folded")
    )

    if sp.dim is None:  # region: the member is its own name
        name = code = folded.c.gk
        src2 = folded
    else:
        dim = sp.dim
        name, code = dim.c[sp.name], dim.c[sp.code]
        src2 = folded.outerjoin(dim, dim.c[sp.dim_key] == folded.c.gk)
    is_other = folded.c.gk.is_(None)
    series = case((is_other, literal(OTHER)), else_=name)
    key = case((is_other, literal(OTHER)), else_=code)
    denominator = folded.c.all_streams if sp.attribution else folded.c.streams
    return (
        select(
            folded.c.bucket.label("period"),
            series.label("series"),
            key.label("key"),
            denominator.label("streams"),
            folded.c.all_streams.label("all_streams"),
            folded.c.detected_streams,
            folded.c.confirmed_streams,
        )
        .select_from(src2)
        .order_by(folded.c.bucket, is_other, series)
    )


def market_week_query(f: Filters, scope: Scope, *, top_markets: int = 20) -> Select:
    """Streams, detected and confirmed streams per week x market, for the ``top_markets``
    markets with most streams over the period (ranked in SQL, ``LIMIT`` bound)."""
    if not 1 <= int(top_markets) <= 60:
        raise ValueError("top_markets must be within 1..60")
    t, mk = fraud_mart(f, scope, by=("market",)), s.dim_market
    week = trunc_date("week", t.c.date_key)
    m = fraud_measures(attribution_predicate(t, f), t)
    cond = where(t, f, scope, attribution=False)
    market_streams = func.sum(t.c.streams).label("market_streams")  # selected: see above
    ranked = (
        select(t.c.market_id, market_streams)
        .where(cond)
        .group_by(t.c.market_id)
        .having(func.sum(t.c.streams) > 0)
        .order_by(market_streams.desc(), t.c.market_id)
        .limit(int(top_markets))
        .cte("top_markets")
    )
    return (
        select(
            week.label("week"),
            mk.c.iso2,
            mk.c.name.label("market"),
            m["streams"].label("streams"),
            m["detected_streams"].label("detected_streams"),
            m["confirmed_streams"].label("confirmed_streams"),
        )
        .select_from(
            t.join(ranked, ranked.c.market_id == t.c.market_id).join(
                mk, mk.c.market_id == t.c.market_id
            )
        )
        .where(cond)
        .group_by(week, mk.c.iso2, mk.c.name)
        .order_by(week, mk.c.iso2)
    )
