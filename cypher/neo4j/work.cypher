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

// name: lock_lead
// Take a lead's write lock inside a transaction: what the transaction reads next is the latest
// committed state, and no other transaction changes the lead until this one ends.
MATCH (l:Lead {id: $lead_id})
SET l.lock_token = $token
RETURN l.id AS lead_id
