// name: lease_outbox
// Take up to $limit due, undelivered messages that no other process holds, leased to $worker
// until $until: of several API processes delivering the outbox, one sends each message.
MATCH (o:Outbox)
WHERE o.delivered_at IS NULL AND o.next_at <= $now
  AND (o.lease_until IS NULL OR o.lease_until <= $now)
WITH o ORDER BY o.next_at, o.id LIMIT $limit
// take each message's write lock first, so the lease is read after a concurrent lease commits
SET o.lock_token = $worker
WITH o
WHERE o.delivered_at IS NULL AND o.next_at <= $now
  AND (o.lease_until IS NULL OR o.lease_until <= $now)
SET o.lease_until = $until, o.leased_by = $worker
RETURN o.id AS id, o.at AS at, o.kind AS kind, o.payload AS payload, o.attempts AS attempts,
       o.last_error AS last_error, o.next_at AS next_at
ORDER BY next_at, id

// name: lock_rep
// Take a rep's write lock inside a transaction and count the leads they hold in these statuses
// as committed, but $lead_id: two claims by one rep at once (two workers) are counted one after
// the other.
MATCH (r:Rep {id: $rep_id})
SET r.lock_token = $token
WITH r
OPTIONAL MATCH (l:Lead {owner_rep_id: r.id})
WHERE l.status IN $statuses AND l.id <> $lead_id
RETURN r.id AS rep_id, count(l) AS held

// name: lock_lead
// Take a lead's write lock inside a transaction: what the transaction reads next is the latest
// committed state, and no other transaction changes the lead until this one ends.
MATCH (l:Lead {id: $lead_id})
SET l.lock_token = $token
RETURN l.id AS lead_id
