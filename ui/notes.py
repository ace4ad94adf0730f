"""Notes on the time charts: the page's one timeline (warehouse events + the notes this
viewer may see here), and under each time chart the numbered list of its marks, a small
form to add a note and, for the author, edit and delete.

The store, its rules and its audit are appstore.notes; this module is the widgets.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from appstore import notes as store
from data_access.access import Viewer
from data_access.filters import Filters, Options
from reports.view import View
from ui import render

if TYPE_CHECKING:
    from ui.page import PageContext

log = logging.getLogger("fraud.annotations")
KIND_WORDS = {"policy": "Policy", "detector": "Detector", "note": "Note"}


def page_timeline(
    viewer: Viewer, f: Filters, opts: Options, events: pd.DataFrame | None
) -> pd.DataFrame:
    """Events and the notes shown for these filters, numbered (what every chart draws).
    An unreadable store costs the notes, never the page."""
    try:
        notes = store.notes_for(viewer.scope, f, opts)
    except SQLAlchemyError:
        log.exception("annotations could not be read")
        st.caption("Notes cannot be read right now; the charts show the events only.")
        notes = []
    return store.timeline(events, notes)


def marks_for(df: pd.DataFrame | None, ctx: PageContext) -> pd.DataFrame:
    """The events and notes a chart of ``df`` shows (empty for a chart without dates)."""
    span = store.chart_span(df)
    if span is None:
        return store.within(None, None, None)
    return store.within(ctx.events, *span)


def export_frame(marks: pd.DataFrame) -> pd.DataFrame:
    """The marks as an export sheet: number, date(s), kind, title, text, author, link."""
    return pd.DataFrame(
        {
            "number": marks["n"].astype(int),
            "date": pd.to_datetime(marks["event_date"]),
            "until": pd.to_datetime(marks["end_date"]),
            "kind": marks["kind"].map(KIND_WORDS).fillna(marks["kind"]),
            "title": marks["title"],
            "text": marks["description"],
            "author": marks["author"],
            "slice": marks["slice"],
            "link": marks["link"],
        }
    ).reset_index(drop=True)


def who(author: str) -> str:
    """An author as the list shows them: the e-mail's name part ("ana.analyst")."""
    return str(author).split("@", 1)[0]


def _line(m) -> str:
    when = f"{m.event_date:%-d %b %Y}"
    if pd.notna(m.end_date):
        when += f" – {m.end_date:%-d %b %Y}"
    head = f"**{int(m.n)}** · {when} · {KIND_WORDS.get(m.kind, m.kind)}: {render.plain(m.title)}"
    if m.kind != "note":
        return head
    text = m.description
    if m.author and text.endswith(f" ({m.author})"):
        text = text[: -len(m.author) - 3]
    parts = [head]
    if text and text != m.title:
        parts.append(render.plain(text))
    if m.link:
        parts.append(f"[link]({m.link.replace(')', '%29').replace('(', '%28')})")
    where = f" · {render.plain(m.slice)}" if m.slice else ""
    parts.append(f"by {render.plain(who(m.author))}{where}")
    return " — ".join(parts)


def below_chart(view: View, df: pd.DataFrame, ctx: PageContext) -> None:
    """Under a time chart: its numbered marks, "Add a note", and the author's own notes."""
    span = store.chart_span(df)
    if span is None or view.plotly:
        return
    marks = store.within(ctx.events, *span)
    if not marks.empty:
        st.caption("  \n".join(_line(m) for m in marks.itertuples()))
    if not ctx.scope.annotate:
        return
    key = f"note_{view.id.replace('.', '_')}"
    mine = marks[marks["kind"].eq("note") & marks["author"].eq(ctx.viewer.user)]
    with st.popover("Add a note", icon=":material/add_comment:"):
        lo, hi = ctx.options.min_date, ctx.options.max_date
        _form(ctx, key=f"{key}_add", day=min(max(span[1].date(), lo), hi))
        if not mine.empty:
            st.markdown("**Edit or delete one of your notes**")
            _mine(ctx, key, mine)


def _form(ctx: PageContext, *, key: str, day: date, note: store.Annotation | None = None):
    sliced_now = ctx.filters.to_query_params(ctx.options)
    sliced_now.pop("period", None)
    # A note kept from a longer history may lie outside the data's current range.
    lo = min(ctx.options.min_date, note.day) if note else ctx.options.min_date
    hi = max(ctx.options.max_date, note.last_day) if note else ctx.options.max_date
    with st.form(key, clear_on_submit=note is None, border=False):
        c1, c2 = st.columns(2)
        on = c1.date_input(
            "Date",
            value=note.day if note else day,
            min_value=lo,
            max_value=hi,
            key=f"{key}_day",
        )
        until = c2.date_input(
            "Until (optional)",
            value=note.end_day if note else None,
            min_value=lo,
            max_value=hi,
            key=f"{key}_until",
        )
        title = st.text_input(
            "Title", value=note.title if note else "", max_chars=store.TITLE_MAX, key=f"{key}_title"
        )
        text = st.text_area(
            "Text", value=note.text if note else "", max_chars=store.TEXT_MAX, key=f"{key}_text"
        )
        link = st.text_input(
            "Link (optional)",
            value=(note.link or "") if note else "",
            placeholder="https://…",
            key=f"{key}_link",
        )
        only = st.checkbox(
            "Only for this slice",
            value=bool(note and note.slice),
            disabled=not sliced_now and not (note and note.slice),
            help=(
                f"Shown only where the filters include {ctx.context.split(' · ', 1)[-1]}"
                if sliced_now
                else "Set a market, label, ... filter to keep the note to that slice."
            ),
            key=f"{key}_only",
        )
        saved = st.form_submit_button("Save note" if note is None else "Save changes")
    if not saved:
        return
    # Editing keeps the note's own slice; a new note takes the filters it was written under.
    the_slice = (note.slice if note and note.slice else sliced_now) if only else {}
    fields = dict(day=on, end_day=until, title=title, text=text, link=link, slice=the_slice)
    try:
        if note is None:
            store.add_note(ctx.viewer, page=ctx.page, **fields)
        else:
            store.edit_note(ctx.viewer, note.id, **fields)
    except store.AnnotationError as err:
        st.warning(str(err))
        return
    except SQLAlchemyError:
        log.exception("annotation could not be saved")
        st.warning("The note could not be saved right now; try again in a moment.")
        return
    st.toast("Note saved.", icon=":material/check:")
    st.rerun()  # the whole page: every chart draws the new timeline


def _mine(ctx: PageContext, key: str, mine: pd.DataFrame) -> None:
    ids = [int(i) for i in mine["note_id"]]
    labels = {int(m.note_id): f"{int(m.n)} · {m.title}" for m in mine.itertuples()}
    picked = st.selectbox(
        "Note",
        ids,
        format_func=lambda i: labels[i],
        key=f"{key}_pick",
        label_visibility="collapsed",
    )
    note = store.get_note(picked) if picked is not None else None
    if note is None:
        return
    _form(ctx, key=f"{key}_edit_{note.id}", day=note.day, note=note)
    if st.button("Delete note", key=f"{key}_delete_{note.id}", icon=":material/delete:"):
        try:
            store.delete_note(ctx.viewer, note.id)
        except store.AnnotationError as err:
            st.warning(str(err))
            return
        st.toast("Note deleted.", icon=":material/delete:")
        st.rerun()
