"""The warehouse's star schema: one MetaData for dimensions, facts and marts.

Names follow ../shared/DOMAIN.md. Money is stored in EUR (``*_eur``) next to the market's
local currency where the source is local. Facts carry no surrogate primary key where a
warehouse would not (``fact_streams_daily``), so bulk loads stay fast at 100M rows.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
)

metadata = MetaData()

MONEY = Numeric(18, 4)

# The detection -> validation -> enforcement funnel, in order.
FUNNEL_STAGES = ("detected", "reviewed", "confirmed", "enforced", "appealed", "upheld")

# --- dimensions --------------------------------------------------------------------------

dim_date = Table(
    "dim_date",
    metadata,
    Column("date_key", Date, primary_key=True),
    Column("year", SmallInteger, nullable=False),
    Column("quarter", SmallInteger, nullable=False),
    Column("month", SmallInteger, nullable=False),
    Column("iso_year", SmallInteger, nullable=False),
    Column("iso_week", SmallInteger, nullable=False),
    Column("week_start", Date, nullable=False),
    Column("month_start", Date, nullable=False),
    Column("day_of_week", SmallInteger, nullable=False, comment="1 = Monday"),
    Column("is_weekend", Boolean, nullable=False),
)

dim_market = Table(
    "dim_market",
    metadata,
    Column("market_id", SmallInteger, primary_key=True),
    Column("iso2", String(2), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("fx_to_eur", Double, nullable=False),
    Column("payout_per_1k_streams_eur", Double, nullable=False),
)

dim_distributor = Table(
    "dim_distributor",
    metadata,
    Column("distributor_id", Integer, primary_key=True),
    Column("name", String(96), nullable=False),
    Column("tier", String(24), nullable=False, comment="major / indie aggregator / DIY"),
)

dim_label = Table(
    "dim_label",
    metadata,
    Column("label_id", Integer, primary_key=True),
    Column("name", String(96), nullable=False),
    Column("distributor_id", Integer, ForeignKey("dim_distributor.distributor_id"), nullable=False),
    Column("label_type", String(24), nullable=False),
    Column("risk_tier", String(12), nullable=False),
)

dim_artist = Table(
    "dim_artist",
    metadata,
    Column("artist_id", Integer, primary_key=True),
    Column("name", String(96), nullable=False),
    Column("label_id", Integer, ForeignKey("dim_label.label_id"), nullable=False),
)

dim_track = Table(
    "dim_track",
    metadata,
    Column("track_id", Integer, primary_key=True),
    Column("isrc", String(12), nullable=False, unique=True),
    Column("title", String(128), nullable=False),
    Column("artist_id", Integer, ForeignKey("dim_artist.artist_id"), nullable=False),
    Column("label_id", Integer, ForeignKey("dim_label.label_id"), nullable=False),
    Column("genre", String(32), nullable=False),
    Column("duration_s", SmallInteger, nullable=False),
    Column("is_ai", Boolean, nullable=False),
    Column("is_noise", Boolean, nullable=False),
    Column("release_date", Date, nullable=False),
)

dim_detector = Table(
    "dim_detector",
    metadata,
    Column("detector_id", SmallInteger, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="rule / model / partner_report / manual"),
    Column("version", String(16), nullable=False),
    Column("launched_on", Date, nullable=False),
)

dim_typology = Table(
    "dim_typology",
    metadata,
    Column("typology_id", SmallInteger, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
)

dim_enforcement_type = Table(
    "dim_enforcement_type",
    metadata,
    Column("enforcement_type_id", SmallInteger, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
)

dim_team = Table(
    "dim_team",
    metadata,
    Column("team_id", SmallInteger, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("is_partner", Boolean, nullable=False),
    Column("first_response_sla_hours", SmallInteger, nullable=False),
)

dim_priority = Table(
    "dim_priority",
    metadata,
    Column("priority", String(2), primary_key=True),
    Column("first_response_sla_hours", SmallInteger, nullable=False),
    Column("resolution_sla_hours", SmallInteger, nullable=False),
)

dim_event = Table(
    "dim_event",
    metadata,
    Column("event_id", SmallInteger, primary_key=True),
    Column("event_date", Date, nullable=False),
    Column("kind", String(16), nullable=False, comment="policy / detector"),
    Column("title", String(96), nullable=False),
    Column("description", String(400), nullable=False),
)

# --- facts -------------------------------------------------------------------------------

fact_streams_daily = Table(
    "fact_streams_daily",
    metadata,
    Column("date_key", Date, ForeignKey("dim_date.date_key"), nullable=False),
    Column("track_id", Integer, ForeignKey("dim_track.track_id"), nullable=False),
    Column("market_id", SmallInteger, ForeignKey("dim_market.market_id"), nullable=False),
    Column(
        "source", String(12), nullable=False, comment="algorithmic / playlist / search / library"
    ),
    Column("device", String(8), nullable=False, comment="mobile / desktop / other"),
    Column("plan", String(8), nullable=False, comment="premium / family / free / trial"),
    Column("streams", BigInteger, nullable=False),
    Column("listeners", Integer, nullable=False),
    Column("flagged_streams", BigInteger, nullable=False),
    Column("confirmed_streams", BigInteger, nullable=False),
    Column(
        "true_artificial_streams",
        BigInteger,
        nullable=False,
        comment="estimated artificial streams: ground truth in the demo, a model's estimate in "
        "a real warehouse",
    ),
    Column("royalty_eur", MONEY, nullable=False),
    # Attribution of flagged streams to the detection that flagged them (NULL if none).
    Column("typology_id", SmallInteger, ForeignKey("dim_typology.typology_id")),
    Column("detector_id", SmallInteger, ForeignKey("dim_detector.detector_id")),
)

fact_detection = Table(
    "fact_detection",
    metadata,
    Column("detection_id", BigInteger, primary_key=True),
    Column("detected_at", DateTime, nullable=False),
    Column("activity_started_at", DateTime, nullable=False),
    Column("detector_id", SmallInteger, ForeignKey("dim_detector.detector_id"), nullable=False),
    Column("typology_id", SmallInteger, ForeignKey("dim_typology.typology_id"), nullable=False),
    Column("track_id", Integer, ForeignKey("dim_track.track_id"), nullable=False),
    Column("label_id", Integer, ForeignKey("dim_label.label_id"), nullable=False),
    Column("market_id", SmallInteger, ForeignKey("dim_market.market_id"), nullable=False),
    Column("campaign_id", Integer, comment="demo ground truth; NULL for false positives"),
    Column("score", Double, nullable=False),
    Column("streams_flagged", BigInteger, nullable=False),
    Column("estimated_amount_eur", MONEY, nullable=False),
)

fact_review = Table(
    "fact_review",
    metadata,
    Column("review_id", BigInteger, primary_key=True),
    Column(
        "detection_id",
        BigInteger,
        ForeignKey("fact_detection.detection_id"),
        nullable=False,
        unique=True,
    ),
    Column("queued_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("decided_at", DateTime),
    Column("reviewer_id", Integer),
    Column(
        "outcome",
        String(24),
        nullable=False,
        comment="pending / confirmed / false_positive / insufficient_evidence / escalated",
    ),
    Column("streams_confirmed", BigInteger, nullable=False),
)

fact_enforcement = Table(
    "fact_enforcement",
    metadata,
    Column("enforcement_id", BigInteger, primary_key=True),
    Column("detection_id", BigInteger, ForeignKey("fact_detection.detection_id"), nullable=False),
    Column(
        "enforcement_type_id",
        SmallInteger,
        ForeignKey("dim_enforcement_type.enforcement_type_id"),
        nullable=False,
    ),
    Column("applied_at", DateTime, nullable=False),
    Column("track_id", Integer, ForeignKey("dim_track.track_id"), nullable=False),
    Column("label_id", Integer, ForeignKey("dim_label.label_id"), nullable=False),
    Column("distributor_id", Integer, ForeignKey("dim_distributor.distributor_id"), nullable=False),
    Column("market_id", SmallInteger, ForeignKey("dim_market.market_id"), nullable=False),
    Column("royalty_period", Date, nullable=False, comment="first day of the royalty month"),
    Column("streams_removed", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False, comment="in `currency`"),
    Column("currency", String(3), nullable=False),
    Column("amount_eur", MONEY, nullable=False),
    Column("recovered_eur", MONEY, nullable=False, comment="fees actually collected"),
    Column("status", String(12), nullable=False, comment="applied / reversed"),
    Column("reversed_at", DateTime),
)

fact_appeal = Table(
    "fact_appeal",
    metadata,
    Column("appeal_id", BigInteger, primary_key=True),
    Column(
        "enforcement_id", BigInteger, ForeignKey("fact_enforcement.enforcement_id"), nullable=False
    ),
    Column("filed_at", DateTime, nullable=False),
    Column("decided_at", DateTime),
    Column("outcome", String(12), nullable=False, comment="pending / upheld / overturned"),
    Column("amount_restored_eur", MONEY, nullable=False),
)

fact_case = Table(
    "fact_case",
    metadata,
    Column("case_id", BigInteger, primary_key=True),
    Column("opened_at", DateTime, nullable=False),
    Column("priority", String(2), ForeignKey("dim_priority.priority"), nullable=False),
    Column("origin", String(16), nullable=False, comment="detection / partner_report / manual"),
    Column("detection_id", BigInteger, ForeignKey("fact_detection.detection_id")),
    Column("typology_id", SmallInteger, ForeignKey("dim_typology.typology_id"), nullable=False),
    Column("market_id", SmallInteger, ForeignKey("dim_market.market_id"), nullable=False),
    Column("label_id", Integer, ForeignKey("dim_label.label_id"), nullable=False),
    Column("distributor_id", Integer, ForeignKey("dim_distributor.distributor_id"), nullable=False),
    Column("owner_team_id", SmallInteger, ForeignKey("dim_team.team_id"), nullable=False),
    Column("first_response_at", DateTime),
    Column("escalated_at", DateTime),
    Column("resolved_at", DateTime),
    Column("status", String(12), nullable=False, comment="open / escalated / resolved"),
    Column("exposure_eur", MONEY, nullable=False),
    Column("reopened", Boolean, nullable=False),
)

fact_case_event = Table(
    "fact_case_event",
    metadata,
    Column("case_event_id", BigInteger, primary_key=True),
    Column("case_id", BigInteger, ForeignKey("fact_case.case_id"), nullable=False),
    Column("event_at", DateTime, nullable=False),
    Column(
        "event_type", String(16), nullable=False, comment="opened / handoff / resolved / reopened"
    ),
    Column("from_team_id", SmallInteger, ForeignKey("dim_team.team_id")),
    Column("to_team_id", SmallInteger, ForeignKey("dim_team.team_id")),
)

# --- marts (derived by data_access.marts; what the pages read) ----------------------------


def _slice_keys() -> list[Column]:
    """The slice keys most marts carry (market, label, distributor, typology, detector), as
    new Column objects for one table."""
    return [
        Column("market_id", SmallInteger, nullable=False),
        Column("label_id", Integer, nullable=False),
        Column("distributor_id", Integer, nullable=False),
        Column("typology_id", SmallInteger, nullable=False),
        Column("detector_id", SmallInteger, nullable=False),
    ]


mart_daily_fraud = Table(
    "mart_daily_fraud",
    metadata,
    Column("date_key", Date, nullable=False),
    Column("market_id", SmallInteger, nullable=False),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
    Column("typology_id", SmallInteger, comment="NULL: streams no detection attributed"),
    Column("detector_id", SmallInteger),
    Column("streams", BigInteger, nullable=False),
    Column("flagged_streams", BigInteger, nullable=False),
    Column("confirmed_streams", BigInteger, nullable=False),
    Column("true_artificial_streams", BigInteger, nullable=False),
    Column("royalty_eur", MONEY, nullable=False),
    Column("confirmed_royalty_eur", MONEY, nullable=False),
    Column("at_risk_royalty_eur", MONEY, nullable=False, comment="(artificial - removed)+ x rate"),
)

mart_daily_detection = Table(
    "mart_daily_detection",
    metadata,
    Column("date_key", Date, nullable=False, comment="detection date"),
    *_slice_keys(),
    # Funnel stages; each stage's streams and money are those of the detections in it.
    *(
        Column(f"{kind}_{stage}", typ, nullable=False)
        for stage in FUNNEL_STAGES
        for kind, typ in (("n", Integer), ("streams", BigInteger), ("eur", MONEY))
    ),
    Column("false_positive", Integer, nullable=False),
    Column("hours_to_detect_sum", Double, nullable=False),
    Column("hours_to_decide_sum", Double, nullable=False),
)

mart_daily_enforcement = Table(
    "mart_daily_enforcement",
    metadata,
    Column("date_key", Date, nullable=False, comment="applied date"),
    *_slice_keys(),
    Column("enforcement_type_id", SmallInteger, nullable=False),
    Column("actions", Integer, nullable=False),
    Column("reversed", Integer, nullable=False),
    Column("streams_removed", BigInteger, nullable=False),
    Column("amount_eur", MONEY, nullable=False),
    Column("recovered_eur", MONEY, nullable=False),
    Column("reversed_eur", MONEY, nullable=False),
)

mart_case_daily = Table(
    "mart_case_daily",
    metadata,
    Column("date_key", Date, nullable=False, comment="opened date"),
    Column("market_id", SmallInteger, nullable=False),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
    Column("typology_id", SmallInteger, nullable=False),
    Column("priority", String(2), nullable=False),
    Column("owner_team_id", SmallInteger, nullable=False),
    Column("cases_opened", Integer, nullable=False),
    Column("cases_resolved", Integer, nullable=False),
    Column("cases_escalated", Integer, nullable=False),
    Column("first_response_breaches", Integer, nullable=False),
    Column("resolution_breaches", Integer, nullable=False),
    Column("sla_breaches", Integer, nullable=False, comment="either SLA missed"),
    Column("exposure_eur", MONEY, nullable=False),
)

# Rollups of mart_daily_fraud without one of its big keys: the same measures (same column
# names), orders of magnitude fewer rows at scale. Queries pick the smallest one holding
# the columns they filter or group by (queries.common.fraud_mart).


def _fraud_rollup(name: str, *keys: Column) -> Table:
    measures = [c for c in mart_daily_fraud.columns if c.name not in _FRAUD_KEYS]
    return Table(
        name,
        metadata,
        *keys,
        Column("typology_id", SmallInteger),
        Column("detector_id", SmallInteger),
        *(Column(c.name, c.type, nullable=False) for c in measures),
    )


_FRAUD_KEYS = ("date_key", "market_id", "label_id", "distributor_id", "typology_id", "detector_id")
mart_daily_market_fraud = _fraud_rollup(
    "mart_daily_market_fraud",
    Column("date_key", Date, nullable=False),
    Column("market_id", SmallInteger, nullable=False),
)
mart_daily_label_fraud = _fraud_rollup(
    "mart_daily_label_fraud",
    Column("date_key", Date, nullable=False),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
)

# Weekly rollup of the label rollup: ``date_key`` is the Monday of the ISO week. Queries over
# whole weeks (the Exposure history, the Trends label split) read ~5x fewer rows from it.
mart_weekly_label_fraud = _fraud_rollup(
    "mart_weekly_label_fraud",
    Column("date_key", Date, nullable=False, comment="Monday of the ISO week"),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
)

# Per track, all markets, the 13 ISO weeks ending with the week of ``date_key`` (a Monday):
# the track grain the artificial-share distribution needs ("the last 13 complete weeks"),
# one row per track with streams in those weeks, so a query reads one week's rows (as many
# as active tracks) instead of 13 weeks of the stream fact. Catalogue keys are denormalised
# so label and distributor filters need no join.
TRACK_WINDOW_WEEKS = 13
mart_track_13w = Table(
    "mart_track_13w",
    metadata,
    Column("date_key", Date, nullable=False, comment="Monday of the window's last ISO week"),
    Column("track_id", Integer, nullable=False),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
    Column("streams", BigInteger, nullable=False, comment="over the 13 weeks"),
    Column("true_artificial_streams", BigInteger, nullable=False, comment="over the 13 weeks"),
)

# One row per appeal, dated by the appealed action's applied day, with the slice keys of the
# action and its detection: appeal measures and their percentiles without joining the
# enforcement fact (millions of rows at scale) to the appeals (thousands).
mart_appeal = Table(
    "mart_appeal",
    metadata,
    Column("appeal_id", BigInteger, nullable=False),
    Column("date_key", Date, nullable=False, comment="applied date of the appealed action"),
    *_slice_keys(),
    Column("enforcement_type_id", SmallInteger, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("decide_hours", Double, comment="filing to decision; NULL while undecided"),
    Column("amount_restored_eur", MONEY, nullable=False),
)

# One row per detection with its latencies precomputed (detection joined to its review and
# its label's distributor once, at build time): the Funnel's per-detector percentiles.
mart_detection_latency = Table(
    "mart_detection_latency",
    metadata,
    Column("detection_id", BigInteger, nullable=False),
    Column("date_key", Date, nullable=False, comment="detection date"),
    *_slice_keys(),
    Column("hours_to_detect", Double, nullable=False, comment="activity start to detection"),
    Column("hours_to_validate", Double, comment="queued to decided; NULL while pending"),
)

# One row per track and royalty month (all markets), what the Policy lab replays a policy
# on: the month's streams and royalties, the part a detection flagged (by the kind of
# detector the rows are attributed to), the detections of the track that month (their
# highest score, decided reviews and review hours) and the track's streams over the 12
# months ending with this one. Catalogue keys are denormalised (no join at query time).
# ``<kind>_<measure>``: one column per detector kind (DETECTOR_KINDS).
DETECTOR_KINDS = ("rule", "model", "other")  # other: partner reports and manual tips
TRACK_MONTH_KIND_MEASURES = (
    ("streams", BigInteger),  # streams of the rows a detector of this kind flagged
    ("flagged", BigInteger),
    ("confirmed", BigInteger),
    ("royalty_eur", MONEY),
    ("flagged_royalty_eur", MONEY),
    ("confirmed_royalty_eur", MONEY),
    ("detections", Integer),
    ("reviews", Integer),  # decided reviews
    ("review_hours", Double),  # started -> decided, over the decided reviews
    ("score_max", Double),  # NULL: no detection of this kind in the month
)
mart_track_month = Table(
    "mart_track_month",
    metadata,
    Column("date_key", Date, nullable=False, comment="first day of the royalty month"),
    Column("track_id", Integer, nullable=False),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
    Column("is_noise", Boolean, nullable=False),
    Column("duration_s", SmallInteger, nullable=False),
    Column("streams", BigInteger, nullable=False),
    Column("streams_12m", BigInteger, nullable=False, comment="the 12 months ending with this"),
    Column("true_artificial_streams", BigInteger, nullable=False),
    Column("royalty_eur", MONEY, nullable=False),
    Column("artificial_royalty_eur", MONEY, nullable=False, comment="estimated artificial x rate"),
    *(
        Column(f"{k}_{m}", typ, nullable=m == "score_max")
        for k in DETECTOR_KINDS
        for m, typ in TRACK_MONTH_KIND_MEASURES
    ),
)

# The Policy lab's replay reads two derivatives of mart_track_month (data_access.marts
# builds them from it): the track-months a detection touched, every column, the only rows
# where detections, fees, withholding and reviews act; and the others rolled up. On an
# untouched track-month only the demonetisation rules act (fewer than ``min_streams`` streams
# in 12 months; a noise track shorter than ``noise_min_s``), so its rows are summed per
# month, label, distributor and the band of each rule's values they fall in: the band's
# floor is the largest allowed value at most the row's own (-1 below them all), and
# ``floor < value`` holds exactly when ``own < value`` for every allowed value. The Policy
# lab offers these values only (its parameters' allow-lists); a policy with others is
# replayed on mart_track_month's rows. Changing them means rebuilding the rollup.
POLICY_MIN_STREAMS = (0, 250, 500, 1000, 2000, 5000)
POLICY_NOISE_MIN_S = (0, 30, 60, 90, 120, 180)
mart_track_month_touched = Table(
    "mart_track_month_touched",
    metadata,
    *(c._copy() for c in mart_track_month.columns),
)
mart_track_month_quiet = Table(
    "mart_track_month_quiet",
    metadata,
    Column("date_key", Date, nullable=False, comment="first day of the royalty month"),
    Column("label_id", Integer, nullable=False),
    Column("distributor_id", Integer, nullable=False),
    Column("streams_12m_floor", BigInteger, nullable=False, comment="of POLICY_MIN_STREAMS"),
    Column("is_noise", Boolean, nullable=False),
    Column("duration_s_floor", SmallInteger, comment="of POLICY_NOISE_MIN_S; NULL: not noise"),
    Column("track_months", BigInteger, nullable=False),
    Column("streams", BigInteger, nullable=False),
    Column("royalty_eur", MONEY, nullable=False),
    Column("artificial_royalty_eur", MONEY, nullable=False),
    Column("protected_eur", MONEY, nullable=False, comment="least(artificial, royalty) per row"),
)

# --- the input layer's own tables (data_access.inputs.build writes them) ------------------

# Which inputs the warehouse maps (pages say what is missing); absent from hand-built stars.
meta_inputs = Table(
    "meta_inputs",
    metadata,
    Column("input", String(32), primary_key=True),
    Column("mapped", Boolean, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("built_at", DateTime, nullable=False),
)
# The project's id of every source key (a uuid, a URI, an ISRC): the search accepts them.
key_map = Table(
    "key_map",
    metadata,
    Column("kind", String(16), primary_key=True, comment="track / label / distributor / case …"),
    Column("source_key", String(200), primary_key=True),
    Column("id", BigInteger, nullable=False),
)
# How many reviews each detection had (fact_review keeps the last decided one).
review_rounds = Table(
    "review_rounds",
    metadata,
    Column("detection_id", BigInteger, primary_key=True),
    Column("reviews", Integer, nullable=False),
)
INPUT_LAYER = (meta_inputs, key_map, review_rounds)

DIMENSIONS = (
    dim_date,
    dim_market,
    dim_distributor,
    dim_label,
    dim_artist,
    dim_track,
    dim_detector,
    dim_typology,
    dim_enforcement_type,
    dim_team,
    dim_priority,
    dim_event,
)
FACTS = (
    fact_streams_daily,
    fact_detection,
    fact_review,
    fact_enforcement,
    fact_appeal,
    fact_case,
    fact_case_event,
)
MARTS = (
    mart_daily_fraud,
    mart_daily_detection,
    mart_daily_enforcement,
    mart_case_daily,
    mart_track_13w,
    mart_appeal,
    mart_detection_latency,
    mart_track_month,
    mart_track_month_touched,
    mart_track_month_quiet,
)
# Built from mart_daily_fraud (the weekly one from the daily label rollup).
ROLLUPS = (mart_daily_market_fraud, mart_daily_label_fraud, mart_weekly_label_fraud)
