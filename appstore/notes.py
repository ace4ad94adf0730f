"""Annotations: a dated note (optionally a period) with a title, a text and an http(s) link,
for everyone or only for a slice (filters in URL form, as saved views keep them).

Anyone whose scope has the ``annotate`` right adds them; only the author edits or deletes
one; every add, edit and delete goes to the audit log. A note restricted to a slice is shown
only where the filters reach that slice, and only to scopes that cover it: a restricted
scope (a partner's portfolio) sees a sliced note only when the slice lies inside its own
labels or distributors. ``timeline`` merges the notes with the warehouse's policy and
detector events into the one frame every time chart draws (charts.common.event_layer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import and_, delete, func, insert, select, update

from appstore.db import engine
from appstore.schema import annotations
from data_access import audit
from data_access.access import Viewer
from data_access.dimensions import DIMENSIONS
from data_access.filters import MAX_ITEMS, Filters, Options
from data_access.scope import Scope

TITLE_MAX = 96
TEXT_MAX = 2000
LINK_MAX = 500
LIST_LIMIT = 500  # notes read per page run (the data's whole range)
SLICE_KEYS = tuple(d.key for d in DIMENSIONS)
KINDS = ("policy", "detector", "note")  # the order of same-day marks
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AnnotationError(ValueError):
    """A note that cannot be saved, or an action the viewer may not take; says why."""


@dataclass(frozen=True)
class Annotation:
    id: int
    author: str
    day: date
    title: str
    text: str = ""
    end_day: date | None = None
    link: str | None = None
    slice: dict[str, list[str]] = field(default_factory=dict)
    page: str = ""

    @property
    def last_day(self) -> date:
        return self.end_day or self.day


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- validation ------------------------------------------------------------------------------


def clean_title(title: object) -> str:
    text = " ".join(_CONTROL.sub(" ", str(title or "")).split())
    if not text:
        raise AnnotationError("Give the note a title.")
    if len(text) > TITLE_MAX:
        raise AnnotationError(f"A title has at most {TITLE_MAX} characters.")
    return text


def clean_text(text: object) -> str:
    text = str(text or "").replace("\r\n", "\n").strip()
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    if len(text) > TEXT_MAX:
        raise AnnotationError(f"A note's text has at most {TEXT_MAX} characters.")
    return text


def clean_link(link: object) -> str | None:
    """An absolute http(s) URL with a host, or None; anything else (javascript:, data:,
    relative paths, spaces) is refused."""
    text = str(link or "").strip()
    if not text:
        return None
    if len(text) > LINK_MAX:
        raise AnnotationError(f"A link has at most {LINK_MAX} characters.")
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or re.search(r"\s", text)
        or _CONTROL.search(text)
    ):
        raise AnnotationError("A link must be a web address starting with http:// or https://.")
    return text


def clean_slice(raw: Mapping[str, object] | None) -> dict[str, list[str]]:
    """Filters in URL form (``market`` -> ["NO"], ``label`` -> [names]); the period and
    anything that is not one of the six slicers is dropped."""
    out: dict[str, list[str]] = {}
    for key, value in dict(raw or {}).items():
        if key not in SLICE_KEYS:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        values = sorted({str(v).strip()[:200] for v in values if str(v).strip()})
        if len(values) > MAX_ITEMS:
            raise AnnotationError(f"A note's slice names at most {MAX_ITEMS} values per filter.")
        if values:
            out[key] = values
    return out


def _values(*, day, title, text, link, end_day, slice, page: str) -> dict[str, object]:
    if not isinstance(day, date):
        raise AnnotationError("Give the note a date.")
    if end_day is not None and not isinstance(end_day, date):
        raise AnnotationError("The end date is not a date.")
    if end_day is not None and end_day < day:
        raise AnnotationError("The end date is before the date.")
    return {
        "day": day,
        "end_day": end_day if end_day != day else None,
        "title": clean_title(title),
        "text": clean_text(text),
        "link": clean_link(link),
        "slice": clean_slice(slice) or None,
        "page": str(page or "")[:60],
    }


def _row(r) -> Annotation:
    return Annotation(
        id=r.id,
        author=r.author,
        day=_as_date(r.day),
        end_day=_as_date(r.end_day) if r.end_day is not None else None,
        title=r.title,
        text=r.text or "",
        link=r.link,
        slice=dict(r.slice or {}),
        page=r.page or "",
    )


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _audit(viewer: Viewer, action: str, note_id: int, values: Mapping[str, object]) -> None:
    audit.record(
        user=viewer.user,
        role=viewer.role,
        action=action,
        page=str(values.get("page") or "annotations"),
        item=f"annotation {note_id}: {values.get('title', '')}",
        filters={"date": str(values.get("day", "")), **dict(values.get("slice") or {})},
    )


def _may_annotate(viewer: Viewer) -> None:
    if not viewer.scope.annotate:
        raise AnnotationError("Your role may not add or change notes.")


# -- the store --------------------------------------------------------------------------------


def add_note(
    viewer: Viewer,
    *,
    day: date,
    title: str,
    text: str = "",
    link: str | None = None,
    end_day: date | None = None,
    slice: Mapping[str, object] | None = None,
    page: str = "",
    url: str | None = None,
) -> Annotation:
    """Save a note by ``viewer`` (who needs the annotate right); audited as 'create'."""
    _may_annotate(viewer)
    values = _values(
        day=day, title=title, text=text, link=link, end_day=end_day, slice=slice, page=page
    )
    now = utcnow()
    with engine(url).begin() as conn:
        note_id = conn.execute(
            insert(annotations)
            .values(author=viewer.user, created_at=now, updated_at=now, **values)
            .returning(annotations.c.id)
        ).scalar_one()
    _audit(viewer, "create", note_id, values)
    return get_note(note_id, url=url)


def edit_note(
    viewer: Viewer,
    note_id: int,
    *,
    day: date,
    title: str,
    text: str = "",
    link: str | None = None,
    end_day: date | None = None,
    slice: Mapping[str, object] | None = None,
    url: str | None = None,
) -> Annotation:
    """Change one of ``viewer``'s own notes (its page stays); audited as 'change'."""
    _may_annotate(viewer)
    before = get_note(note_id, url=url)
    if before is None or before.author != viewer.user:
        raise AnnotationError("Only the author of a note can edit it.")
    values = _values(
        day=day, title=title, text=text, link=link, end_day=end_day, slice=slice, page=before.page
    )
    t = annotations.c
    with engine(url).begin() as conn:
        done = conn.execute(
            update(annotations)
            .where(t.id == note_id, t.author == viewer.user)
            .values(updated_at=utcnow(), **values)
        ).rowcount
    if not done:
        raise AnnotationError("Only the author of a note can edit it.")
    _audit(viewer, "change", note_id, values)
    return get_note(note_id, url=url)


def delete_note(viewer: Viewer, note_id: int, *, url: str | None = None) -> None:
    """Delete one of ``viewer``'s own notes; audited as 'delete'."""
    before = get_note(note_id, url=url)
    t = annotations.c
    with engine(url).begin() as conn:
        done = conn.execute(
            delete(annotations).where(t.id == note_id, t.author == viewer.user)
        ).rowcount
    if not done or before is None:
        raise AnnotationError("Only the author of a note can delete it.")
    _audit(
        viewer,
        "delete",
        note_id,
        {"day": before.day, "title": before.title, "slice": before.slice, "page": before.page},
    )


def get_note(note_id: int, *, url: str | None = None) -> Annotation | None:
    with engine(url).connect() as conn:
        row = conn.execute(select(annotations).where(annotations.c.id == int(note_id))).first()
    return _row(row) if row else None


def notes_query(start: date, end: date, *, limit: int = LIST_LIMIT):
    """Notes whose day (or period) meets [start, end], by date (bound parameters)."""
    t = annotations.c
    last = func.coalesce(t.end_day, t.day)
    return (
        select(annotations)
        .where(and_(t.day <= end, last >= start))
        .order_by(t.day, t.id)
        .limit(limit)
    )


def notes_between(start: date, end: date, *, url: str | None = None) -> list[Annotation]:
    with engine(url).connect() as conn:
        return [_row(r) for r in conn.execute(notes_query(start, end))]


# -- who sees which note where ------------------------------------------------------------------


def _slice_ids(note: Annotation, options: Options) -> dict[str, set] | None:
    """The note's slice as the ids Filters hold, per Filters field; None when a name no
    longer resolves for this viewer (a label outside their options: not theirs to see)."""
    out: dict[str, set] = {}
    for d in DIMENSIONS:
        names = note.slice.get(d.key)
        if not names:
            continue
        known = options.id_of(d.key) if d.by_name else {n: n for n in options.names(d.key)}
        if any(n not in known for n in names):
            return None
        out[d.attr] = {known[n] for n in names}
    return out


def visible_to(note: Annotation, scope: Scope, options: Options) -> bool:
    """May ``scope`` see the note? A note for every slice: yes. A sliced note: an
    unrestricted scope, or one whose own labels / distributors contain the slice (and
    which restricts every dimension the slice names)."""
    if not note.slice:
        return True
    ids = _slice_ids(note, options)
    if ids is None:
        return False
    if scope.unrestricted:
        return True
    own = {"labels": scope.labels, "distributors": scope.distributors}
    for attr, values in ids.items():
        allowed = own.get(attr)
        if allowed is None or not values <= set(allowed):
            return False
    return True


def relevant_to(note: Annotation, filters: Filters, options: Options) -> bool:
    """Is the note shown for these filters? A note for every slice always; a sliced note
    when every slicer it names is set to at least one of its values."""
    if not note.slice:
        return True
    ids = _slice_ids(note, options)
    if ids is None:
        return False
    return all(set(getattr(filters, attr)) & values for attr, values in ids.items())


def notes_for(
    scope: Scope, filters: Filters, options: Options, *, url: str | None = None
) -> list[Annotation]:
    """The notes over the data's whole range that this scope sees for these filters."""
    notes = notes_between(options.min_date, options.max_date, url=url)
    return [n for n in notes if visible_to(n, scope, options) and relevant_to(n, filters, options)]


def slice_text(note: Annotation) -> str:
    """'markets NO · labels Marbra Music' (empty for a note on every slice)."""
    parts = []
    for d in DIMENSIONS:
        values = note.slice.get(d.key)
        if values:
            parts.append(f"{d.plural} " + ", ".join(values))
    return " · ".join(parts)


# -- one frame for the chart layer ----------------------------------------------------------------

TIMELINE_COLUMNS = (
    "n",
    "event_date",
    "end_date",
    "kind",
    "title",
    "description",
    "note_id",
    "author",
    "link",
    "slice",
)


def timeline(events: pd.DataFrame | None, notes: Iterable[Annotation]) -> pd.DataFrame:
    """The warehouse's events and the notes in one frame, by date, numbered from 1 (the
    number a chart prints at each mark and the list under it repeats)."""
    rows = []
    if events is not None and not events.empty:
        for e in events.itertuples(index=False):
            rows.append(
                {
                    "event_date": pd.Timestamp(e.event_date),
                    "end_date": pd.NaT,
                    "kind": str(e.kind),
                    "title": str(e.title),
                    "description": str(e.description),
                    "note_id": None,
                    "author": "",
                    "link": "",
                    "slice": "",
                }
            )
    for n in notes:
        who = f" ({n.author})" if n.author else ""
        rows.append(
            {
                "event_date": pd.Timestamp(n.day),
                "end_date": pd.Timestamp(n.end_day) if n.end_day else pd.NaT,
                "kind": "note",
                "title": n.title,
                "description": (n.text or n.title) + who,
                "note_id": n.id,
                "author": n.author,
                "link": n.link or "",
                "slice": slice_text(n),
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in TIMELINE_COLUMNS if c != "n"])
    if df.empty:
        return df.assign(n=pd.Series(dtype="int64"))[list(TIMELINE_COLUMNS)]
    order = {k: i for i, k in enumerate(KINDS)}
    df = df.assign(_k=df["kind"].map(order).fillna(len(KINDS)), _id=df["note_id"].fillna(0))
    df = df.sort_values(["event_date", "_k", "_id"], kind="stable").drop(columns=["_k", "_id"])
    df = df.reset_index(drop=True)
    df["event_date"] = pd.to_datetime(df["event_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    df["n"] = range(1, len(df) + 1)
    df["note_id"] = df["note_id"].astype("Int64")
    return df[list(TIMELINE_COLUMNS)]


# The time axis of a chart's frame, as the chart builders name it (charts/*), and the column
# a heatmap's last cell ends at. Other date columns (a detector's launch day, the previous
# period's dates) are not the axis.
TIME_AXES = ("week", "period", "day")
AXIS_END = "week_end"


def chart_span(df: pd.DataFrame | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The dates a time chart of ``df`` spans, or None: not a time chart."""
    if df is None or df.empty:
        return None
    axis = next(
        (c for c in TIME_AXES if c in df and pd.api.types.is_datetime64_any_dtype(df[c])), None
    )
    if axis is None:
        return None
    values = df[axis].dropna()
    if values.empty:
        return None
    end = df[AXIS_END].max() if AXIS_END in df else values.max()
    return values.min(), max(values.max(), end)


def within(timeline_df: pd.DataFrame | None, start, end) -> pd.DataFrame:
    """The marks a chart over [start, end] shows (a period note: when it overlaps)."""
    if timeline_df is None or timeline_df.empty:
        return pd.DataFrame(columns=list(TIMELINE_COLUMNS))
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    last = timeline_df["end_date"].fillna(timeline_df["event_date"])
    return timeline_df[(timeline_df["event_date"] <= t1) & (last >= t0)]
