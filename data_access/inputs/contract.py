"""The input layer's contract: what a team's warehouse hands the project, column by column.

One record per input (its grain, key, whether it may be absent) and per column (meaning,
type, unit, required or optional, allowed values, what needs it). Everything else reads this:
``docs/INPUTS.md`` is generated from it (``python -m data_access.inputs docs``), the checks
(``data_access.inputs.checks``) test a warehouse against it, ``apply`` creates the relations
``in_<input>`` it describes, and the build (``data_access.inputs.build``) turns them into the
star schema the marts read. The team writes one SELECT per input in its own dialect (a file
``<input>.sql``), or a column map for plain renames; the project does the rest: surrogate
keys, vocabularies, currencies, "last review wins", and the attribution of streams to
detections.

Allowed values written ``vocab:<name>`` are the project's own words; a team maps its words to
them in the business configuration (``config/business.toml`` ``[vocabularies.<name>]``), so
a verdict called ``fraud`` counts as ``confirmed`` and is never silently a zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types, as the checks cast them (portable SQL types).
TEXT, INTEGER, NUMBER, DATE, TIMESTAMP, BOOLEAN = (
    "text",
    "integer",
    "number",
    "date",
    "timestamp",
    "boolean",
)

# The project's own words (what the app compares against). A team's words are mapped to
# these in config/business.toml; anything unmapped is a check finding, not a zero.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "plan": ("premium", "family", "free", "trial", "other"),
    "source": ("algorithmic", "playlist", "search", "library", "other"),
    "device": ("mobile", "desktop", "other"),
    "detector_kind": ("rule", "model", "partner_report", "manual"),
    "typology": (
        "bot_farm",
        "ai_dilution",
        "click_farm",
        "playlist_stuffing",
        "account_takeover",
        "noise_loops",
        "distributor_fraud",
        "sabotage",
        "other",
    ),
    "verdict": ("pending", "confirmed", "false_positive", "insufficient_evidence", "escalated"),
    "action": (
        "stream_removal",
        "royalty_withholding",
        "per_track_fee",
        "takedown",
        "account_suspension",
        "warning",
    ),
    "appeal_outcome": ("pending", "upheld", "overturned"),
    "case_status": ("open", "escalated", "resolved"),
    "case_origin": ("detection", "partner_report", "manual"),
    "case_event": ("opened", "handoff", "resolved", "reopened", "other"),
    "priority": ("P1", "P2", "P3", "P4"),
    "team": (
        "fraud_ops",
        "finance",
        "legal",
        "content",
        "creator_services",
        "alm",
        "internal_audit",
    ),
    "event_kind": ("policy", "detector"),
    "label_type": ("major sub-label", "independent", "self-released", "other"),
    "risk_tier": ("low", "medium", "high"),
    "distributor_tier": ("major", "indie aggregator", "DIY"),
}


@dataclass(frozen=True)
class Col:
    """One column of an input: the API a team's SELECT must answer to."""

    name: str
    type: str
    meaning: str
    required: bool = True
    unit: str = ""
    allowed: str = ""  # "vocab:<name>", "iso2", ">= 0", "0..1", or "" (any)
    needed_by: tuple[str, ...] = ()  # pages or tiles that read it (empty: every page)
    default: str = ""  # what the project uses when an optional column is absent or NULL

    @property
    def vocabulary(self) -> str | None:
        return self.allowed.removeprefix("vocab:") if self.allowed.startswith("vocab:") else None


@dataclass(frozen=True)
class Input:
    """One input: a relation ``in_<name>`` the project reads, built from one SELECT."""

    name: str
    title: str
    grain: str
    key: tuple[str, ...]
    meaning: str
    columns: tuple[Col, ...]
    required: bool = True
    needed_by: tuple[str, ...] = ()  # what is hidden when an optional input is not mapped
    alternative_to: str = ""  # an input that may stand in for this one (plays for streams)
    references: dict[str, str] = field(default_factory=dict)  # column -> "input.column"

    @property
    def relation(self) -> str:
        return f"in_{self.name}"

    def column(self, name: str) -> Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def required_columns(self) -> tuple[Col, ...]:
        return tuple(c for c in self.columns if c.required)


_MARKET = Col(
    "market",
    TEXT,
    "The market (country) the activity counts in: an ISO 3166-1 alpha-2 code. Map names "
    "and other spellings in your SELECT; rows whose market is not a configured market are "
    "reported by the checks and kept out of market slices.",
    allowed="iso2",
)

STREAMS = Input(
    name="streams",
    title="Streams",
    grain="one row per day × track × market × plan (× source × device when you have them)",
    key=("day", "track_key", "market", "plan", "source", "device"),
    meaning="Royalty-bearing streams as the royalty run counts them. If you keep one row per "
    "play instead, map the `plays` input and leave this one out: the project aggregates.",
    columns=(
        Col("day", DATE, "The day of the streams, in the platform's reporting time zone."),
        Col(
            "track_key",
            TEXT,
            "Your key of the track (a URI, an ISRC, a uuid, a number): must match "
            "`catalogue.track_key`.",
        ),
        _MARKET,
        Col(
            "plan",
            TEXT,
            "The listener's product tier.",
            required=False,
            allowed="vocab:plan",
            default="other",
            needed_by=("Exposure (payout per plan)",),
        ),
        Col("source", TEXT, "How the stream was started.", False, allowed="vocab:source"),
        Col("device", TEXT, "The device class.", False, allowed="vocab:device"),
        Col("streams", INTEGER, "Streams counted for royalties.", unit="streams", allowed=">= 0"),
        Col(
            "listeners",
            INTEGER,
            "Distinct listeners behind the streams.",
            False,
            unit="listeners",
            allowed=">= 0",
            default="0",
        ),
        Col(
            "royalty_amount",
            NUMBER,
            "Royalties the streams earn, in `royalty_currency`.",
            False,
            unit="money",
            allowed=">= 0",
            default="streams × the payout per 1,000 streams of the market and plan "
            "(config `[payout]`) / 1,000",
            needed_by=("Overview", "Exposure", "Policy lab"),
        ),
        Col(
            "royalty_currency",
            TEXT,
            "ISO 4217 currency of `royalty_amount`; converted with config `[fx]`.",
            False,
            allowed="currency",
            default="EUR",
        ),
        Col(
            "flagged_streams",
            INTEGER,
            "Streams your detection service marked as suspicious. Leave it out to let the "
            "project attribute streams to detections (config `[attribution]`).",
            False,
            unit="streams",
            allowed=">= 0",
            default="attributed: all streams of the row when a detection of the track and "
            "market covers the day",
        ),
        Col(
            "detector",
            TEXT,
            "With `flagged_streams`: the detector your service attributes them to (the name "
            "used in `detections.detector`).",
            False,
            default="the attributed detection's detector",
        ),
        Col(
            "typology",
            TEXT,
            "With `flagged_streams`: the kind of fraud they were flagged for.",
            False,
            allowed="vocab:typology",
            default="the attributed detection's typology",
        ),
        Col(
            "confirmed_streams",
            INTEGER,
            "Streams confirmed as artificial after review.",
            False,
            unit="streams",
            allowed=">= 0",
            default="the flagged streams of rows whose detection's last verdict is confirmed",
        ),
        Col(
            "estimated_artificial_streams",
            INTEGER,
            "A model's estimate of all artificial streams, detected or not (recall and "
            "exposure read it).",
            False,
            unit="streams",
            allowed=">= 0",
            default="the flagged streams (recall then reads 100% by construction)",
            needed_by=("Funnel recall", "Exposure", "Trends artificial share"),
        ),
    ),
    references={"track_key": "catalogue.track_key"},
)

PLAYS = Input(
    name="plays",
    title="Plays",
    grain="one row per play",
    key=("play_key",),
    meaning="Alternative to `streams` for a platform that keeps play events: the project "
    "counts a play as a stream when it lasted at least config `[streams] min_ms` "
    "milliseconds and aggregates per day × track × market × plan.",
    columns=(
        Col("play_key", TEXT, "Your id of the play."),
        Col("played_at", TIMESTAMP, "When the play started (UTC)."),
        Col("track_key", TEXT, "Must match `catalogue.track_key`."),
        _MARKET,
        Col("plan", TEXT, "The listener's product tier.", False, allowed="vocab:plan"),
        Col("device", TEXT, "The device class.", False, allowed="vocab:device"),
        Col("ms_played", INTEGER, "How long the play lasted.", unit="ms", allowed=">= 0"),
        Col("listener_key", TEXT, "Your id of the listener.", False, default="not counted"),
    ),
    required=False,
    alternative_to="streams",
    references={"track_key": "catalogue.track_key"},
)

# A label's attributes, in the catalogue (per track) and in the labels input alike.
_LABEL_ATTRIBUTES = (
    Col("label_type", TEXT, "Kind of label.", False, allowed="vocab:label_type", default="other"),
    Col(
        "label_risk_tier",
        TEXT,
        "Your risk rating of the label.",
        False,
        allowed="vocab:risk_tier",
        default="low",
    ),
    Col(
        "distributor_tier",
        TEXT,
        "Kind of distributor.",
        False,
        allowed="vocab:distributor_tier",
        default="DIY",
    ),
)

CATALOGUE = Input(
    name="catalogue",
    title="Catalogue",
    grain="one row per track",
    key=("track_key",),
    meaning="Every track that has streams or detections, with the artist, label and "
    "distributor it is delivered under. Labels and distributors are sliced and pages are "
    "kept per label: a label belongs to one distributor.",
    columns=(
        Col("track_key", TEXT, "Your key of the track."),
        Col("isrc", TEXT, "ISRC (12 characters) of the recording.", False, default="none"),
        Col("title", TEXT, "Track title."),
        Col("artist_key", TEXT, "Your key of the artist.", False, default="the artist name"),
        Col("artist_name", TEXT, "Artist name.", False, default="Unknown artist"),
        Col("label_key", TEXT, "Your key of the label."),
        Col("label_name", TEXT, "Label name, as the pages show it."),
        Col("distributor_key", TEXT, "Your key of the distributor."),
        Col("distributor_name", TEXT, "Distributor name."),
        Col("genre", TEXT, "Genre.", False, default="unknown"),
        Col(
            "duration_s",
            INTEGER,
            "Track length.",
            False,
            unit="s",
            allowed=">= 0",
            default="0",
            needed_by=("Policy lab (noise-track rule)",),
        ),
        Col("is_ai", BOOLEAN, "The track is AI-generated.", False, default="false"),
        Col(
            "is_noise",
            BOOLEAN,
            "The track is noise / white noise / loops.",
            False,
            default="false",
            needed_by=("Policy lab (noise-track rule)",),
        ),
        Col("release_date", DATE, "First release.", False, default="1900-01-01"),
        *_LABEL_ATTRIBUTES,
    ),
)

LABELS = Input(
    name="labels",
    title="Labels",
    grain="one row per label",
    key=("label_key",),
    meaning="Optional: a label directory, for labels the catalogue does not name yet (a case "
    "about a label with no streams) and label attributes kept apart from tracks. Where both "
    "name a label, this input's name and attributes win.",
    columns=(
        Col("label_key", TEXT, "Your key of the label (as in `catalogue.label_key`)."),
        Col("label_name", TEXT, "Label name."),
        Col("distributor_key", TEXT, "Your key of its distributor."),
        Col("distributor_name", TEXT, "Distributor name."),
        *_LABEL_ATTRIBUTES,
    ),
    required=False,
    needed_by=("labels without tracks in the filters and on case pages",),
)

DETECTIONS = Input(
    name="detections",
    title="Detections",
    grain="one row per detection (a detector's finding about one track in one market)",
    key=("detection_key",),
    meaning="What the detectors found. Each detection is reviewed (see `reviews`); streams "
    "are attributed to it over its activity window.",
    columns=(
        Col("detection_key", TEXT, "Your id of the detection (a uuid is fine)."),
        Col("detected_at", TIMESTAMP, "When the detector raised it (UTC)."),
        Col(
            "activity_started_at",
            TIMESTAMP,
            "When the suspicious activity began.",
            False,
            default="detected_at minus config `[attribution] lookback_days`",
            needed_by=("Funnel time to detect",),
        ),
        Col("detector", TEXT, "Your name of the detector or model (one per version is fine)."),
        Col("detector_version", TEXT, "Its version.", False, default="-"),
        Col(
            "detector_kind",
            TEXT,
            "What kind of detector it is.",
            False,
            allowed="vocab:detector_kind",
            default="config `[detectors]` by detector name, else model",
        ),
        Col("typology", TEXT, "The kind of fraud.", allowed="vocab:typology"),
        Col("track_key", TEXT, "The track; must match `catalogue.track_key`."),
        _MARKET,
        Col("score", NUMBER, "Detector score.", False, unit="0–1", allowed="0..1", default="1"),
        Col(
            "streams_flagged",
            INTEGER,
            "Streams the detection flagged.",
            False,
            unit="streams",
            allowed=">= 0",
            default="the streams attributed to it",
        ),
        Col(
            "estimated_amount",
            NUMBER,
            "Royalties at stake, in `currency`.",
            False,
            unit="money",
            allowed=">= 0",
            default="attributed streams × payout",
        ),
        Col(
            "currency",
            TEXT,
            "ISO 4217 currency of `estimated_amount`.",
            False,
            allowed="currency",
            default="EUR",
        ),
    ),
    references={"track_key": "catalogue.track_key"},
)

REVIEWS = Input(
    name="reviews",
    title="Reviews",
    grain="one row per review decision (many per detection: second reviews are rows too)",
    key=("review_key",),
    meaning="Analysts' decisions on detections. The project keeps one outcome per "
    "detection: the last decided review wins (by `decided_at`), queued and started times "
    "are the first review's, and the number of reviews is kept. A detection without a "
    "review is pending, queued when it was detected.",
    columns=(
        Col("review_key", TEXT, "Your id of the review."),
        Col("detection_key", TEXT, "The detection reviewed; must match `detections`."),
        Col(
            "queued_at",
            TIMESTAMP,
            "When the review entered the queue.",
            False,
            default="the detection's detected_at",
        ),
        Col(
            "started_at",
            TIMESTAMP,
            "When an analyst opened it.",
            False,
            needed_by=("Operations plan (time in review)",),
        ),
        Col("decided_at", TIMESTAMP, "When it was decided; NULL while open.", False),
        Col(
            "reviewer",
            TEXT,
            "The analyst (personal data: pseudonymised on screen).",
            False,
            needed_by=("Operations plan (team)",),
        ),
        Col(
            "verdict", TEXT, "The decision, in your words mapped to ours.", allowed="vocab:verdict"
        ),
        Col(
            "streams_confirmed",
            INTEGER,
            "Streams the analyst confirmed as artificial.",
            False,
            unit="streams",
            allowed=">= 0",
            default="the detection's flagged streams when confirmed, else 0",
        ),
    ),
    references={"detection_key": "detections.detection_key"},
)

ACTIONS = Input(
    name="actions",
    title="Enforcement actions",
    grain="one row per action (a removal, a withholding, a fee, a takedown …)",
    key=("action_key",),
    meaning="What enforcement did, in any currency: a payments or royalty ledger is a "
    "typical source. A reversed action keeps its row with `reversed_at`.",
    columns=(
        Col("action_key", TEXT, "Your id of the action (a ledger entry id)."),
        Col("detection_key", TEXT, "The detection it enforces; must match `detections`."),
        Col(
            "action",
            TEXT,
            "The kind of action, in your codes mapped to ours.",
            allowed="vocab:action",
        ),
        Col("applied_at", TIMESTAMP, "When it took effect."),
        Col("track_key", TEXT, "The track.", False, default="the detection's track"),
        Col(
            "market",
            TEXT,
            "ISO 3166-1 alpha-2.",
            False,
            allowed="iso2",
            default="the detection's market",
        ),
        Col(
            "royalty_period",
            DATE,
            "First day of the royalty month it acts on.",
            False,
            default="the month of applied_at",
        ),
        Col(
            "streams_removed",
            INTEGER,
            "Streams taken out of the royalty run.",
            False,
            unit="streams",
            allowed=">= 0",
            default="0",
        ),
        Col(
            "amount",
            NUMBER,
            "Money withheld or charged, in `currency`.",
            False,
            unit="money",
            allowed=">= 0",
            default="0",
        ),
        Col(
            "currency",
            TEXT,
            "ISO 4217 currency of the amounts; converted with `[fx]`.",
            False,
            allowed="currency",
            default="EUR",
        ),
        Col(
            "recovered_amount",
            NUMBER,
            "Of a fee, what was actually collected.",
            False,
            unit="money",
            allowed=">= 0",
            default="0",
            needed_by=("Enforcement (fees recovered)",),
        ),
        Col(
            "reversed_at", TIMESTAMP, "When it was reversed (after an appeal); NULL if not.", False
        ),
    ),
    references={"detection_key": "detections.detection_key"},
)

APPEALS = Input(
    name="appeals",
    title="Appeals",
    grain="one row per appeal against an action",
    key=("appeal_key",),
    meaning="Appeals by rights holders. Optional: without it the appeal stages of the "
    "funnel and the appeal charts say that appeals are not mapped.",
    columns=(
        Col("appeal_key", TEXT, "Your id of the appeal."),
        Col("action_key", TEXT, "The action appealed; must match `actions`."),
        Col("filed_at", TIMESTAMP, "When it was filed."),
        Col("decided_at", TIMESTAMP, "When it was decided; NULL while open.", False),
        Col(
            "outcome",
            TEXT,
            "upheld: the action stands; overturned: it is reversed.",
            allowed="vocab:appeal_outcome",
        ),
        Col(
            "amount_restored",
            NUMBER,
            "Money paid back, in `currency`.",
            False,
            unit="money",
            allowed=">= 0",
            default="0",
        ),
        Col("currency", TEXT, "ISO 4217.", False, allowed="currency", default="EUR"),
    ),
    required=False,
    needed_by=("Funnel appeal stages", "Enforcement appeals", "Cases overturn rate"),
    references={"action_key": "actions.action_key"},
)

CASES = Input(
    name="cases",
    title="Cases",
    grain="one row per case in your case manager",
    key=("case_key",),
    meaning="Investigations and escalations. A case manager shaped like Marble (inboxes, "
    "statuses, outcomes) maps directly: the inbox is the owner team, statuses map to "
    "open / escalated / resolved. Without a priority, config `[priority]` assigns one.",
    columns=(
        Col("case_key", TEXT, "Your id of the case (uuid or number)."),
        Col("opened_at", TIMESTAMP, "When it was opened."),
        Col(
            "priority",
            TEXT,
            "P1 (urgent) … P4.",
            False,
            allowed="vocab:priority",
            default="config `[priority]` rule",
        ),
        Col(
            "origin",
            TEXT,
            "What opened it.",
            False,
            allowed="vocab:case_origin",
            default="detection when `detection_key` is set, else manual",
        ),
        Col("detection_key", TEXT, "The detection behind it, if any.", False),
        Col(
            "typology",
            TEXT,
            "The kind of fraud.",
            False,
            allowed="vocab:typology",
            default="the detection's, else other",
        ),
        Col("track_key", TEXT, "The track concerned.", False, default="the detection's track"),
        Col(
            "label_key",
            TEXT,
            "The label concerned, for a case about a label rather than one track.",
            False,
            default="the track's label",
        ),
        Col(
            "market",
            TEXT,
            "ISO 3166-1 alpha-2.",
            False,
            allowed="iso2",
            default="the detection's market",
        ),
        Col("owner_team", TEXT, "The team (inbox) that owns it now.", allowed="vocab:team"),
        Col(
            "first_response_at",
            TIMESTAMP,
            "First response.",
            False,
            default="the first case event after opening",
        ),
        Col(
            "escalated_at",
            TIMESTAMP,
            "First hand-off to a partner team.",
            False,
            default="the first hand-off event",
        ),
        Col("resolved_at", TIMESTAMP, "When it was closed; NULL while open.", False),
        Col("status", TEXT, "Current status.", allowed="vocab:case_status"),
        Col(
            "exposure_amount",
            NUMBER,
            "Money at stake, in `currency`.",
            False,
            unit="money",
            allowed=">= 0",
            default="0",
        ),
        Col("currency", TEXT, "ISO 4217.", False, allowed="currency", default="EUR"),
        Col("reopened", BOOLEAN, "It was reopened after resolution.", False, default="false"),
    ),
    required=False,
    needed_by=("Cases", "Operations plan (case backlog)", "Overview cases tile"),
    references={
        "detection_key": "detections.detection_key",
        "track_key": "catalogue.track_key",
        "label_key": "catalogue.label_key",
    },
)

CASE_EVENTS = Input(
    name="case_events",
    title="Case events",
    grain="one row per event of a case (hand-offs, status changes …)",
    key=("case_event_key",),
    meaning="A case's history. Hand-offs between teams drive the escalation charts and "
    "the case page's timeline.",
    columns=(
        Col("case_event_key", TEXT, "Your id of the event."),
        Col("case_key", TEXT, "Must match `cases.case_key`."),
        Col("event_at", TIMESTAMP, "When it happened."),
        Col("event_type", TEXT, "What happened.", allowed="vocab:case_event"),
        Col("from_team", TEXT, "Hand-offs: the team before.", False, allowed="vocab:team"),
        Col("to_team", TEXT, "Hand-offs: the team after.", False, allowed="vocab:team"),
    ),
    required=False,
    needed_by=("Cases escalations", "Case page timeline", "Operations plan (case backlog)"),
    references={"case_key": "cases.case_key"},
)

EVENTS = Input(
    name="events",
    title="Events",
    grain="one row per dated event worth marking on time charts",
    key=("event_date", "title"),
    meaning="Policy changes and detector launches, drawn as numbered marks on every time "
    "chart. Optional.",
    columns=(
        Col("event_date", DATE, "The day."),
        Col("kind", TEXT, "policy or detector.", allowed="vocab:event_kind"),
        Col("title", TEXT, "A few words."),
        Col("description", TEXT, "A sentence.", False, default="the title"),
    ),
    required=False,
    needed_by=("event marks on time charts",),
)

INPUTS: tuple[Input, ...] = (
    STREAMS,
    PLAYS,
    CATALOGUE,
    LABELS,
    DETECTIONS,
    REVIEWS,
    ACTIONS,
    APPEALS,
    CASES,
    CASE_EVENTS,
    EVENTS,
)
BY_NAME: dict[str, Input] = {i.name: i for i in INPUTS}


def get(name: str) -> Input:
    """An input by name; anything else is refused (names become SQL identifiers)."""
    if name not in BY_NAME:
        raise KeyError(f"unknown input {name!r}: one of {', '.join(BY_NAME)}")
    return BY_NAME[name]
