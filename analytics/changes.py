"""What changed and why: each headline metric's change between two windows, decomposed by
the members of a dimension, and the sentence that says it.

Additive metrics (streams, money, cases): a member's contribution is its own change, so the
contributions of a dimension's members add up to the total change exactly. Ratios (shares
and rates, numerator ÷ denominator over the slice): a member's contribution is its
numerator over the slice's denominator, current minus baseline (they add up to the ratio's
change), split into a rate effect (the member's own ratio moved, weighted by its average
weight) and a mix effect (its weight in the denominator moved, at its average ratio):
contribution = mix + rate, exactly. Pure pandas: frames come from
data_access.loaders.changes (one row per dimension, member and side).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import format as fmt
from analytics.metrics import METRICS

WHERE_DIMS = ("market", "region", "label", "distributor")
WHAT_DIMS = ("typology", "detector")
DIMS = WHERE_DIMS + WHAT_DIMS
CASE_DIMS = ("market", "region", "label", "distributor", "typology")


@dataclass(frozen=True)
class ChangeMetric:
    key: str  # the METRICS key
    parts: tuple[str, ...]  # measure columns summed into the value (or the numerator)
    denominator: str | None = None  # ratios: the measure the numerator is divided by
    sources: tuple[str, ...] = ("fraud",)  # the loader's sources holding the measures
    dims: tuple[str, ...] = DIMS
    word: str = ""  # what the tree's metric setting calls it

    @property
    def ratio(self) -> bool:
        return self.denominator is not None

    @property
    def unit(self) -> str:
        return METRICS[self.key].unit

    @property
    def columns(self) -> tuple[str, ...]:
        return self.parts + ((self.denominator,) if self.denominator else ())


HEADLINE: tuple[ChangeMetric, ...] = (
    ChangeMetric("detected_streams", ("detected_streams",), word="detected streams"),
    ChangeMetric("confirmed_streams", ("confirmed_streams",), word="confirmed streams"),
    ChangeMetric("detected_share", ("detected_streams",), "streams", word="detected share"),
    ChangeMetric("confirmed_share", ("confirmed_streams",), "streams", word="confirmed share"),
    ChangeMetric(
        "streams_removed", ("streams_removed",), sources=("enforcement",), word="streams removed"
    ),
    ChangeMetric("protected_eur", ("protected_eur",), word="royalties protected"),
    ChangeMetric(
        "exposure_eur",
        ("at_risk_eur", "fees_outstanding_eur"),
        sources=("fraud", "enforcement"),
        word="exposure",
    ),
    ChangeMetric(
        "cases_opened", ("cases_opened",), sources=("cases",), dims=CASE_DIMS, word="cases opened"
    ),
    ChangeMetric(
        "sla_breach_rate",
        ("sla_breaches",),
        "cases_due",
        sources=("cases",),
        dims=CASE_DIMS,
        word="SLA breach rate",
    ),
)
BY_KEY = {m.key: m for m in HEADLINE}
BY_WORD = {m.word: m for m in HEADLINE}

# How a sentence names the comparison.
COMPARISON_WORDS = {
    "week": "week over week",
    "period": "on the previous period",
    "year": "on the same weeks a year earlier",
}
# How a sentence names a dimension's members (singular, plural).
DIM_NOUNS = {
    "market": ("market", "markets"),
    "region": ("region", "regions"),
    "label": ("label", "labels"),
    "distributor": ("distributor", "distributors"),
    "typology": ("typology", "typologies"),
    "detector": ("detector", "detectors"),
}
UNATTRIBUTED = "Not attributed"  # typology / detector NULL: streams no detection names
MAX_DRIVERS = 2
MIN_DRIVER_SHARE = 0.1  # a member explaining less than 10% of the change is not named


class Prepared:
    """A loader frame split once per dimension (members coded, measures as arrays), so the
    many decompositions of a summary do not each scan and group the frame again."""

    def __init__(self, df: pd.DataFrame | None) -> None:
        self.columns = frozenset(df.columns) if df is not None else frozenset()
        self.dims: dict[str, tuple] = {}
        if df is None or df.empty or "dimension" not in df:
            return
        measures = [c for c in df.columns if c not in ("dimension", "member", "name", "side")]
        for dim, part in df.groupby("dimension", sort=False):
            member = part["member"].astype(object).where(part["member"].notna(), "\0")
            name = part["name"].astype(object).where(part["name"].notna(), UNATTRIBUTED)
            index = pd.MultiIndex.from_arrays([member.to_numpy(), name.to_numpy()])
            codes, uniques = index.factorize()
            members = [None if m == "\0" else m for m in uniques.get_level_values(0)]
            names = list(uniques.get_level_values(1))
            current = (part["side"] == "current").to_numpy()
            values = {c: part[c].to_numpy(dtype=float) for c in measures}
            self.dims[str(dim)] = (members, names, codes, current, values)


def prepared(df: pd.DataFrame | Prepared | None) -> Prepared:
    return df if isinstance(df, Prepared) else Prepared(df)


def available(df: pd.DataFrame | Prepared | None, metric: ChangeMetric) -> bool:
    """The frame holds the metric's measures (money columns are gone for scopes without
    money)."""
    if df is None:
        return False
    cols = df.columns if isinstance(df, Prepared) else set(df.columns)
    return all(c in cols for c in metric.columns)


def _sides(p: Prepared, metric: ChangeMetric, dimension: str) -> dict:
    """Per member with the metric's measures: members, names and, as arrays, the value
    (parts summed) and the denominator, baseline (``v0``, ``d0``) and current (``v1``, ``d1``)."""
    members, names, codes, current, values = p.dims[dimension]
    ok = np.logical_and.reduce([~np.isnan(values[c]) for c in metric.columns])
    value = np.sum([values[c] for c in metric.parts], axis=0)
    den = values[metric.denominator] if metric.ratio else np.zeros(len(codes))
    n = len(members)

    def total(x, side):
        return np.bincount(codes[ok & side], weights=x[ok & side], minlength=n)

    seen = np.bincount(codes[ok], minlength=n) > 0  # members with the metric's measures
    keep = np.flatnonzero(seen)
    return {
        "members": [members[i] for i in keep],
        "names": [names[i] for i in keep],
        "v0": total(value, ~current)[keep],
        "v1": total(value, current)[keep],
        "d0": total(den, ~current)[keep],
        "d1": total(den, current)[keep],
    }


def totals(df: pd.DataFrame | Prepared, metric: ChangeMetric) -> tuple[float, float]:
    """(baseline, current) of the metric over the whole slice; NaN for a ratio whose
    denominator is 0 in that window."""
    p = prepared(df)
    dims = [d for d in metric.dims if d in p.dims]
    if not dims or not available(p, metric):
        return float("nan"), float("nan")
    w = _sides(p, metric, dims[0])
    if metric.ratio:
        return _div(w["v0"].sum(), w["d0"].sum()), _div(w["v1"].sum(), w["d1"].sum())
    return float(w["v0"].sum()), float(w["v1"].sum())


def _div(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


_DEC_COLUMNS = ["member", "name", "baseline", "current", "contribution", "share", "mix", "rate"]


def _core(df, metric: ChangeMetric, dimension: str) -> dict | None:
    """The decomposition as arrays, members in order (largest contribution in the direction
    of the change first, then by name); None when the change cannot be measured."""
    p = prepared(df)
    if dimension not in metric.dims or dimension not in p.dims or not available(p, metric):
        return None
    w = _sides(p, metric, dimension)
    if not w["members"]:
        return None
    v0, v1, d0, d1 = w["v0"], w["v1"], w["d0"], w["d1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric.ratio:
            big0, big1 = d0.sum(), d1.sum()
            if not big0 or not big1:
                return None
            own0 = np.where(d0 > 0, v0 / np.where(d0 > 0, d0, 1.0), np.nan)  # own ratio
            own1 = np.where(d1 > 0, v1 / np.where(d1 > 0, d1, 1.0), np.nan)
            # A member absent from one window (weight 0 there) takes the other window's
            # ratio, so its whole contribution is mix.
            r0 = np.nan_to_num(np.where(np.isnan(own0), own1, own0))
            r1 = np.nan_to_num(np.where(np.isnan(own1), own0, own1))
            w0, w1 = d0 / big0, d1 / big1
            contribution = v1 / big1 - v0 / big0
            rate = (r1 - r0) * (w0 + w1) / 2
            mix = (w1 - w0) * (r0 + r1) / 2
            total = v1.sum() / big1 - v0.sum() / big0
            baseline, current = own0, own1
        else:
            baseline, current = v0, v1
            contribution = v1 - v0
            mix = rate = np.full(len(v0), np.nan)
            total = float(contribution.sum())
        share = contribution / total if total else np.full(len(v0), np.nan)
    sign = -1.0 if total < 0 else 1.0
    names = w["names"]
    order = sorted(range(len(names)), key=lambda i: (-contribution[i] * sign, str(names[i])))
    return {
        "order": order,
        "member": w["members"],
        "name": names,
        "baseline": baseline,
        "current": current,
        "contribution": contribution,
        "share": share,
        "mix": mix,
        "rate": rate,
        "total": float(total),
        "dimension": dimension,
    }


def decompose(df: pd.DataFrame, metric: ChangeMetric, dimension: str) -> pd.DataFrame:
    """Per member of ``dimension``: baseline, current, contribution to the change (they add
    up to it), share of the change, and for ratios its mix and rate effects (mix + rate =
    contribution). Sorted by contribution in the direction of the change, largest first.
    Empty when the change cannot be measured (a ratio without a denominator)."""
    core = _core(df, metric, dimension)
    if core is None:
        return pd.DataFrame(columns=_DEC_COLUMNS)
    order = core["order"]
    out = pd.DataFrame(
        {
            c: pd.Series([core[c][i] for i in order], dtype=object)
            if c in ("member", "name")
            else np.asarray(core[c], dtype=float)[order]
            for c in _DEC_COLUMNS
        }
    )
    out.attrs.update(total=core["total"], dimension=dimension, metric=metric.key)
    return out


@dataclass(frozen=True)
class Driver:
    dimension: str
    member: str | None  # the URL value (None: not a filter value, e.g. not attributed)
    name: str
    contribution: float
    share: float
    mix: float = float("nan")
    rate: float = float("nan")


@dataclass(frozen=True)
class Summary:
    metric: ChangeMetric
    baseline: float
    current: float
    groups: tuple[tuple[Driver, ...], ...] = field(default=())  # drivers per dimension

    @property
    def change(self) -> float:
        return self.current - self.baseline

    @property
    def comparable(self) -> bool:
        return _valid(self.baseline) and _valid(self.current)


def _valid(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def drivers(dec: pd.DataFrame, *, limit: int = MAX_DRIVERS) -> tuple[Driver, ...]:
    """The members that explain the change: same direction, at least 10% of it each, the
    largest first, until half of the change is explained or ``limit`` are named."""
    total = dec.attrs.get("total", 0.0) if dec is not None else 0.0
    if dec is None or dec.empty or not total:
        return ()
    rows = dec.to_dict("list")
    return _pick(rows, range(len(dec)), dec.attrs["dimension"], limit)


def _pick(rows: dict, order, dimension: str, limit: int = MAX_DRIVERS) -> tuple[Driver, ...]:
    out: list[Driver] = []
    explained = 0.0
    for i in order:
        share = rows["share"][i]
        if len(out) >= limit or explained >= 0.5 or not _valid(share):
            break
        if share < MIN_DRIVER_SHARE:
            break
        member = rows["member"][i]
        out.append(
            Driver(
                dimension,
                None if member is None or pd.isna(member) else str(member),  # None: no filter
                str(rows["name"][i]),
                float(rows["contribution"][i]),
                float(share),
                float(rows["mix"][i]),
                float(rows["rate"][i]),
            )
        )
        explained += float(share)
    return tuple(out)


def summarize(df: pd.DataFrame, metric: ChangeMetric) -> Summary:
    """The metric's change and its drivers: the 'where' dimension (market, region, label,
    distributor) and the 'what' dimension (typology, detector) whose top members explain
    most of the change."""
    df = prepared(df)
    baseline, current = totals(df, metric)
    if not (_valid(baseline) and _valid(current)) or current == baseline:
        return Summary(metric, baseline, current)
    present = set(df.dims)
    groups = []
    for family in (WHERE_DIMS, WHAT_DIMS):
        best: tuple[Driver, ...] = ()
        for dim in family:
            if dim not in metric.dims or dim not in present:
                continue
            core = _core(df, metric, dim)
            if core is None or not core["total"] or len(core["member"]) < 2:
                continue  # one member (the slice is filtered to it) explains nothing
            found = _pick(core, core["order"], dim)
            if found and (
                not best
                or sum(d.share for d in found) / len(found) > sum(d.share for d in best) / len(best)
            ):
                best = found
        if best:
            groups.append(best)
    return Summary(metric, baseline, current, tuple(groups))


# -- words --------------------------------------------------------------------------------

MINUS = "−"  # a true minus sign reads better than a hyphen in prose


def amount(x: float, unit: str, *, signed: bool = True) -> str:
    """A contribution (``signed``: −9.8M, +€1.2k, −0.8 pp) or a value (5.3%, €3.4k) in the
    metric's unit; a change that reads as nothing carries no sign."""
    if not _valid(x):
        return "–"
    if not signed:
        return fmt.value(x, unit).replace("-", MINUS)
    size = fmt.pp(abs(x)) if unit == "pct" else fmt.value(abs(x), unit)
    if size in ("0.0 pp", "0", "€0"):
        return size
    return ("+" if x > 0 else MINUS) + size


Link = Callable[[str, str, str], str]  # (dimension, member, text) -> text with its link


def sentence(s: Summary, comparison: str, *, link: Link | None = None) -> str:
    """'Detected streams fell 46% week over week (41.2M → 22.1M); markets Norway −9.8M and
    Japan −6.1M (83% of the fall), typology AI-content dilution −12.4M (65%)'."""
    label = METRICS[s.metric.key].label
    unit = s.metric.unit
    how = COMPARISON_WORDS[comparison]
    if not s.comparable:
        what = "no cases due" if s.metric.key == "sla_breach_rate" else "nothing to compare"
        return f"{label} cannot be compared {how}: {what} in one of the two windows."
    base, cur = amount(s.baseline, unit, signed=False), amount(s.current, unit, signed=False)
    if s.change == 0 and not s.current:
        return f"{label} stayed at {cur} {how}."
    if s.change == 0 or _same_on_screen(s, unit):
        return f"{label} held steady {how} ({cur})."
    rose = s.change > 0
    verb = "rose" if rose else "fell"
    if unit == "pct":
        by = fmt.pp(abs(s.change))
    elif s.baseline and s.current / s.baseline >= 10:
        by = f"{s.current / s.baseline:,.0f}-fold"  # not "29,979%"
    elif s.baseline:
        by = f"{abs(s.change) / abs(s.baseline) * 100:.0f}%"
    else:
        by = ""
    head = f"{label} {verb} {by + ' ' if by else ''}{how} ({base} → {cur})"
    parts = [
        _group_words(g, unit, "rise" if rose else "fall", i == 0, link)
        for i, g in enumerate(s.groups)
    ]
    if not parts:
        return head + "."
    return head + "; " + ", ".join(parts) + "."


def _same_on_screen(s: Summary, unit: str) -> bool:
    return amount(s.baseline, unit, signed=False) == amount(s.current, unit, signed=False)


def _group_words(group: tuple[Driver, ...], unit: str, noun: str, first: bool, link) -> str:
    one, many = DIM_NOUNS[group[0].dimension]
    names = []
    for d in group:
        text = d.name if link is None or d.member is None else link(d.dimension, d.member, d.name)
        names.append(f"{text} {amount(d.contribution, unit)}")
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    share = sum(d.share for d in group)
    tail = f"{share * 100:.0f}% of the {noun}" if first else f"{share * 100:.0f}%"
    d = group[0]
    if first and len(group) == 1 and unit == "pct" and _valid(d.rate) and _valid(d.mix):
        # A ratio's driver: did its own rate move, or its weight in the slice?
        tail += f": rate {amount(d.rate, unit)}, mix {amount(d.mix, unit)}"
    return f"{one if len(group) == 1 else many} {listed} ({tail})"


def summary_frame(df: pd.DataFrame, comparison: str, *, link: Link | None = None) -> pd.DataFrame:
    """One row per headline metric the frame holds: label, baseline, current, change,
    relative change (counts and money) and the sentence; ``attrs["summaries"]`` keeps each
    row's Summary, so a page can say the sentences again with its links."""
    df = prepared(df)
    rows, summaries = [], []
    for m in HEADLINE:
        if not available(df, m):
            continue
        s = summarize(df, m)
        summaries.append(s)
        rel = s.change / abs(s.baseline) if s.comparable and s.baseline else float("nan")
        top = s.groups[0][0] if s.groups else None
        rows.append(
            {
                "metric": m.key,
                "label": METRICS[m.key].label,
                "unit": m.unit,
                "baseline": s.baseline,
                "current": s.current,
                "change": s.change if s.comparable else float("nan"),
                "change_pct": rel,
                "top_driver": top.name if top else "",
                "top_driver_dimension": top.dimension if top else "",
                "top_driver_contribution": top.contribution if top else float("nan"),
                "sentence": sentence(s, comparison, link=link),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["summaries"] = tuple(summaries)
    return out
