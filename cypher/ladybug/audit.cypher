// Queries of the audit log (graph/store/audit.py): the activity log searched by lead, rep, kind,
// actor and time, newest first, a page at a time after a keyset (at, id), as its caller may see
// it: everything ($everyone), or the events about these reps, about leads they own, and the
// organisation's events of these kinds (a policy applied). An empty text filter means "any".
// The filters are on projected values (see reach_at_company).

// name: audit_events
// One page of the matching events, newest first: those before ($before_at, $before_id).
MATCH (e:Event)
WITH e, e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
     e.rep_id AS rep_id
WHERE ($kind = '' OR kind = $kind) AND ($lead_id = '' OR lead_id = $lead_id)
  AND ($rep_id = '' OR rep_id = $rep_id)
  AND ($actor = '' OR actor = $actor OR starts_with(actor, $actor + ':'))
  AND at >= $since AND at < $until
  AND (at < $before_at OR (at = $before_at AND id < $before_id))
  AND ($everyone OR rep_id IN $reps
       OR (rep_id IS NULL AND lead_id IS NULL AND kind IN $org_kinds)
       OR (rep_id IS NULL
           AND EXISTS { MATCH (e)-[:ABOUT]->(l:Lead) WHERE l.owner_rep_id IN $reps }))
RETURN id, at, kind, actor, lead_id, rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at DESC, id DESC
LIMIT $limit

// name: audit_count
// How many events match (audit_events without the keyset and the limit).
MATCH (e:Event)
WITH e, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id, e.rep_id AS rep_id
WHERE ($kind = '' OR kind = $kind) AND ($lead_id = '' OR lead_id = $lead_id)
  AND ($rep_id = '' OR rep_id = $rep_id)
  AND ($actor = '' OR actor = $actor OR starts_with(actor, $actor + ':'))
  AND at >= $since AND at < $until
  AND ($everyone OR rep_id IN $reps
       OR (rep_id IS NULL AND lead_id IS NULL AND kind IN $org_kinds)
       OR (rep_id IS NULL
           AND EXISTS { MATCH (e)-[:ABOUT]->(l:Lead) WHERE l.owner_rep_id IN $reps }))
RETURN count(e) AS total

// name: event_count
// How many events the log holds (the whole log, unfiltered).
MATCH (e:Event)
RETURN count(e) AS total

// name: event_kind_exists
// Whether the log holds an event of this kind (an audit filter's kind is checked against it).
MATCH (e:Event)
WITH e.kind AS kind
WHERE kind = $kind
RETURN kind
LIMIT 1
