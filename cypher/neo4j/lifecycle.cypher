// name: move_lead
// Move a lead from one of $from_statuses to a new state, with its event, in one statement: the
// status check and the write cannot be separated. Returns the lead when it moved, with its status
// and owner before (what the in-memory activity follows).
MATCH (l:Lead {id: $lead_id})
// take the node's write lock first, so the status is read after any concurrent claim commits
SET l.lock_token = $event_id
WITH l, l.status AS before_status, l.owner_rep_id AS before_owner
WHERE before_status IN $from_statuses
SET l.status = $status, l.owner_rep_id = $owner_rep_id, l.claimed_at = $claimed_at,
    l.contact_due_at = $contact_due_at, l.contacted_at = $contacted_at, l.outcome = $outcome,
    l.value = coalesce($value, l.value)
CREATE (e:Event {id: $event_id, at: $at, kind: $kind, actor: $actor, lead_id: $lead_id,
                 rep_id: $rep_id, reason: $reason, detail: $detail})
CREATE (e)-[:ABOUT]->(l)
RETURN l.id AS lead_id, before_status, before_owner

// name: move_claimed
// A claim's move where several processes write (inside the claim's transaction): the claiming
// rep's write lock first and the leads they hold in $held_statuses as committed (but this one:
// two claims by one rep in two workers count one after the other), then the move of move_lead
// (the lead's lock, its status checked, its event), then the lead's events after it (sorted by
// the caller): one round trip instead of three. No row when the lead was not in $from_statuses
// or there is no such rep.
MATCH (r:Rep {id: $rep_id})
SET r.lock_token = $event_id
WITH r
OPTIONAL MATCH (h:Lead {owner_rep_id: r.id})
WHERE h.status IN $held_statuses AND h.id <> $lead_id
WITH r, count(h) AS held
MATCH (l:Lead {id: $lead_id})
SET l.lock_token = $event_id
WITH held, l, l.status AS before_status, l.owner_rep_id AS before_owner
WHERE before_status IN $from_statuses
SET l.status = $status, l.owner_rep_id = $owner_rep_id, l.claimed_at = $claimed_at,
    l.contact_due_at = $contact_due_at, l.contacted_at = $contacted_at, l.outcome = $outcome,
    l.value = coalesce($value, l.value)
CREATE (e:Event {id: $event_id, at: $at, kind: $kind, actor: $actor, lead_id: $lead_id,
                 rep_id: $rep_id, reason: $reason, detail: $detail})
CREATE (e)-[:ABOUT]->(l)
WITH held, l, before_status, before_owner
MATCH (l)<-[:ABOUT]-(x:Event)
RETURN l.id AS lead_id, before_status, before_owner, held,
       collect({id: x.id, at: x.at, kind: x.kind, actor: x.actor, lead_id: x.lead_id,
                rep_id: x.rep_id, reason: x.reason, detail: x.detail}) AS events

// name: lead_events
// The activity stream of one lead, oldest first (through the lead: no scan of the log).
MATCH (l:Lead {id: $lead_id})<-[:ABOUT]-(e:Event)
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at, id

// name: events_of_leads
// The activity streams of several leads, oldest first (the leads by id, then their events).
MATCH (l:Lead)<-[:ABOUT]-(e:Event)
WHERE l.id IN $lead_ids
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at, id

// name: rep_events
// The activity stream of one rep, oldest first (index event_rep).
MATCH (e:Event {rep_id: $rep_id})
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at, id

// name: overdue_leads
// Claimed leads whose contact deadline has passed (index lead_status).
MATCH (l:Lead {status: 'claimed'})
WHERE l.contact_due_at < $now
RETURN l.id AS id, l.owner_rep_id AS rep_id, l.contact_due_at AS due
ORDER BY due, id

// name: create_user
// A user of the API with the hash of their token.
CREATE (u:User {id: $id, name: $name, role: $role, rep_id: $rep_id, team: $team,
                token_hash: $token_hash, created_at: $created_at})
RETURN u.id AS id

// name: user_by_token_hash
// The user holding a token, by the token's hash.
MATCH (u:User {token_hash: $token_hash})
RETURN u.id AS id, u.name AS name, u.role AS role, u.rep_id AS rep_id, u.team AS team

// name: add_outbox
// Messages to deliver (the marketing webhook), kept until delivered.
CREATE (o:Outbox {id: $id, at: $at, kind: $kind, payload: $payload, attempts: 0, next_at: $at})
RETURN o.id AS id

// name: due_outbox
// Undelivered messages whose next attempt is due, oldest first (index outbox_next_at).
MATCH (o:Outbox)
WHERE o.next_at <= $now AND o.delivered_at IS NULL
RETURN o.id AS id, o.at AS at, o.kind AS kind, o.payload AS payload, o.attempts AS attempts,
       o.last_error AS last_error
ORDER BY o.next_at, id
LIMIT $limit

// name: outbox_backlog
// How many messages are not delivered yet and when the oldest was queued (for /metrics). An
// undelivered message has a next attempt, a delivered one none: the next_at index holds the backlog.
MATCH (o:Outbox)
WHERE o.next_at IS NOT NULL AND o.delivered_at IS NULL
RETURN count(o) AS undelivered, min(o.at) AS oldest_at

// name: mark_outbox
// Record a delivery attempt: delivered (delivered_at set) or failed (error, next attempt);
// the lease taken by lease_outbox ends. A worker whose lease another process took over
// (it ran out) writes nothing.
MATCH (o:Outbox {id: $id})
WHERE o.leased_by = $worker OR $worker IS NULL
SET o.attempts = $attempts, o.next_at = $next_at, o.last_error = $last_error,
    o.delivered_at = $delivered_at, o.lease_until = null, o.leased_by = null
RETURN o.id AS id
