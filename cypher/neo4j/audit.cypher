// Queries of the audit log (graph/store/audit.py): the activity log searched by lead, rep, kind,
// actor and time, newest first, a page at a time after a keyset (at, id), as its caller may see
// it: everything ($everyone), or the events about these reps, about leads they own, and the
// organisation's events of these kinds (a policy applied). An empty text filter means "any".
// The time range is a seek on the event_at index (newest first, in the index's order).

// name: audit_events
// One page of the matching events, newest first: those before ($before_at, $before_id). The
// keyset is one range on at (the seek) and one exclusion, so the planner walks the index
// newest first and stops at $limit (an OR of two ranges made it union two seeks of the whole
// range and sort them: every event read for every page).
MATCH (e:Event)
WHERE e.at >= $since AND e.at < $until AND e.at <= $before_at
  AND NOT (e.at = $before_at AND e.id >= $before_id)
  AND ($kind = '' OR e.kind = $kind) AND ($lead_id = '' OR e.lead_id = $lead_id)
  AND ($rep_id = '' OR e.rep_id = $rep_id)
  AND ($actor = '' OR e.actor = $actor OR e.actor STARTS WITH $actor + ':')
  AND ($everyone OR e.rep_id IN $reps
       OR (e.rep_id IS NULL AND e.lead_id IS NULL AND e.kind IN $org_kinds)
       OR (e.rep_id IS NULL
           AND EXISTS { MATCH (e)-[:ABOUT]->(l:Lead) WHERE l.owner_rep_id IN $reps }))
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at DESC, id DESC
LIMIT $limit

// name: audit_count
// How many events match (audit_events without the keyset and the limit).
MATCH (e:Event)
WHERE e.at >= $since AND e.at < $until
  AND ($kind = '' OR e.kind = $kind) AND ($lead_id = '' OR e.lead_id = $lead_id)
  AND ($rep_id = '' OR e.rep_id = $rep_id)
  AND ($actor = '' OR e.actor = $actor OR e.actor STARTS WITH $actor + ':')
  AND ($everyone OR e.rep_id IN $reps
       OR (e.rep_id IS NULL AND e.lead_id IS NULL AND e.kind IN $org_kinds)
       OR (e.rep_id IS NULL
           AND EXISTS { MATCH (e)-[:ABOUT]->(l:Lead) WHERE l.owner_rep_id IN $reps }))
RETURN count(e) AS total

// name: event_count
// How many events the log holds (the whole log, unfiltered: Neo4j's count store answers it).
MATCH (e:Event)
RETURN count(e) AS total

// name: event_kind_exists
// Whether the log holds an event of this kind (an audit filter's kind is checked against it).
MATCH (e:Event {kind: $kind})
RETURN e.kind AS kind
LIMIT 1
