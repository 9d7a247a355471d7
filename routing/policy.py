"""The routing policy: one versioned TOML file with documented defaults
(``routing/default_policy.toml``).

``load_policy(path)`` reads a file over the defaults and checks every key; a mistake is a
PolicyError whose message names the file, the key and what is allowed. Each policy has a version:
a hash of its resolved content, recorded with every ranking.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from graph.settings import WarmpathSettings
from routing.errors import InvalidArgument
from routing.quota_policy import QuotaPolicy, read_quotas

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "default_policy.toml"
MODES = ("proximity", "round_robin", "least_busy", "first_available")
GRADES = ("hot", "warm", "cold")


class PolicyError(InvalidArgument):
    """A policy file that cannot be used; the message lists every problem."""

    code = "BAD_POLICY"
    problems: tuple[str, ...] = ()
    """Each problem on its own (``warmpath policy check`` prints one a line)."""


@dataclass(frozen=True)
class Policy:
    mode: str
    weights: dict[str, float]
    role_weights: dict[str, float]
    hop_warmth: dict[int, float]
    sla_hours: dict[str, float]
    offer_top_n: int
    min_tenure_days_for_hot: int
    penalty_breaches: int
    penalty_window_days: int
    penalty_days: int
    hot_close_rate_boost: float
    prefer_account_owner: bool
    max_share_over_mean: float
    fairness_window_days: int
    cadence_touches: dict[str, int]
    """Per grade: the touches a rep makes on a claimed lead (the first is its contact)."""
    cadence_days: dict[str, float]
    """Per grade: the days from the claim within which those touches are spread."""
    nurture_max_days: int
    route_on_arrival: bool
    """Offer a lead submitted through the API as it arrives (lead intake)."""
    influence_reject_above: float
    """A rep may not return a lead whose influence is above this (connected leads)."""
    prefer_connected_owner: bool
    """A lead connected to an open lead someone holds prefers that rep (connected leads)."""
    quotas: QuotaPolicy
    """Social-selling goals per period (routing/quota_policy.py)."""
    source: str

    @cached_property
    def version(self) -> str:
        """A short hash of the resolved policy (not of the file's comments or layout)."""
        content = asdict(self)
        content.pop("source")
        content["hop_warmth"] = {str(k): v for k, v in self.hop_warmth.items()}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _defaults() -> dict[str, Any]:
    with DEFAULT_POLICY_PATH.open("rb") as handle:
        return tomllib.load(handle)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_policy(path: Path | None = None) -> Policy:
    """The default policy, or ``path`` read over the defaults; raises PolicyError."""
    given: dict[str, Any] = {}
    name = "default policy" if path is None else str(path)
    if path is not None:
        try:
            given = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise PolicyError(f"{path}: no such file") from None
        except OSError as exc:  # no permission, a directory, too long a name
            raise PolicyError(f"{str(path)[:200]}: cannot be read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise PolicyError(f"{path}: not UTF-8 text; a policy is a TOML file") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML ({exc})") from None
    return _resolved(given, name)


def policy_from_text(text: str, name: str = "policy") -> Policy:
    """The policy in a TOML text (as a file would hold it) over the defaults; raises
    PolicyError, with one problem per bad value (a text that is not TOML: one problem)."""
    try:
        given = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        error = PolicyError(f"{name}: not valid TOML ({exc})")
        error.problems = (f"not valid TOML ({exc})",)
        raise error from None
    return _resolved(given, name)


def _resolved(given: dict[str, Any], name: str) -> Policy:
    """The policy ``given`` (a parsed TOML document) over the defaults, every key checked."""
    defaults = _defaults()
    problems: list[str] = []
    merged: dict[str, Any] = {}
    for key in given:
        if key not in defaults:
            problems.append(f"{key}: unknown key (allowed: {', '.join(sorted(defaults))})")
    for key, default in defaults.items():
        if key == "quotas":  # nested team tables: read by routing/quota_policy.py
            continue
        value = given.get(key, default)
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{key}: must be a table [{key}]")
                merged[key] = default
                continue
            table = dict(default)
            for sub, sub_value in value.items():
                if sub not in default:
                    problems.append(f"{key}.{sub}: unknown key (allowed: {', '.join(default)})")
                    continue
                expected = default[sub]
                if isinstance(expected, bool):
                    if not isinstance(sub_value, bool):
                        problems.append(f"{key}.{sub}: must be true or false (got {sub_value!r})")
                        continue
                elif not _number(sub_value) or sub_value < 0:
                    problems.append(f"{key}.{sub}: must be a number >= 0 (got {sub_value!r})")
                    continue
                elif (
                    isinstance(expected, int)
                    and not isinstance(expected, bool)
                    and not isinstance(sub_value, int)
                ):
                    problems.append(f"{key}.{sub}: must be a whole number (got {sub_value!r})")
                    continue
                table[sub] = sub_value
            merged[key] = table
        else:
            merged[key] = value
    if merged["mode"] not in MODES:
        problems.append(f"mode: {merged['mode']!r} is not one of {', '.join(MODES)}")
    if not any(v > 0 for v in merged["weights"].values()):
        problems.append("weights: at least one weight must be above 0")
    if any(merged["sla_hours"][g] <= 0 for g in GRADES):
        problems.append("sla_hours: every grade needs more than 0 hours")
    rules = merged["rules"]
    if rules["offer_top_n"] < 1:
        problems.append("rules.offer_top_n: must be at least 1")
    if rules["penalty_breaches"] < 1:
        problems.append("rules.penalty_breaches: must be at least 1")
    if 0 < rules["max_share_over_mean"] < 1:
        problems.append(
            "rules.max_share_over_mean: must be 0 (no fairness cap) or at least 1 "
            f"(got {rules['max_share_over_mean']!r})"
        )
    if rules["fairness_window_days"] < 1:
        problems.append("rules.fairness_window_days: must be at least 1")
    if rules["nurture_max_days"] < 1:
        problems.append("rules.nurture_max_days: must be at least 1")
    problems.extend(
        f"cadence_touches.{g}: at least 1 touch (the contact)"
        for g in GRADES
        if merged["cadence_touches"][g] < 1
    )
    problems.extend(
        f"cadence_days.{g}: must be more than 0 days"
        for g in GRADES
        if merged["cadence_days"][g] <= 0
    )
    warmth = merged["hop_warmth"]
    if not warmth["one"] >= warmth["two"] >= warmth["three"]:
        problems.append("hop_warmth: a shorter path must not be colder (one >= two >= three)")
    quotas = read_quotas(defaults["quotas"], given.get("quotas", {}), problems)
    if problems:
        error = PolicyError(f"{name}: " + "; ".join(problems))
        error.problems = tuple(problems)
        raise error
    return Policy(
        mode=merged["mode"],
        weights={k: float(v) for k, v in merged["weights"].items()},
        role_weights={k: float(v) for k, v in merged["role_weights"].items()},
        hop_warmth={1: float(warmth["one"]), 2: float(warmth["two"]), 3: float(warmth["three"])},
        sla_hours={k: float(v) for k, v in merged["sla_hours"].items()},
        offer_top_n=int(rules["offer_top_n"]),
        min_tenure_days_for_hot=int(rules["min_tenure_days_for_hot"]),
        penalty_breaches=int(rules["penalty_breaches"]),
        penalty_window_days=int(rules["penalty_window_days"]),
        penalty_days=int(rules["penalty_days"]),
        hot_close_rate_boost=float(rules["hot_close_rate_boost"]),
        prefer_account_owner=bool(rules["prefer_account_owner"]),
        max_share_over_mean=float(rules["max_share_over_mean"]),
        fairness_window_days=int(rules["fairness_window_days"]),
        cadence_touches={k: int(v) for k, v in merged["cadence_touches"].items()},
        cadence_days={k: float(v) for k, v in merged["cadence_days"].items()},
        nurture_max_days=int(rules["nurture_max_days"]),
        route_on_arrival=bool(merged["intake"]["route_on_arrival"]),
        influence_reject_above=float(merged["connections"]["reject_needs_manager_above"]),
        prefer_connected_owner=bool(merged["connections"]["prefer_connected_owner"]),
        quotas=quotas,
        source=name,
    )


POLICY_ENV = "WARMPATH_POLICY"


def current_policy(settings: WarmpathSettings | None = None) -> Policy:
    """The policy in force: the file named by WARMPATH_POLICY (``settings.policy``), else the
    defaults. Raises ConfigError for a bad setting, PolicyError (naming WARMPATH_POLICY) for a
    file that is not a usable policy."""
    path = (settings or WarmpathSettings.from_env()).policy
    if path is None:
        return load_policy(None)
    try:
        return load_policy(path)
    except PolicyError as exc:
        detail = str(exc).removeprefix(f"{path}: ")
        raise PolicyError(f"{POLICY_ENV}={str(path)!r} is not a usable policy: {detail}") from None
