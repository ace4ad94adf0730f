"""Notes on the time charts (appstore.notes): stored and migrated (SQLite and a real
PostgreSQL), author-only edit and delete, the annotate right from config/access.toml, every
change audited, slice visibility per scope, the one chart layer (numbered labels that never
overprint), the XLSX Annotations sheet and the deck's slide line."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation

from appstore import notes
from charts import common, export
from charts.theme import NOTE_COLOUR
from data_access import audit
from data_access.access import Viewer, load_config, viewer_for
from data_access.filters import Filters
from data_access.loaders.options import load_events, load_options
from data_access.scope import FULL, Scope
from reports.deck import DeckItem, build_deck

LEAD = Viewer("dev.lead@example.com", "leadership", FULL, ())
ANA = Viewer("ana.analyst@example.com", "analyst", Scope(role="analyst"), ())
EVER = (date(2000, 1, 1), date(2100, 1, 1))


def test_add_edit_delete_by_the_author_only_and_every_change_audited(store_url):
    n = notes.add_note(
        LEAD,
        day=date(2026, 3, 9),
        end_day=date(2026, 3, 15),
        title="  Norway   dip ",
        text="AI-content dilution.",
        link="https://wiki.example.com/x?y=1",
        slice={"market": ["NO"], "period": ["2026-01-01"], "bogus": ["1"]},
        page="trends",
        url=store_url,
    )
    assert (n.title, n.author, n.slice, n.last_day) == (
        "Norway dip",
        LEAD.user,
        {"market": ["NO"]},
        date(2026, 3, 15),
    )
    with pytest.raises(notes.AnnotationError, match="Only the author"):
        notes.edit_note(ANA, n.id, day=n.day, title="mine now", url=store_url)
    with pytest.raises(notes.AnnotationError, match="Only the author"):
        notes.delete_note(ANA, n.id, url=store_url)
    edited = notes.edit_note(LEAD, n.id, day=date(2026, 3, 10), title="Norway", url=store_url)
    assert (edited.day, edited.end_day, edited.slice, edited.page) == (
        date(2026, 3, 10),
        None,
        {},
        "trends",
    )
    assert [x.id for x in notes.notes_between(date(2026, 3, 10), date(2026, 3, 10), url=store_url)]
    assert notes.notes_between(date(2026, 3, 11), date(2026, 4, 1), url=store_url) == []
    notes.delete_note(LEAD, n.id, url=store_url)
    assert notes.get_note(n.id, url=store_url) is None
    log = audit.load_events(user=LEAD.user)
    mine = log[log["item"].str.startswith(f"annotation {n.id}:")]
    assert list(mine["action"])[::-1][-3:] == ["create", "change", "delete"]
    assert not audit.load_events(user=ANA.user)["item"].str.startswith(f"annotation {n.id}:").any()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("link", "javascript:alert(1)", "http"),
        ("link", "ftp://example.com/x", "http"),
        ("link", "https://", "http"),
        ("link", "https://ex ample.com", "http"),
        ("link", "/relative/path", "http"),
        ("title", "   ", "title"),
        ("title", "x" * 97, "at most"),
        ("text", "x" * 2001, "at most"),
        ("end_day", date(2026, 3, 1), "before"),
    ],
)
def test_bad_notes_are_refused_with_a_message(field, value, message):
    fields = {"day": date(2026, 3, 9), "title": "ok", field: value}
    with pytest.raises(notes.AnnotationError, match=message):
        notes.add_note(ANA, **fields)
    assert notes.notes_between(*EVER) == []


def test_the_annotate_right_comes_from_the_access_config():
    config = load_config()
    no_ids = lambda labels, dists: ((), ())  # noqa: E731 - nobody here has a portfolio
    rights = {
        who: viewer_for(who, config, no_ids).scope.annotate
        for who in ("dev.lead@example.com", "ana.analyst@example.com", "vic.viewer@example.com")
    }
    assert rights == {
        "dev.lead@example.com": True,
        "ana.analyst@example.com": True,
        "vic.viewer@example.com": False,
    }
    vic = viewer_for("vic.viewer@example.com", config, no_ids)
    with pytest.raises(notes.AnnotationError, match="may not"):
        notes.add_note(vic, day=date(2026, 3, 9), title="nope")
    assert notes.notes_between(*EVER) == []


def test_a_sliced_note_is_shown_only_where_the_filters_reach_it_and_to_scopes_covering_it(
    duck_url,
):
    opts = load_options(FULL, url=duck_url)
    (label_id, label), (other_id, _other) = opts.labels[0], opts.labels[1]
    everyone = notes.add_note(LEAD, day=date(2026, 3, 9), title="For everyone")
    by_market = notes.add_note(LEAD, day=date(2026, 3, 9), title="NO", slice={"market": ["NO"]})
    by_label = notes.add_note(LEAD, day=date(2026, 3, 9), title="L", slice={"label": [label]})
    start, end = opts.default_period()
    unfiltered = Filters(start=start, end=end)
    norway = unfiltered.narrowed(markets=("NO", "SE"))
    shown = lambda scope, f, o=opts: [n.title for n in notes.notes_for(scope, f, o)]  # noqa: E731
    assert shown(FULL, unfiltered) == ["For everyone"]
    assert shown(FULL, norway) == ["For everyone", "NO"]
    assert shown(FULL, unfiltered.narrowed(labels=(label_id,))) == ["For everyone", "L"]
    # A partner whose portfolio holds the label sees its note, never the market's.
    partner = Scope(role="partner", labels=(label_id,), money=False)
    partner_opts = load_options(partner, url=duck_url)
    f = norway.narrowed(labels=(label_id,))
    assert shown(partner, f, partner_opts) == ["For everyone", "L"]
    assert not notes.visible_to(by_market, partner, partner_opts)
    outsider = Scope(role="partner", labels=(other_id,), money=False)
    assert not notes.visible_to(by_label, outsider, load_options(outsider, url=duck_url))
    assert notes.visible_to(everyone, outsider, opts)
    team = Scope(role="partner", team="legal", money=False)
    assert not notes.visible_to(by_label, team, opts)  # no portfolio of labels: not theirs


def _timeline():
    events = pd.DataFrame(
        {
            "event_date": pd.to_datetime(["2026-03-02", "2026-03-03"]),
            "kind": ["detector", "policy"],
            "title": ["AI-content classifier launched", "Stream threshold policy"],
            "description": ["d1", "d2"],
        }
    )
    marks = [
        notes.Annotation(i, "ana@example.com", date(2026, 3, 2), f"Analyst note number {i}")
        for i in range(1, 6)
    ] + [
        notes.Annotation(
            9, "ana@example.com", date(2026, 2, 1), "Campaign", end_day=date(2026, 3, 20)
        )
    ]
    return notes.timeline(events, marks)


def test_one_layer_numbers_every_mark_and_no_label_prints_over_another():
    tl = _timeline()
    assert list(tl["n"]) == list(range(1, 9))
    assert list(tl["kind"][:4]) == ["note", "detector", "note", "note"]  # by date, then kind
    df = pd.DataFrame({"week": pd.date_range("2026-02-23", periods=6, freq="W-MON"), "v": 1.0})
    layers = common.event_layer(tl, "week", df["week"].min(), df["week"].max())
    specs = [layer.to_dict() for layer in layers]
    marks = [s["mark"]["type"] for s in specs]
    assert marks.count("rect") == 1  # the campaign's period, clipped to the chart
    assert {s["mark"].get("color") for s in specs if s["mark"]["type"] == "rule"} >= {NOTE_COLOUR}
    placed = []  # (lane y, left px, right px) of every printed label at the plan width
    t0, t1 = df["week"].min(), df["week"].max()
    for s in specs:
        if s["mark"]["type"] != "text":
            continue
        for row in s["datasets"][s["data"]["name"]]:
            x = (pd.Timestamp(row["week"]) - t0) / (t1 - t0) * common.EVENT_PLAN_WIDTH
            w = common._label_px(row["label"])
            left = x if s["mark"]["align"] == "left" else x - w
            placed.append((s["encoding"]["y"]["value"], left, left + w, row["label"]))
    assert len(placed) >= 3
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert a[0] != b[0] or a[2] <= b[1] or b[2] <= a[1], (a, b)
    # Marks whose title finds no room are named by their numbers, so every mark is named.
    named = set()
    for *_, label in placed:
        head, _, rest = label.partition(" ")
        named |= {int(x) for x in label.split(", ")} if "," in label or not rest else {int(head)}
    assert named == set(tl["n"])


def test_xlsx_has_an_annotations_sheet_numbered_as_on_the_chart():
    from ui.notes import export_frame

    tl = _timeline()
    data = export.xlsx_bytes(
        pd.DataFrame({"week": pd.to_datetime(["2026-03-02"]), "v": [1]}),
        title="Trend",
        context={"Period": "x"},
        marks=export_frame(tl[tl["title"].str.contains("=|Campaign|classifier")]),
    )
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Data", "About", "Annotations"]
    rows = list(wb["Annotations"].values)
    assert rows[0][:5] == ("number", "date", "until", "kind", "title")
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (1, "Note", "Campaign"),
        (2, "Detector", "AI-content classifier launched"),
    ]
    assert any("Annotations" in str(r[1]) for r in wb["About"].values)


def test_a_note_is_listed_on_the_deck_slide(duck_url):
    opts = load_options(FULL, url=duck_url)
    start, end = opts.default_period()
    notes.add_note(LEAD, day=start + (end - start) / 2, title="Spike explained")
    notes.add_note(LEAD, day=start, title="Only NO", slice={"market": ["NO"]})
    deck = build_deck(
        [DeckItem("overview.trend", Filters(start=start, end=end))],
        title="t",
        url=duck_url,
        as_of=opts.max_date,
        options=opts,
        events=load_events(url=duck_url),
    )
    slide = Presentation(io.BytesIO(deck)).slides[1]
    foot = next(s for s in slide.shapes if s.name == "Footnote").text_frame.text
    assert "Marked: " in foot and "Note: Spike explained" in foot and "Only NO" not in foot


def test_only_the_time_axis_makes_a_time_chart():
    launches = pd.DataFrame({"launched_on": pd.to_datetime(["2020-01-01"]), "precision": [0.9]})
    assert notes.chart_span(launches) is None  # a detector table, not a time chart
    heat = pd.DataFrame(
        {
            "week": pd.to_datetime(["2026-03-02", "2026-03-09"]),
            "week_end": pd.to_datetime(["2026-03-09", "2026-03-16"]),
            "date": pd.to_datetime(["2025-01-01", "2025-01-08"]),  # another period's dates
        }
    )
    assert notes.chart_span(heat) == (pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-16"))


def test_migration_0002_upgrades_a_0001_store_and_downgrades_cleanly(tmp_path):
    from sqlalchemy import create_engine, inspect

    from appstore import db

    eng = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    db.migrate(eng, "0001")  # a store as the previous release left it
    assert "annotations" not in inspect(eng).get_table_names()
    db.migrate(eng)
    assert "annotations" in inspect(eng).get_table_names()
    assert {i["name"] for i in inspect(eng).get_indexes("annotations")} == {"ix_annotations_day"}
    from alembic import command

    with eng.begin() as conn:
        command.downgrade(db.alembic_config(conn), "0001")
    assert "annotations" not in inspect(eng).get_table_names()
    assert "saved_views" in inspect(eng).get_table_names()
    eng.dispose()
