"""The entity pages' views: for a track, a label and a distributor, streams and detected
share per week, detections by detector and typology, reviews by outcome, enforcement by
type and appeals by outcome; for a case, its timeline against its SLA.

Each view takes the entity's key as a setting with a ``pattern`` (``isrc`` for a track,
``id`` otherwise), so "Add to deck" and the deck CLI rebuild the same frame. The key is
looked up under the viewer's scope: a key the viewer may not see gives empty frames.
"""

from __future__ import annotations

import pandas as pd

from analytics import format as fmt
from analytics.entities import case_timeline, sla_status
from analytics.trends import add_shares
from charts import entities as ce
from data_access.loaders import entities as le
from data_access.queries.entities import ID_DIGITS, ID_PATTERN, Entity, parse_id
from reports import words as w
from reports.view import Native, Param, View

ISRC_PATTERN = r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}"
KEY_PARAMS = {
    "track": Param("isrc", "ISRC", (), pattern=ISRC_PATTERN),
    "label": Param("id", "Label id", (), pattern=ID_PATTERN, noun="label id"),
    "distributor": Param("id", "Distributor id", (), pattern=ID_PATTERN, noun="distributor id"),
    "case": Param("id", "Case id", (), pattern=ID_PATTERN, noun="case id"),
}
NOUNS = {"track": "track", "label": "label", "distributor": "distributor"}


def not_an_id(kind: str) -> str:
    """What a page says of a link whose ``id`` is not a label / distributor / case id."""
    return f"That is not a {kind} id (a whole number of up to {ID_DIGITS} digits, e.g. ?id=42)."


def parse_isrc(raw: object) -> str | None:
    """An ISRC as the warehouse writes it (upper case, no hyphens), or None."""
    text = str(raw or "").strip().upper().replace("-", "")
    return text if KEY_PARAMS["track"].accepts(text) else None


def entity_of(kind: str, scope, p, url) -> Entity | None:
    """The entity a view's settings name, or None when the viewer may not see it."""
    if kind == "track":
        isrc = parse_isrc(p.get("isrc"))
        df = le.load_track(scope, isrc, url=url) if isrc else pd.DataFrame()
        return Entity("track", int(df["track_id"].iloc[0])) if not df.empty else None
    key = parse_id(p.get("id"))
    return Entity(kind, key) if key is not None else None


def _loaded(kind: str, loader, columns: tuple[str, ...]):
    def data(scope, f, url, p) -> pd.DataFrame:
        e = entity_of(kind, scope, p, url)
        if e is None:
            return pd.DataFrame(columns=list(columns))
        return loader(scope, e, f, url=url)

    return data


def _streams(kind: str):
    load = _loaded(kind, le.load_entity_streams, ("week", "streams", "detected_streams"))

    def data(scope, f, url, p):
        return add_shares(load(scope, f, url, p))

    return data


def _streams_headline(df: pd.DataFrame) -> str:
    if df.empty or df["streams"].sum() == 0:
        return "No streams in this period"
    share = df["detected_streams"].sum() / df["streams"].sum()
    peak = df.loc[df["detected_share"].fillna(0).idxmax()]
    return (
        f"{fmt.compact(df['streams'].sum())} streams, {fmt.pct(share)} detected as artificial; "
        f"highest week {pd.Timestamp(peak['week']):%d %b %Y} at {fmt.pct(peak['detected_share'])}"
    )


def _detections_headline(df: pd.DataFrame) -> str:
    if df.empty:
        return "No detection in this period"
    top = df.groupby("detector")["detections"].sum()
    return (
        f"{w.plural(df['detections'].sum(), 'detection')}, "
        f"{fmt.compact(df['confirmed'].sum())} confirmed; most by {top.idxmax()}"
    )


def _reviews_headline(df: pd.DataFrame) -> str:
    if df.empty:
        return "No review of this period's detections"
    total = df["reviews"].sum()
    confirmed = df.loc[df["outcome"] == "confirmed", "reviews"].sum()
    return f"{w.plural(total, 'review')}, {fmt.pct(confirmed / total)} confirmed"


def _enforcement_headline(df: pd.DataFrame) -> str:
    if df.empty:
        return "No enforcement action applied in this period"
    text = f"{w.plural(df['actions'].sum(), 'enforcement action')}"
    if "amount_eur" in df:
        text += f", {fmt.eur(df['amount_eur'].sum())} withheld or levied"
    return text + f"; {w.plural(df['reversed'].sum(), 'reversal')} after appeal"


def _appeals_headline(df: pd.DataFrame) -> str:
    if df.empty:
        return "No appeal filed in this period"
    overturned = df.loc[df["outcome"] == "overturned", "appeals"].sum()
    return f"{w.plural(df['appeals'].sum(), 'appeal')}, {fmt.compact(overturned)} overturned"


def _bars(category, value, text, value_title, colour=None):
    def figure(df, ctx, p):
        return ce.breakdown_chart(
            df,
            category=category,
            value=value,
            text=text,
            value_title=value_title,
            colour=colour,
            subtitle=ctx.subtitle,
        )

    return figure


def _views(kind: str) -> tuple[View, ...]:
    key = (KEY_PARAMS[kind],)
    return (
        View(
            id=f"{kind}.streams",
            page=kind,
            title="Streams and detected share",
            data=_streams(kind),
            figure=lambda df, ctx, p: ce.entity_streams_chart(df, subtitle=ctx.subtitle),
            headline=_streams_headline,
            metrics=("streams", "detected_streams", "detected_share"),
            sources=("fact_streams_daily",) if kind == "track" else ("mart_daily_label_fraud",),
            native=Native("column", "week", series=(("streams", "Streams"),)),
            params=key,
            percent=("detected_share", "confirmed_share"),
        ),
        View(
            id=f"{kind}.detections",
            page=kind,
            title="Detections by detector and typology",
            data=_loaded(kind, le.load_entity_detections, ("detector", "typology", "detections")),
            figure=_bars(
                "detector", "detections", "Detections by detector", "Detections", colour="typology"
            ),
            headline=_detections_headline,
            metrics=("detections",),
            sources=("fact_detection", "fact_review", "dim_detector", "dim_typology"),
            native=Native("bar", "detector", pivot=("typology", "detections"), stacked=True),
            params=key,
        ),
        View(
            id=f"{kind}.reviews",
            page=kind,
            title="Reviews and outcomes",
            data=_loaded(kind, le.load_entity_reviews, ("outcome", "reviews")),
            figure=_bars("outcome", "reviews", "Reviews by outcome", "Reviews"),
            headline=_reviews_headline,
            metrics=(),
            sources=("fact_review", "fact_detection"),
            native=Native("bar", "outcome", series=(("reviews", "Reviews"),)),
            params=key,
        ),
        View(
            id=f"{kind}.enforcement",
            page=kind,
            title="Enforcement actions, fees and reversals",
            data=_loaded(kind, le.load_entity_enforcement, ("enforcement_type", "actions")),
            figure=_bars("enforcement_type", "actions", "Enforcement actions by type", "Actions"),
            headline=_enforcement_headline,
            metrics=("enforcement_actions", "reversed_actions", "streams_removed"),
            sources=("fact_enforcement", "dim_enforcement_type"),
            native=Native("bar", "enforcement_type", series=(("actions", "Actions"),)),
            params=key,
        ),
        View(
            id=f"{kind}.appeals",
            page=kind,
            title="Appeals",
            data=_loaded(kind, le.load_entity_appeals, ("outcome", "appeals")),
            figure=_bars("outcome", "appeals", "Appeals by outcome", "Appeals"),
            headline=_appeals_headline,
            metrics=(),
            sources=("fact_appeal", "fact_enforcement"),
            native=Native("bar", "outcome", series=(("appeals", "Appeals"),)),
            params=key,
        ),
    )


# -- a case ---------------------------------------------------------------------------------


def _case_data(scope, f, url, p) -> pd.DataFrame:
    """The case's timeline (steps) with its SLA rows in ``attrs["sla"]``."""
    case_id = parse_id(p.get("id"))
    case = le.load_case(scope, case_id, url=url) if case_id else pd.DataFrame()
    if case.empty:
        return pd.DataFrame(columns=["at", "step", "team", "detail"])
    row = case.iloc[0]
    out = case_timeline(row, le.load_case_events(scope, case_id, url=url))
    as_of = pd.Timestamp(f.end) + pd.Timedelta(days=1)
    out.attrs["sla"] = sla_status(row, max(as_of, pd.Timestamp(row["opened_at"])))
    return out


def _case_headline(df: pd.DataFrame) -> str:
    sla = df.attrs.get("sla")
    if df.empty or sla is None:
        return "No such case"
    parts = []
    for r in sla.itertuples(index=False):
        state = {
            "met": "met",
            "breached": "breached",
            "running": "still open",
            "overdue": "overdue",
        }[r.status]
        parts.append(
            f"{r.stage.lower()} {fmt.hours(r.hours)} vs {fmt.hours(r.sla_hours)} SLA ({state})"
        )
    handoffs = int((df["step"] == "Hand-off").sum())
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}; {w.plural(handoffs, 'hand-off')}"


CASE_VIEW = View(
    id="case.timeline",
    page="case",
    title="Timeline against the SLA",
    data=_case_data,
    figure=lambda df, ctx, p: ce.case_timeline_chart(
        df, df.attrs.get("sla"), subtitle=ctx.subtitle
    ),
    headline=_case_headline,
    metrics=("time_to_first_response_h", "time_to_resolution_h", "handoffs"),
    sources=("fact_case", "fact_case_event", "dim_priority", "dim_team"),
    params=(KEY_PARAMS["case"],),
)

TRACK_VIEWS = _views("track")
LABEL_VIEWS = _views("label")
DISTRIBUTOR_VIEWS = _views("distributor")
VIEWS = (*TRACK_VIEWS, *LABEL_VIEWS, *DISTRIBUTOR_VIEWS, CASE_VIEW)
