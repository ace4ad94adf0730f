"""Builders behind the Policy lab: replay an enforcement policy on the warehouse's history.

A policy is a set of parameters (``Policy``). Replaying it reads mart_track_month (one row
per track and royalty month, all markets; in practice its two derivatives, see
``policy_replay_query``) and decides every row in SQL:

- detections: per detector kind, a track-month whose highest score reaches the kind's
  auto-enforce cut-off has all its flagged streams removed without review; one whose
  highest score is below the ignore cut-off is left alone (its fraud stays at risk); the
  rest is reviewed, with the outcome the analysts actually reached (confirmed streams) and
  the review hours they actually spent. Partner reports and manual tips are always reviewed.
- the per-track fee: a track-month is fined when the streams removed exceed ``fee_threshold``
  of the streams a detection flagged that month (the demo generator's rule; the current
  policy's replay reproduces the warehouse's fee actions);
- demonetisation: a track-month earns nothing when the track had fewer than
  ``min_streams`` streams in the 12 months ending with it, or is a noise track shorter than
  ``noise_min_s``; its royalties return to the honest pool;
- withholding: ``withhold`` of the royalties of the enforced streams' rows.

Honest tracks hit (ground truth in the demo: ``true_artificial_streams``): a fined
track-month whose streams were mostly human, or one with more streams removed than it had
artificial streams. Every measure is one SUM over rows, so any number of policies is
replayed in one statement (one column set per policy, ``p<i>__<measure>``). On a track-month
no detection touched only the demonetisation rules act, and they act alike on every row of
a band of their allowed values (schema.mart_track_month_quiet), so those rows are read
summed per band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)

from data_access import schema as s
from data_access.dialect import true
from data_access.filters import Filters
from data_access.inputs import business
from data_access.marts import touched
from data_access.queries.common import scope_predicate
from data_access.queries.measures import added, sum_if
from data_access.scope import Scope

# Detector kinds whose score cut-offs a policy sets (s.DETECTOR_KINDS: "other" is always
# reviewed: a partner report or a tip has no model score to cut at).
SCORED_KINDS = ("rule", "model")
MEASURES = (
    "tracks_fined",
    "fees_eur",
    "tracks_enforced",
    "streams_removed",
    "streams_demonetised",
    "royalties_returned_eur",
    "withheld_eur",
    "protected_eur",
    "at_risk_eur",
    "honest_hit",
    "reviews",
    "review_hours",
)
# The values of the demonetisation rules the quiet rollup answers for (the page's allow-lists).
MIN_STREAMS_VALUES = s.POLICY_MIN_STREAMS
NOISE_MIN_S_VALUES = s.POLICY_NOISE_MIN_S
AFFECTED_BY = {
    "label": (s.dim_label, "label_id"),
    "distributor": (s.dim_distributor, "distributor_id"),
}


@dataclass(frozen=True)
class Policy:
    fee_threshold: float = 0.9
    fee_eur: float = 10.0
    min_streams: int = 1000
    noise_min_s: int = 120
    # (kind, score) pairs: auto-enforce at score >= cut-off; ignore below the cut-off.
    auto: tuple[tuple[str, float], ...] = ()
    ignore: tuple[tuple[str, float], ...] = ()
    withhold: float = 0.7

    def __post_init__(self) -> None:
        if not 0 <= self.fee_threshold <= 1 or not 0 <= self.withhold <= 1:
            raise ValueError("fee threshold and withheld share are shares (0 to 1)")
        if self.fee_eur < 0 or self.min_streams < 0 or self.noise_min_s < 0:
            raise ValueError("fee, minimum streams and minimum duration are not negative")
        for kind, _ in (*self.auto, *self.ignore):
            if kind not in SCORED_KINDS:
                raise ValueError(f"no score cut-offs for detector kind {kind!r}")


def current_policy() -> Policy:
    """The policy in force, from config/business.toml ``[policy]`` (the demo's: EUR 10 per
    track above 90% artificial, 1,000 streams per 12 months, noise tracks of 2 minutes at
    least, every detection reviewed, ~70% withheld; DOMAIN.md)."""
    p = business.in_force().policy
    return Policy(
        fee_threshold=p["fee_threshold"],
        fee_eur=p["fee_eur"],
        min_streams=int(p["min_streams"]),
        noise_min_s=int(p["noise_min_s"]),
        withhold=p["withhold"],
    )


# Read once at start: the configuration is validated then, and a replay keyed on it stays
# the same policy for the life of the process.
CURRENT = current_policy()


def months(f: Filters) -> tuple[date, date]:
    """The royalty months a period covers: those that start in it or that it starts in."""
    return f.start.replace(day=1), f.end


def _rows(f: Filters, scope: Scope, m=s.mart_track_month) -> ColumnElement:
    """The period's royalty months and the slice, on mart_track_month or a derivative of it
    (the same date and member columns)."""
    first, last = months(f)
    # A team-scoped viewer (cases only) gets no rows: scope_predicate says so.
    parts = [m.c.date_key.between(first, last), scope_predicate(m, scope)]
    if f.labels:
        parts.append(m.c.label_id.in_(f.labels))
    if f.distributors:
        parts.append(m.c.distributor_id.in_(f.distributors))
    return and_(*parts)


def ignored_filters(f: Filters) -> tuple[str, ...]:
    """Filters a replay cannot apply: a track-month holds every market, and a fee or a
    minimum is a property of the track, not of one detector or typology."""
    out = []
    if f.markets or f.regions:
        out.append("market")
    if f.detectors:
        out.append("detector")
    if f.typologies:
        out.append("typology")
    return tuple(out)


class _Doubles:
    """A mart's columns with money as DOUBLE: sums of CASEs over NUMERIC(18, 4) widen to
    128-bit decimals, several times slower to add up at scale (EUR to the cent is kept: a
    double holds 15 significant digits)."""

    def __init__(self, cols) -> None:
        self._cols = cols

    def __getattr__(self, name: str):
        return self[name]

    def __getitem__(self, name: str):
        col = self._cols[name]
        return cast(col, Double) if name.endswith("_eur") else col


def _demonetised(p: Policy, streams_12m, is_noise, duration_s) -> ColumnElement:
    return or_(streams_12m < p.min_streams, and_(is_noise, duration_s < p.noise_min_s))


def policy_measures(p: Policy, t=s.mart_track_month) -> dict[str, ColumnElement]:
    """The replayed measures of ``p`` as aggregate expressions over mart_track_month (or
    ``t``, mart_track_month_touched: the same columns)."""
    m = _Doubles(t.c)
    auto, ignore = dict(p.auto), dict(p.ignore)
    removed, removed_eur, reviews, hours, enforced_royalty, detected = [], [], [], [], [], []
    for k in s.DETECTOR_KINDS:
        score = m[f"{k}_score_max"]
        is_auto = score >= auto[k] if k in auto else None
        is_ignored = score < ignore[k] if ignore.get(k) else None

        def decide(auto_value, review_value, is_auto=is_auto, is_ignored=is_ignored):
            whens = []
            if is_auto is not None:
                whens.append((is_auto, auto_value))
            if is_ignored is not None:
                whens.append((is_ignored, 0))
            return case(*whens, else_=review_value) if whens else review_value

        rem = decide(m[f"{k}_flagged"], m[f"{k}_confirmed"])
        removed.append(rem)
        removed_eur.append(decide(m[f"{k}_flagged_royalty_eur"], m[f"{k}_confirmed_royalty_eur"]))
        reviews.append(decide(0, m[f"{k}_reviews"]))
        hours.append(decide(0, m[f"{k}_review_hours"]))
        enforced_royalty.append(case((rem > 0, m[f"{k}_royalty_eur"]), else_=0))
        detected.append(m[f"{k}_streams"])
    rem_streams = added(removed)
    rem_eur = added(removed_eur)
    flagged_rows = added(detected)
    fined = (
        and_(rem_streams > 0, rem_streams > _double(p.fee_threshold) * flagged_rows)
        if p.fee_eur > 0
        else false()
    )
    demonetised = _demonetised(p, m.streams_12m, m.is_noise, m.duration_s)
    returned = case((demonetised, m.royalty_eur), else_=rem_eur)
    protected = func.least(m.artificial_royalty_eur, returned)
    honest = or_(
        and_(fined, m.true_artificial_streams * 2 < m.streams),
        rem_streams > m.true_artificial_streams,
    )
    # Constant factors outside the SUMs, and a sum of terms as the terms' SUMs (one CASE
    # or column per row each, no row-wise additions): the same totals for less work per row.
    return {
        "tracks_fined": sum_if(fined),
        "fees_eur": sum_if(fined) * _double(p.fee_eur),
        "tracks_enforced": sum_if(rem_streams > 0),
        "streams_removed": func.coalesce(func.sum(rem_streams), 0),
        "streams_demonetised": func.coalesce(
            func.sum(case((demonetised, m.streams), else_=rem_streams)), 0
        ),
        "royalties_returned_eur": func.coalesce(func.sum(returned), 0),
        "withheld_eur": _double(p.withhold)
        * func.coalesce(func.sum(case((demonetised, 0), else_=added(enforced_royalty))), 0),
        "protected_eur": func.coalesce(func.sum(protected), 0),
        "at_risk_eur": func.coalesce(func.sum(m.artificial_royalty_eur - protected), 0),
        "honest_hit": sum_if(honest),
        "reviews": added(func.coalesce(func.sum(r), 0) for r in reviews),
        "review_hours": added(func.coalesce(func.sum(h), 0) for h in hours),
    }


def _double(value: float) -> ColumnElement:
    """A bound DOUBLE: a decimal literal would make every comparison 128-bit decimal."""
    return cast(literal(value), Double)


def _columns(policies: Sequence[Policy], measures) -> list:
    """Every policy's ``measures(p)`` as ``p<i>__<measure>`` columns."""
    if not 1 <= len(policies) <= 16:
        raise ValueError("replay 1 to 16 policies at once")
    return [
        expr.label(f"p{i}__{name}")
        for i, p in enumerate(policies)
        for name, expr in measures(p).items()
    ]


def _quiet_measures(p: Policy) -> dict[str, ColumnElement]:
    """``policy_measures`` on mart_track_month's rows no detection touched: nothing
    removed, fined, withheld or reviewed; the demonetisation rules alone."""
    m = _Doubles(s.mart_track_month.c)
    demonetised = _demonetised(p, m.streams_12m, m.is_noise, m.duration_s)
    returned = case((demonetised, m.royalty_eur), else_=0)
    protected = func.least(m.artificial_royalty_eur, returned)
    return _quiet(sum_if(demonetised, m.streams), returned, protected, m.artificial_royalty_eur)


def _rollup_measures(p: Policy) -> dict[str, ColumnElement]:
    """``_quiet_measures`` on mart_track_month_quiet: a band is demonetised or not as a
    whole (``p``'s values are band edges), its sums taken or left."""
    r = _Doubles(s.mart_track_month_quiet.c)
    demonetised = _demonetised(p, r.streams_12m_floor, r.is_noise, r.duration_s_floor)
    returned = case((demonetised, r.royalty_eur), else_=0)
    protected = case((demonetised, r.protected_eur), else_=0)
    return _quiet(sum_if(demonetised, r.streams), returned, protected, r.artificial_royalty_eur)


def rollup_answers(policies: Sequence[Policy]) -> bool:
    """Whether mart_track_month_quiet answers the quiet part for every one of ``policies``:
    their demonetisation values are the rollup's band edges (the page offers only those)."""
    return all(
        p.min_streams in MIN_STREAMS_VALUES and p.noise_min_s in NOISE_MIN_S_VALUES
        for p in policies
    )


def _quiet(demonetised_streams, returned, protected, artificial) -> dict[str, ColumnElement]:
    zero = literal(0)
    return {
        "tracks_fined": zero,
        "fees_eur": zero,
        "tracks_enforced": zero,
        "streams_removed": zero,
        "streams_demonetised": demonetised_streams,
        "royalties_returned_eur": func.coalesce(func.sum(returned), 0),
        "withheld_eur": zero,
        "protected_eur": func.coalesce(func.sum(protected), 0),
        "at_risk_eur": func.coalesce(func.sum(artificial - protected), 0),
        "honest_hit": zero,
        "reviews": zero,
        "review_hours": zero,
    }


def policy_replay_query(
    f: Filters, scope: Scope, policies: Sequence[Policy], *, rollup: bool = True
) -> Select:
    """One row: every policy's measures over the period's royalty months and the slice.

    Two scans in one statement, added up: the full replay over mart_track_month_touched
    (the track-months a detection touched), the demonetisation rules alone over the rest:
    mart_track_month_quiet when it answers for every policy (``rollup_answers``; ``rollup``
    False: never), else mart_track_month's untouched rows."""
    t = s.mart_track_month_touched
    touched_part = (
        select(*_columns(policies, lambda p: policy_measures(p, t)))
        .where(_rows(f, scope, t))
        .subquery("touched")
    )
    if rollup and rollup_answers(policies):
        r = s.mart_track_month_quiet
        quiet = select(*_columns(policies, _rollup_measures)).where(_rows(f, scope, r))
    else:
        quiet = select(*_columns(policies, _quiet_measures)).where(_rows(f, scope), ~touched())
    quiet_part = quiet.subquery("quiet")
    return select(
        *(
            (
                func.coalesce(touched_part.c[c.name], 0) + func.coalesce(quiet_part.c[c.name], 0)
            ).label(c.name)
            for c in touched_part.c
        )
    ).select_from(touched_part.join(quiet_part, true()))


def policy_affected_query(
    f: Filters, scope: Scope, policies: Sequence[Policy], *, by: str = "label", limit: int = 10
) -> Select:
    """The labels (or distributors) the policies hit hardest: every policy's measures per
    member, ranked by the largest fees any of the policies levies, then streams removed."""
    if by not in AFFECTED_BY:
        raise ValueError(f"unknown grouping {by!r}")
    if not 1 <= limit <= 100:
        raise ValueError("limit is 1 to 100")
    dim, key = AFFECTED_BY[by]
    t = s.mart_track_month_touched
    inner = (
        # Only touched track-months are fined, enforced or withheld.
        select(t.c[key].label("key"), *_columns(policies, lambda p: policy_measures(p, t)))
        .where(_rows(f, scope, t))
        .group_by(t.c[key])
        .subquery("per_member")
    )
    fees = [inner.c[f"p{i}__fees_eur"] for i in range(len(policies))]
    removed = [inner.c[f"p{i}__streams_removed"] for i in range(len(policies))]
    rank_fees = func.greatest(*fees) if len(fees) > 1 else fees[0]
    rank_removed = func.greatest(*removed) if len(removed) > 1 else removed[0]
    return (
        select(
            inner.c.key.label(key), dim.c.name.label(by), *[c for c in inner.c if c.name != "key"]
        )
        .select_from(inner.join(dim, dim.c[key] == inner.c.key))
        .where(or_(rank_fees > 0, rank_removed > 0))
        .order_by(rank_fees.desc(), rank_removed.desc(), inner.c.key)
        .limit(limit)
    )


def appeal_rates_query(f: Filters, scope: Scope) -> Select:
    """Observed appeals in the period (actions applied in it): appeals, decided, overturned;
    and the track-months the current policy enforced, their denominator."""
    a = s.mart_appeal
    parts = [a.c.date_key.between(*months(f)), scope_predicate(a, scope)]
    if f.labels:
        parts.append(a.c.label_id.in_(f.labels))
    if f.distributors:
        parts.append(a.c.distributor_id.in_(f.distributors))
    return select(
        func.count().label("appeals"),
        sum_if(a.c.outcome != "pending").label("decided"),
        sum_if(a.c.outcome == "overturned").label("overturned"),
    ).where(and_(*parts))


def ground_truth_query() -> Select:
    """Whether the warehouse knows which detections were real (the demo's campaign ids):
    then ``true_artificial_streams`` is ground truth, otherwise a model's estimate."""
    d = s.fact_detection
    return select(func.count().label("n")).select_from(
        select(d.c.detection_id).where(d.c.campaign_id.is_not(None)).limit(1).subquery()
    )
