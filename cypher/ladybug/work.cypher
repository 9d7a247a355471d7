// name: lease_outbox
// Take up to $limit due, undelivered messages that no other holder has, leased to $worker until
// $until (one process writes a LadybugDB file, and its writes are serialised).
MATCH (o:Outbox)
WITH o, o.delivered_at AS delivered_at, o.next_at AS next_at, o.lease_until AS lease_until
WHERE delivered_at IS NULL AND next_at <= $now AND (lease_until IS NULL OR lease_until <= $now)
WITH o ORDER BY o.next_at, o.id LIMIT $limit
SET o.lease_until = $until, o.leased_by = $worker
RETURN o.id AS id, o.at AS at, o.kind AS kind, o.payload AS payload, o.attempts AS attempts,
       o.last_error AS last_error, o.next_at AS next_at
ORDER BY next_at, id

// name: lock_rep
// A rep's write lock (the one writer holds it already: $token is for the Neo4j dialect) and the
// leads they hold in these statuses as committed, but $lead_id.
MATCH (r:Rep {id: $rep_id})
WHERE $token IS NOT NULL
WITH r
OPTIONAL MATCH (l:Lead)
WHERE l.owner_rep_id = r.id AND l.status IN $statuses AND l.id <> $lead_id
RETURN r.id AS rep_id, count(l) AS held

// name: lock_lead
// A lead's write lock: LadybugDB has one writer, whose transaction holds every lock already, so
// this only checks that the lead exists ($token is for the Neo4j dialect's lock).
MATCH (l:Lead {id: $lead_id})
WHERE $token IS NOT NULL
RETURN l.id AS lead_id
