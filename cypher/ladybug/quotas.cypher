// name: new_connections
// The people each rep first connected with on a day in [$since, $until): the ties dated in the
// window whose one end is a rep's person, unless an earlier dated tie joins the same two people
// (looked for from the other end, usually a contact with few ties: 60 ms on the demo
// organisation, against 290 ms starting at the reps).
MATCH (a:Person)-[k:KNOWS]-(b:Person)
WHERE k.since >= $since AND k.since < $until
MATCH (r:Rep)-[:IS]->(a)
WITH r, a, b, k.since AS tie_day
WHERE NOT EXISTS { MATCH (b)-[e:KNOWS]-(a) WHERE e.since < $since }
RETURN r.id AS rep_id, b.id AS person_id, min(tie_day) AS day

// name: rep_events_between
// Events of these kinds about a rep in [$since, $until), oldest first (the quotas' window).
MATCH (e:Event)
WITH e, e.rep_id AS rep_id, e.kind AS kind, e.at AS at
WHERE rep_id IS NOT NULL AND kind IN $kinds AND at >= $since AND at < $until
RETURN e.id AS id, at, kind, e.actor AS actor, e.lead_id AS lead_id, rep_id,
       e.reason AS reason, e.detail AS detail
ORDER BY at, id
