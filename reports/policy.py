"""The Policy lab's views: candidate policies replayed on history against the current one
(counts, money), the frontier of one parameter's sweep, and the members hit hardest.

A candidate policy is URL settings (``policy_<i>_<parameter>``, allow-listed ``Param``s,
shared by every view of the page), so a set of candidates is saved and shared as a saved
view of the page, and a slide holds the candidates' parameters (each policy's name in the
chart carries them, and the slide's link reproduces them).
"""

from __future__ import annotations

from collections.abc import Mapping

from analytics import format as fmt
from analytics.policy import describe
from charts import policy as cp
from data_access.loaders import policy as lp
from data_access.queries.policy import CURRENT, MIN_STREAMS_VALUES, NOISE_MIN_S_VALUES, Policy
from reports.view import COUNT_FORMAT, MONEY_FORMAT, Native, Param, View

MAX_CANDIDATES = 3
_CUTOFF_KINDS = ("rule", "model")
_DEFAULTS = {1: {"fee": "80", "amount": "15"}}  # the first question: 80% / EUR 15
# The demonetisation rules' values: those the quiet rollup's bands answer for (off them, a
# replay reads every row).
_MIN_STREAMS = tuple(str(v) for v in MIN_STREAMS_VALUES)
_NOISE_MIN_S = tuple(str(v) for v in NOISE_MIN_S_VALUES)


def _candidate_params(i: int) -> tuple[Param, ...]:
    d = _DEFAULTS.get(i, {})

    def param(name, label, choices, default, help_="", noun=""):
        return Param(
            f"policy_{i}_{name}",
            label,
            choices,
            default=d.get(name, default),
            shared=True,
            help=help_,
            noun=f"candidate {i} {noun or label.lower()}",
        )

    out = [
        param(
            "fee",
            "Fee above (%)",
            ("50", "60", "70", "75", "80", "85", "90", "95", "99"),
            "90",
            "Fine a track-month when more than this share of the streams a detection flagged "
            "is removed as artificial.",
        ),
        param("amount", "Fee (EUR)", ("0", "5", "10", "15", "20", "25", "30", "45"), "10"),
        param(
            "min_streams",
            "Min streams/12 mo",
            _MIN_STREAMS,
            "1000",
            "Tracks with fewer streams over the 12 months ending with a royalty month earn "
            "nothing that month.",
        ),
        param(
            "noise_s",
            "Noise min (s)",
            _NOISE_MIN_S,
            "120",
            "Noise tracks shorter than this earn nothing.",
        ),
    ]
    for kind in _CUTOFF_KINDS:
        out += [
            param(
                f"{kind}_auto",
                f"{kind.capitalize()}s: auto ≥",
                ("off", "0.99", "0.98", "0.95", "0.9", "0.85", "0.8"),
                "off",
                f"Detections by {kind}s scoring at least this are enforced without review.",
                f"{kind}s' auto-enforce cut-off",
            ),
            param(
                f"{kind}_ignore",
                f"{kind.capitalize()}s: ignore <",
                ("0", "0.3", "0.4", "0.5", "0.6", "0.7"),
                "0",
                f"Detections by {kind}s scoring less are neither reviewed nor enforced.",
                f"{kind}s' ignore cut-off",
            ),
        ]
    out.append(param("withhold", "Withheld (%)", ("0", "25", "50", "70", "85", "100"), "70"))
    return tuple(out)


CANDIDATES_N = Param(
    "policy_n", "Candidates", ("1", "2", "3"), default="1", widget="segmented", shared=True
)
CANDIDATE_PARAMS = {i: _candidate_params(i) for i in range(1, MAX_CANDIDATES + 1)}
SWEEP_VALUES = {
    "fee_threshold": ("0.5", "0.6", "0.7", "0.75", "0.8", "0.85", "0.9", "0.95", "0.99"),
    "fee_eur": ("0", "5", "10", "15", "20", "30", "45"),
    "min_streams": _MIN_STREAMS,
    "model_auto": ("0.8", "0.85", "0.9", "0.95", "0.98", "0.99", "1.01"),
    "rule_ignore": ("0", "0.3", "0.4", "0.5", "0.6", "0.7"),
}
SWEEP_NAMES = {
    "fee_threshold": "fee threshold",
    "fee_eur": "fee amount",
    "min_streams": "minimum streams",
    "model_auto": "models' auto-enforce cut-off",
    "rule_ignore": "rules' ignore cut-off",
}
# The sweep's choices as people say them (the URL keeps these words): -> parameter.
SWEEP_CHOICES = {
    "fee threshold": "fee_threshold",
    "fee amount": "fee_eur",
    "minimum streams": "min_streams",
    "models auto-enforce": "model_auto",
    "rules ignore": "rule_ignore",
}
SWEEP = Param("policy_sweep", "Sweep", tuple(SWEEP_CHOICES), noun="parameter to sweep")
AFFECTED_BY = Param("policy_affected_by", "Most affected", ("label", "distributor"), widget="radio")
SHARED = (CANDIDATES_N, *(p for ps in CANDIDATE_PARAMS.values() for p in ps))


def candidate(params: Mapping[str, str], i: int) -> Policy:
    """Candidate ``i``'s policy from the page settings (values already allow-listed)."""
    v = {p.key.removeprefix(f"policy_{i}_"): params[p.key] for p in CANDIDATE_PARAMS[i]}
    return Policy(
        fee_threshold=float(v["fee"]) / 100,
        fee_eur=float(v["amount"]),
        min_streams=int(v["min_streams"]),
        noise_min_s=int(v["noise_s"]),
        auto=tuple((k, float(v[f"{k}_auto"])) for k in _CUTOFF_KINDS if v[f"{k}_auto"] != "off"),
        ignore=tuple(
            (k, float(v[f"{k}_ignore"])) for k in _CUTOFF_KINDS if v[f"{k}_ignore"] != "0"
        ),
        withhold=float(v["withhold"]) / 100,
    )


def policies(params: Mapping[str, str]) -> tuple[tuple[str, Policy], ...]:
    """(name, policy): the current policy, then the chosen number of candidates."""
    n = int(params.get("policy_n", "1"))
    out = [("Current", CURRENT)]
    out += [(f"Candidate {i}", candidate(params, i)) for i in range(1, n + 1)]
    return tuple(out)


def named(name: str, p: Policy) -> str:
    return f"{name}: {describe(p)}"


def _replay_data(scope, f, url, params):
    chosen = policies(params)
    df = lp.load_policy_replay(scope, f, tuple(p for _, p in chosen), url=url)
    df.insert(0, "policy", [named(n, p) for n, p in chosen])
    df["protected_total_eur"] = df.get("protected_eur", 0) + df.get("fees_eur", 0)
    if "protected_eur" not in df:
        df = df.drop(columns=["protected_total_eur"])
    truth = lp.load_ground_truth(url=url)
    df.attrs.update(ground_truth=truth)
    df["honest"] = df["honest_hit"] if truth else df["honest_estimated"]
    if df["honest"].isna().all():  # no ground truth and no appeals to estimate from
        df = df.drop(columns="honest")
    return df


COUNTS = {
    "tracks_fined": "Tracks fined",
    "tracks_enforced": "Tracks enforced",
    "honest": "Honest tracks hit",
    "expected_appeals": "Expected appeals",
    "reviews": "Analyst reviews",
    "review_hours": "Analyst review hours",
}
MONEY = {
    "fees_eur": "Fees levied",
    "royalties_returned_eur": "Royalties returned",
    "withheld_eur": "Royalties withheld",
    "at_risk_eur": "Money still at risk",
    "protected_total_eur": "EUR protected",
}


def _counts_headline(df):
    if df.empty or len(df) < 2:
        return "No policy to compare"
    cur, cand = df.iloc[0], df.iloc[1]
    fines = (
        f"Candidate 1 fines {fmt.compact(cand['tracks_fined'])} track-months "
        f"(current: {fmt.compact(cur['tracks_fined'])})"
    )
    if "honest" not in df:  # neither ground truth nor appeals to estimate it from
        return fines
    return (
        f"{fines} and hits "
        f"{fmt.compact(cand['honest'])} honest ones (current: {fmt.compact(cur['honest'])})"
    )


def _money_headline(df):
    if df.empty or len(df) < 2 or "fees_eur" not in df:
        return "No policy to compare"
    cur, cand = df.iloc[0], df.iloc[1]
    return (
        f"Candidate 1 levies {fmt.eur(cand['fees_eur'])} in fees (current: "
        f"{fmt.eur(cur['fees_eur'])}) and leaves {fmt.eur(cand['at_risk_eur'])} at risk "
        f"(current: {fmt.eur(cur['at_risk_eur'])})"
    )


def _honest_note(df, params) -> str:
    if df.attrs.get("ground_truth", True):
        return (
            "Honest tracks hit: from the demo's ground truth (the estimated-artificial column "
            "is the true count here). Each policy is replayed on the period's royalty months."
        )
    return (
        "Honest tracks hit are ESTIMATED: this warehouse has no ground truth, so they are "
        "expected appeals × the share of decided appeals overturned in the period (a lower "
        "bound)."
    )


def _frontier_data(scope, f, url, params):
    parameter = SWEEP_CHOICES[params["policy_sweep"]]
    values = SWEEP_VALUES[parameter]
    df = lp.load_policy_frontier(scope, f, CURRENT, parameter, values, url=url)
    if "protected_total_eur" not in df:
        return df.iloc[0:0]
    base_value = {
        "fee_threshold": CURRENT.fee_threshold,
        "fee_eur": CURRENT.fee_eur,
        "min_streams": CURRENT.min_streams,
        "model_auto": 1.01,  # no auto-enforcement: a cut-off no score reaches
        "rule_ignore": 0.0,
    }[parameter]
    df["current"] = (df["value"] - base_value).abs() < 1e-9
    df["label"] = [_sweep_label(parameter, v) for v in df["value"]]
    truth = lp.load_ground_truth(url=url)
    df["honest"] = df["honest_hit"] if truth else df["honest_estimated"]
    df.attrs.update(ground_truth=truth, parameter=parameter)
    return df


def _sweep_label(parameter: str, v: float) -> str:
    if parameter == "fee_threshold":
        return f"{v * 100:.0f}%"
    if parameter == "fee_eur":
        return f"€{v:g}"
    if parameter == "model_auto":
        return "off" if v > 1 else f"≥{v:g}"
    if parameter == "rule_ignore":
        return f"<{v:g}"
    return fmt.compact(v)


def _frontier_headline(df):
    if df.empty:
        return "Nothing to sweep in this selection"
    name = SWEEP_NAMES[df.attrs.get("parameter", "fee_threshold")]
    best = df.loc[df["protected_total_eur"].idxmax()]
    cur = df[df["current"]]
    cur_text = (
        f"; today's value protects {fmt.eur(cur['protected_total_eur'].iloc[0])}"
        if len(cur)
        else ""
    )
    return (
        f"Sweeping the {name}: at most {fmt.eur(best['protected_total_eur'])} protected "
        f"({best['label']}, {fmt.compact(best['honest'])} honest tracks hit){cur_text}"
    )


def _affected_data(scope, f, url, params):
    chosen = policies(params)
    by = params["policy_affected_by"]
    df = lp.load_policy_affected(scope, f, tuple(p for _, p in chosen), by, url=url)
    df["policy_name"] = df["policy"].map(dict(enumerate(n for n, _ in chosen)))
    df.attrs.update(by=by)
    return df


def _affected_headline(df):
    by = df.attrs.get("by", "label")
    if df.empty or df["tracks_fined"].sum() + df["streams_removed"].sum() == 0:
        return f"No {by} is fined or enforced under these policies"
    top = df.sort_values(["tracks_fined", "streams_removed"], ascending=False).iloc[0]
    fees = f" ({fmt.eur(top['fees_eur'])})" if "fees_eur" in df else ""
    return (
        f"{top[by]} is hit hardest: {fmt.compact(top['tracks_fined'])} track-months fined"
        f"{fees} under {top['policy_name']}"
    )


VIEWS = (
    View(
        id="policy.compare",
        page="policy",
        title="Policies replayed: tracks, honest tracks hit, appeals and reviews",
        data=_replay_data,
        figure=lambda df, ctx, p: cp.compare_chart(
            df, COUNTS, text="Policies replayed on history", subtitle=ctx.subtitle
        ),
        headline=_counts_headline,
        metrics=(
            "tracks_fined",
            "tracks_enforced",
            "honest_hit",
            "honest_estimated",
            "expected_appeals",
            "reviews",
            "review_hours",
        ),
        sources=("mart_track_month", "mart_appeal", "fact_detection"),
        optional=("appeals",),  # expected appeals and their estimate then unknown
        native=Native(
            "bar",
            "policy",
            series=(
                ("tracks_fined", "Tracks fined"),
                ("honest", "Honest tracks hit"),
                ("expected_appeals", "Expected appeals"),
            ),
            number_format=COUNT_FORMAT,
        ),
        params=(*SHARED,),
        note=_honest_note,
    ),
    View(
        id="policy.money",
        page="policy",
        title="Policies replayed: fees, royalties returned and money at risk (EUR)",
        data=_replay_data,
        figure=lambda df, ctx, p: cp.compare_chart(
            df, MONEY, money=True, text="Policies replayed: money (EUR)", subtitle=ctx.subtitle
        ),
        headline=_money_headline,
        metrics=(
            "fees_eur",
            "royalties_returned_eur",
            "withheld_eur",
            "at_risk_eur",
            "protected_total_eur",
        ),
        sources=("mart_track_month",),
        native=Native(
            "bar",
            "policy",
            series=tuple(MONEY.items()),
            number_format=MONEY_FORMAT,
        ),
        params=(*SHARED,),
        needs_money=True,
    ),
    View(
        id="policy.frontier",
        page="policy",
        title="Frontier: EUR protected against honest tracks hit",
        data=_frontier_data,
        figure=lambda df, ctx, p: cp.frontier_chart(
            df,
            parameter=SWEEP_NAMES[SWEEP_CHOICES[p["policy_sweep"]]],
            subtitle=ctx.subtitle,
            honest="honest",
        ),
        headline=_frontier_headline,
        metrics=("protected_total_eur", "honest_hit", "honest_estimated"),
        sources=("mart_track_month", "mart_appeal"),
        optional=("appeals",),
        native=Native(
            "line",
            "label",
            series=(("protected_total_eur", "EUR protected"),),
            number_format=MONEY_FORMAT,
        ),
        params=(SWEEP,),
        needs_money=True,
        note="Each point is today's policy with the swept parameter set to one value; the "
        "current policy is marked.",
    ),
    View(
        id="policy.affected",
        page="policy",
        title="Labels and distributors most affected",
        data=_affected_data,
        figure=lambda df, ctx, p: cp.affected_chart(
            df, by=p["policy_affected_by"], subtitle=ctx.subtitle
        ),
        headline=_affected_headline,
        metrics=("tracks_fined", "fees_eur", "streams_removed", "withheld_eur", "honest_hit"),
        sources=("mart_track_month", "dim_label", "dim_distributor"),
        native=lambda p: Native(
            "bar", p.get("policy_affected_by", "label"), pivot=("policy_name", "tracks_fined")
        ),
        params=(*SHARED, AFFECTED_BY),
    ),
)
