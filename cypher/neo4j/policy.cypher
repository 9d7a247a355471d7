// Queries of the routing policy's versions (graph/store/policy_versions.py): each policy applied
// through the API or the CLI is a PolicyVersion node (its version hash, its TOML text, who
// applied it last and when); the latest applied is in force.

// name: record_policy_version
// Store a policy version, or mark an earlier one applied again (its text is the same: the
// version is a hash of its content).
MERGE (v:PolicyVersion {version: $version})
SET v.toml = $toml, v.applied_by = $applied_by, v.applied_at = $applied_at,
    v.source = $source
RETURN v.version AS version

// name: policy_versions
// The policy versions, the latest applied first.
MATCH (v:PolicyVersion)
RETURN v.version AS version, v.toml AS toml, v.applied_by AS applied_by,
       v.applied_at AS applied_at, v.source AS source
ORDER BY applied_at DESC, version DESC
LIMIT $limit

// name: policy_version
// One policy version by its version hash.
MATCH (v:PolicyVersion {version: $version})
RETURN v.version AS version, v.toml AS toml, v.applied_by AS applied_by,
       v.applied_at AS applied_at, v.source AS source

// name: latest_policy_version
// The version hash of the policy applied last (what every API process polls: one small read).
MATCH (v:PolicyVersion)
RETURN v.version AS version, v.applied_at AS applied_at
ORDER BY applied_at DESC, version DESC
LIMIT 1
