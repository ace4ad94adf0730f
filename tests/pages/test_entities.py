"""AppTest of the entity pages (track, label, distributor, case) and the sidebar search:
a valid key, an unknown one, a hostile one, another team's case for a partner (the same
words as an unknown case), money hidden without the right."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_access.scope import Scope
from tests.support import warehouse
from tests.support.apptest import assert_clean, run_app, screen_text, view_as

WHOLE = ["2024-12-02", "2026-11-29"]
HOSTILE = "<script>alert(1)</script>' OR 1=1 --" + "x" * 300


@pytest.fixture(scope="module")
def keys(demo_frames) -> dict:
    det = demo_frames["fact_detection"]
    track_id = int(det["track_id"].value_counts().idxmax())
    tracks = demo_frames["dim_track"].set_index("track_id")
    ev = demo_frames["fact_case_event"]
    case_id = int(ev.loc[ev["event_type"] == "handoff", "case_id"].iloc[0])
    case = demo_frames["fact_case"].set_index("case_id").loc[case_id]
    teams = demo_frames["dim_team"].set_index("team_id")
    return {
        "isrc": tracks.loc[track_id, "isrc"],
        "title": tracks.loc[track_id, "title"],
        "label": int(det["label_id"].value_counts().idxmax()),
        "distributor": int(demo_frames["dim_label"]["distributor_id"].iloc[0]),
        "case": case_id,
        "team": teams.loc[case["owner_team_id"], "code"],
        "other_team": next(
            c for c in teams["code"] if c != teams.loc[case["owner_team_id"], "code"]
        ),
    }


BIG = 123_456_789_012_345_678  # an 18-digit id, as a warehouse's own BIGINT keys may be


@pytest.fixture(scope="module")
def big_case_url(duck_url, keys, tmp_path_factory) -> str:
    """The demo warehouse (a copy) plus case BIG: a copy of keys["case"] and its events."""

    def add_big_case(conn) -> None:
        cols = [c["name"] for c in sa.inspect(conn).get_columns("fact_case")]
        rest = ", ".join(c for c in cols if c != "case_id")
        conn.execute(
            sa.text(
                f"INSERT INTO fact_case (case_id, {rest}) "
                f"SELECT :big, {rest} FROM fact_case WHERE case_id = :old"
            ),
            {"big": BIG, "old": keys["case"]},
        )
        conn.execute(
            sa.text(
                "INSERT INTO fact_case_event (case_event_id, case_id, event_at, event_type,"
                " from_team_id, to_team_id) SELECT case_event_id + :shift, :big, event_at,"
                " event_type, from_team_id, to_team_id FROM fact_case_event"
                " WHERE case_id = :old"
            ),
            {"shift": BIG, "big": BIG, "old": keys["case"]},
        )

    path = tmp_path_factory.mktemp("big-ids") / "big.duckdb"
    return warehouse.edited_copy(duck_url, path, add_big_case)


def _open(monkeypatch, url, page, params):
    return run_app(
        monkeypatch, url, page=f"app_pages/{page}.py", params={"period": WHOLE, **params}
    )


def test_track_page(monkeypatch, duck_url, keys):
    at = _open(monkeypatch, duck_url, "track", {"isrc": keys["isrc"]})
    assert_clean(at)
    assert at.title[0].value == keys["title"]
    text = screen_text(at)
    assert "detections" in text and "enforcement action" in text
    assert len(at.get("vega_lite_chart")) >= 4
    labels = {m.label for m in at.metric}
    assert {"Royalties withheld", "Fees levied", "Reversed after appeal"} <= labels  # money


def test_label_and_distributor_pages_link_onwards(monkeypatch, duck_url, keys):
    at = _open(monkeypatch, duck_url, "label", {"id": str(keys["label"])})
    assert_clean(at)
    tracks = at.dataframe[-1].value
    assert tracks["track_page"].str.startswith("track?isrc=").all()
    at = _open(monkeypatch, duck_url, "distributor", {"id": str(keys["distributor"])})
    assert_clean(at)
    assert (
        at.dataframe[-1]
        .value["label_page"]
        .str.fullmatch(r"label\?id=\d+&period=2024-12-02&period=2026-11-29")
        .all()
    )


@pytest.mark.parametrize(
    "page, params, words",
    [
        ("track", {"isrc": "QZA009999999"}, "No track with ISRC QZA009999999 that you have"),
        ("track", {"isrc": HOSTILE}, "That is not an ISRC"),
        ("track", {}, "This link names no track"),
        ("case", {"id": "999999"}, "No case 999999 that you have access to"),
        ("case", {"id": HOSTILE}, "That is not a case id"),
        ("label", {"name": HOSTILE}, "No label"),
        ("distributor", {"id": "-1"}, "That is not a distributor id"),
    ],
)
def test_unknown_or_hostile_keys_say_so(monkeypatch, duck_url, page, params, words):
    at = _open(monkeypatch, duck_url, page, params)
    assert_clean(at)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
    assert "<script>" not in screen_text(at)
    assert not at.get("vega_lite_chart")


def test_case_page_opens_a_big_id(monkeypatch, big_case_url, keys):
    """An 18-digit case id (a BIGINT key) opens its case: the link was refused before P12."""
    at = _open(monkeypatch, big_case_url, "case", {"id": str(BIG)})
    assert_clean(at)
    assert at.title[0].value == f"Case {BIG}"
    steps = next(d.value for d in at.dataframe if "step" in d.value.columns)
    assert {"Opened", "Hand-off"} <= set(steps["step"])


@pytest.mark.parametrize(
    "page, raw",
    [
        ("case", "1234567890123456789"),  # 19 digits: more than we promise to send
        ("case", str(2**63)),  # beyond a BIGINT
        ("case", "\u00b2"),  # a digit to str.isdigit(), not to int()
        ("label", "9" * 19),
        ("distributor", "1e9"),
    ],
)
def test_ids_too_long_or_not_numbers_are_refused_readably(monkeypatch, duck_url, page, raw):
    at = _open(monkeypatch, duck_url, page, {"id": raw})
    assert_clean(at)
    assert [w.value for w in at.warning] == [
        f"That is not a {page} id (a whole number of up to 18 digits, e.g. ?id=42)."
    ]


@pytest.mark.parametrize("page", ["label", "distributor"])
def test_big_label_and_distributor_ids_are_looked_up(monkeypatch, duck_url, page):
    at = _open(monkeypatch, duck_url, page, {"id": str(BIG)})
    assert_clean(at)
    assert [w.value for w in at.warning] == [f"No {page} {BIG} that you have access to."]


def test_search_finds_a_big_case_id(monkeypatch, big_case_url):
    at = run_app(monkeypatch, big_case_url)
    at.text_input(key="search_text").input(f"#{BIG}").run()
    assert_clean(at)
    (link,) = [p for p in at.get("page_link") if p.proto.page == "case"]
    assert link.proto.label.startswith(f"Case {BIG}")
    assert link.proto.query_string == f"id={BIG}"
    at.text_input(key="search_text").input("\u00b2").run()  # one "digit" that is no id
    assert_clean(at)


def test_partner_opens_own_case_not_another_teams(monkeypatch, duck_url, keys):
    mine = Scope(role="partner", team=keys["team"], money=False)
    view_as(monkeypatch, mine)
    at = _open(monkeypatch, duck_url, "case", {"id": str(keys["case"])})
    assert_clean(at)
    assert at.title[0].value == f"Case {keys['case']}"
    assert "€" not in screen_text(at)  # no money
    steps = next(d.value for d in at.dataframe if "step" in d.value.columns)
    assert {"Opened", "Hand-off"} <= set(steps["step"])
    assert not any("exposure" in str(c).lower() for d in at.dataframe for c in d.value)
    theirs = Scope(role="partner", team=keys["other_team"], money=False)
    view_as(monkeypatch, theirs)
    at = _open(monkeypatch, duck_url, "case", {"id": str(keys["case"])})
    assert_clean(at)
    # Exactly the words of a case that does not exist: nothing tells the two apart.
    assert [w.value for w in at.warning] == [f"No case {keys['case']} that you have access to."]


def test_money_hidden_without_the_right(monkeypatch, duck_url, keys):
    view_as(monkeypatch, Scope(role="viewer", money=False))
    at = _open(monkeypatch, duck_url, "track", {"isrc": keys["isrc"]})
    assert_clean(at)
    assert not any("EUR" in str(c) or c.endswith("_eur") for d in at.dataframe for c in d.value)
    assert "€" not in screen_text(at)


def test_search_box_finds_and_links(monkeypatch, duck_url, keys):
    at = run_app(monkeypatch, duck_url)
    at.text_input(key="search_text").input(keys["isrc"]).run()
    assert_clean(at)
    links = at.get("page_link")
    assert links and keys["title"] in links[0].proto.label
    assert links[0].proto.page == "track"  # opens the track page
    assert links[0].proto.query_string == f"isrc={keys['isrc']}"
    at.text_input(key="search_text").input("zzzzqqq").run()
    assert "Nothing found that you have access to." in screen_text(at)


def test_one_label_in_the_filters_links_to_its_page(monkeypatch, duck_url, demo_frames):
    """A chart click (or a "What changed" driver, or the sidebar) that narrows to one label
    offers its page; two labels offer none."""
    names = demo_frames["dim_label"]["name"].tolist()[:2]
    at = run_app(
        monkeypatch,
        duck_url,
        page="app_pages/trends.py",
        params={"label": names[0], "period": WHOLE},
    )
    assert_clean(at)
    (button,) = [b for b in at.get("link_button") if "label page" in b.proto.label]
    assert button.proto.label == f"Open the label page of {names[0]}"
    assert button.proto.url.startswith("label?name=")
    assert button.proto.url.endswith("&period=2024-12-02&period=2026-11-29")
    at = run_app(monkeypatch, duck_url, page="app_pages/trends.py", params={"label": names})
    assert not [b for b in at.get("link_button") if "label page" in b.proto.label]
