"""The business configuration (config/business.toml): read once, validated, never guessed.

Vocabularies (a team's words -> the project's), payout, FX, attribution window, SLA hours,
the priority rule, the current enforcement policy and the Operations plan's defaults. The
file is validated as a whole: every problem is listed in one ``BusinessConfigError`` with the
key that is wrong and what would be right, so a start-up with a bad file stops with a
sentence, not a traceback. ``$FRAUD_BUSINESS_CONFIG`` points at another file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from data_access.inputs.contract import VOCABULARIES

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = ROOT / "config" / "business.toml"
ENV_VAR = "FRAUD_BUSINESS_CONFIG"

# The Operations plan's allowed defaults (its page settings' choices).
OPS_SLA_SHARES = (80, 85, 90, 95, 99)
OPS_SLA_HOURS = (4, 8, 12, 24, 36, 48, 72, 96)
OPS_WORK_HOURS = (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4)


class BusinessConfigError(ValueError):
    """The configuration file is unreadable or wrong; ``problems`` lists each finding."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path.name}: " + "; ".join(problems))


@dataclass(frozen=True)
class Business:
    path: Path
    lookback_days: int
    after_days: int
    min_ms: int
    default_per_1k_eur: float
    plan_multiplier: dict[str, float]
    payout_per_market: dict[str, float]  # ISO2 -> EUR per 1,000 streams
    fx: dict[str, float]
    vocabularies: dict[str, dict[str, str]]  # name -> {their word (lower-case) -> ours}
    detector_kinds: dict[str, str]  # detector name (lower-case) -> kind
    default_detector_kind: str
    default_priority: str
    priority_rules: tuple[tuple[float, str], ...]  # (min exposure EUR, priority), in order
    first_response_hours: dict[str, float]
    resolution_hours: dict[str, float]
    team_first_response_hours: dict[str, float]
    teams: dict[str, tuple[str, bool]]  # code -> (name, is partner)
    policy: dict[str, float]
    ops: dict[str, float]

    def ours(self, vocabulary: str, word: str | None) -> str | None:
        """A team's word in the project's vocabulary (None if it maps to nothing)."""
        if word is None:
            return None
        w = str(word).strip().lower()
        mapped = self.vocabularies.get(vocabulary, {}).get(w)
        if mapped is not None:
            return mapped
        known = {v.lower(): v for v in VOCABULARIES[vocabulary]}
        return known.get(w)

    def mapping(self, vocabulary: str) -> dict[str, str]:
        """Every accepted word (lower-case) -> ours: our own words and the team's."""
        out = {v.lower(): v for v in VOCABULARIES[vocabulary]}
        out.update(self.vocabularies.get(vocabulary, {}))
        return out

    def payout_per_1k(self, market: str) -> float:
        """EUR per 1,000 streams in a market: its [payout.market] entry, else the default."""
        return self.payout_per_market.get(market, self.default_per_1k_eur)

    def priority_for(self, exposure_eur: float) -> str:
        for floor, priority in self.priority_rules:
            if exposure_eur >= floor:
                return priority
        return self.default_priority


def _num(problems: list[str], where: str, value: Any, *, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where} must be a number, not {value!r}")
        return 0.0
    if value < low:
        problems.append(f"{where} must be at least {low:g}, not {value:g}")
    return float(value)


def _table(problems: list[str], data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"[{key}] must be a table")
        return {}
    return value


def parse(data: dict, path: Path = DEFAULT_PATH) -> Business:
    """Validate a parsed file; raises BusinessConfigError listing every problem."""
    p: list[str] = []
    attribution = _table(p, data, "attribution")
    streams = _table(p, data, "streams")
    payout = _table(p, data, "payout")
    fx_raw = _table(p, data, "fx")
    vocab_raw = _table(p, data, "vocabularies")
    detectors = _table(p, data, "detectors")
    priority = _table(p, data, "priority")
    sla = _table(p, data, "sla")
    teams_raw = _table(p, data, "teams")
    policy_raw = _table(p, data, "policy")
    ops_raw = _table(p, data, "ops")
    known = {"attribution", "streams", "payout", "fx", "vocabularies", "detectors"}
    known |= {"priority", "sla", "teams", "policy", "ops"}
    p += [
        f"unknown section [{k}] (known: {', '.join(sorted(known))})" for k in data if k not in known
    ]

    fx = {}
    for code, rate in fx_raw.items():
        if len(code) != 3 or not code.isalpha() or not code.isupper():
            p.append(f"[fx] {code!r} is not an ISO 4217 code (three capital letters)")
        fx[code] = _num(p, f"[fx] {code}", rate, low=1e-12)
    fx.setdefault("EUR", 1.0)

    vocabularies: dict[str, dict[str, str]] = {}
    for name, words in vocab_raw.items():
        if name not in VOCABULARIES:
            p.append(f"[vocabularies.{name}] is not a vocabulary ({', '.join(VOCABULARIES)})")
            continue
        if not isinstance(words, dict):
            p.append(f"[vocabularies.{name}] must map your words to ours")
            continue
        ours = VOCABULARIES[name]
        vocabularies[name] = {}
        for theirs, mapped in words.items():
            if mapped not in ours:
                p.append(
                    f"[vocabularies.{name}] {theirs!r} = {mapped!r}: not one of ours "
                    f"({', '.join(ours)})"
                )
            vocabularies[name][str(theirs).strip().lower()] = mapped

    kinds = VOCABULARIES["detector_kind"]
    default_kind = detectors.get("default_kind", "model")
    if default_kind not in kinds:
        p.append(f"[detectors] default_kind {default_kind!r} is not one of {', '.join(kinds)}")
    detector_kinds = {}
    for name, kind in detectors.items():
        if name == "default_kind":
            continue
        if kind not in kinds:
            p.append(f"[detectors] {name!r} = {kind!r}: not one of {', '.join(kinds)}")
        detector_kinds[str(name).strip().lower()] = kind

    priorities = VOCABULARIES["priority"]
    default_priority = priority.get("default", "P3")
    if default_priority not in priorities:
        p.append(f"[priority] default {default_priority!r} is not one of {', '.join(priorities)}")
    rules = []
    for i, rule in enumerate(priority.get("rules", [])):
        if not isinstance(rule, dict) or rule.get("priority") not in priorities:
            p.append(f"[priority] rule {i + 1} needs a priority of {', '.join(priorities)}")
            continue
        rules.append(
            (_num(p, f"[priority] rule {i + 1}", rule.get("min_exposure_eur")), rule["priority"])
        )

    def per_priority(key: str, default: dict[str, float]) -> dict[str, float]:
        raw = sla.get(key, default)
        out = {k: _num(p, f"[sla.{key}] {k}", v, low=0.01) for k, v in raw.items()}
        missing = [k for k in priorities if k not in out]
        if missing:
            p.append(f"[sla.{key}] lacks {', '.join(missing)}")
        return out

    first = per_priority("first_response_hours", {"P1": 4, "P2": 24, "P3": 72, "P4": 120})
    resolution = per_priority("resolution_hours", {"P1": 72, "P2": 240, "P3": 720, "P4": 1440})
    team_hours = {
        k: _num(p, f"[sla.team_first_response_hours] {k}", v, low=0.01)
        for k, v in sla.get("team_first_response_hours", {}).items()
    }
    teams = {}
    for code, spec in teams_raw.items():
        if code not in VOCABULARIES["team"]:
            p.append(f"[teams] {code!r} is not a team code ({', '.join(VOCABULARIES['team'])})")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            p.append(f"[teams] {code} needs a name")
            continue
        teams[code] = (spec["name"], bool(spec.get("partner", True)))

    defaults = {
        "fee_threshold": 0.9,
        "fee_eur": 10.0,
        "min_streams": 1000,
        "noise_min_s": 120,
        "withhold": 0.7,
    }
    policy = {k: _num(p, f"[policy] {k}", policy_raw.get(k, v)) for k, v in defaults.items()}
    for k in ("fee_threshold", "withhold"):
        if policy[k] > 1:
            p.append(f"[policy] {k} is a share from 0 to 1, not {policy[k]:g}")
    p += [f"[policy] unknown key {k!r}" for k in policy_raw if k not in defaults]

    ops = {
        "sla_share_pct": _num(p, "[ops] sla_share_pct", ops_raw.get("sla_share_pct", 90)),
        "sla_hours": _num(p, "[ops] sla_hours", ops_raw.get("sla_hours", 36)),
        "work_hours_per_review": _num(
            p, "[ops] work_hours_per_review", ops_raw.get("work_hours_per_review", 0.5)
        ),
    }
    for key, allowed in (
        ("sla_share_pct", OPS_SLA_SHARES),
        ("sla_hours", OPS_SLA_HOURS),
        ("work_hours_per_review", OPS_WORK_HOURS),
    ):
        if ops[key] not in allowed:
            p.append(f"[ops] {key} must be one of {', '.join(f'{a:g}' for a in allowed)}")

    from data_access.demo.reference import MARKETS  # the ISO codes the project knows

    known_markets = {m[0] for m in MARKETS}
    per_market = {
        k: _num(p, f"[payout.market] {k}", v, low=0.0) for k, v in payout.get("market", {}).items()
    }
    p += [
        f"[payout.market] {k!r} is not a market code the project knows (ISO 3166-1 alpha-2)"
        for k in per_market
        if k not in known_markets
    ]
    multipliers = {
        k: _num(p, f"[payout.plan_multiplier] {k}", v)
        for k, v in payout.get("plan_multiplier", {}).items()
    }
    p += [
        f"[payout.plan_multiplier] {k!r} is not a plan ({', '.join(VOCABULARIES['plan'])})"
        for k in multipliers
        if k not in VOCABULARIES["plan"]
    ]
    if p:
        raise BusinessConfigError(path, p)
    return Business(
        path=path,
        lookback_days=int(
            _num(p, "[attribution] lookback_days", attribution.get("lookback_days", 28))
        ),
        after_days=int(_num(p, "[attribution] after_days", attribution.get("after_days", 0))),
        min_ms=int(_num(p, "[streams] min_ms", streams.get("min_ms", 30000))),
        default_per_1k_eur=_num(
            p, "[payout] default_per_1k_eur", payout.get("default_per_1k_eur", 3.0)
        ),
        plan_multiplier=multipliers,
        payout_per_market=per_market,
        fx=fx,
        vocabularies=vocabularies,
        detector_kinds=detector_kinds,
        default_detector_kind=default_kind,
        default_priority=default_priority,
        priority_rules=tuple(rules),
        first_response_hours=first,
        resolution_hours=resolution,
        team_first_response_hours=team_hours,
        teams=teams,
        policy=policy,
        ops=ops,
    )


def config_path() -> Path:
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else DEFAULT_PATH


def read(path: Path | None = None) -> Business:
    """Read and validate a configuration file (default: $FRAUD_BUSINESS_CONFIG, then
    config/business.toml)."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BusinessConfigError(path, ["the file does not exist"]) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BusinessConfigError(path, [f"cannot be read: {exc}"]) from None
    return parse(data, path)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Business:
    return read(Path(path))


def current() -> Business:
    """The configuration in force (re-read when the file changes)."""
    path = config_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _cached(str(path), mtime)


def in_force() -> Business:
    """The configuration for module-level defaults (the Policy lab's current policy, the
    Operations plan's SLA): the file's when valid, else the built-in defaults. The app checks
    the file at start (app.py) and shows its problems instead of any page, so a page never
    runs on these fallbacks unannounced."""
    try:
        return current()
    except BusinessConfigError:
        return parse({}, config_path())
