"""The routing policy's versions in the graph: each applied policy's TOML text, who applied it
last and when; the latest applied is in force (routing/policy_versions.py)."""

from __future__ import annotations

from graph.model import PolicyRecord
from graph.store.mappers import record
from graph.store.runner import QueryRunner


class CypherPolicyVersions(QueryRunner):
    def record_policy_version(self, policy: PolicyRecord) -> None:
        """Store a policy version, or mark it applied again (same version: same text)."""
        self._write(
            "record_policy_version",
            {
                "version": policy.version,
                "toml": policy.toml,
                "applied_by": policy.applied_by,
                "applied_at": policy.applied_at,
                "source": policy.source,
            },
        )

    def policy_versions(self, limit: int) -> list[PolicyRecord]:
        """The policy versions, the latest applied first (one read)."""
        return [record(PolicyRecord, r) for r in self._read("policy_versions", {"limit": limit})]

    def policy_version(self, version: str) -> PolicyRecord | None:
        rows = self._read("policy_version", {"version": version})
        return record(PolicyRecord, rows[0]) if rows else None

    def latest_policy_version(self) -> str | None:
        """The version applied last, or None when none was ever applied (a small read)."""
        rows = self._read("latest_policy_version")
        return str(rows[0]["version"]) if rows else None
