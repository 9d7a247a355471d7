// name: new_connections
// The people each rep first connected with on a day in [$since, $until): the ties dated in the
// window (index knows_since, a hint: reps are few but their ties many) whose one end is a
// rep's person, unless an earlier dated tie joins the same two people.
MATCH (a:Person)-[k:KNOWS]-(b:Person)
USING INDEX k:KNOWS(since)
WHERE k.since >= $since AND k.since < $until
MATCH (r:Rep)-[:IS]->(a)
WHERE NOT EXISTS { MATCH (b)-[e:KNOWS]-(a) WHERE e.since < $since }
RETURN r.id AS rep_id, b.id AS person_id, min(k.since) AS day

// name: rep_events_between
// Events of these kinds about a rep in [$since, $until), oldest first (the quotas' window;
// index event_kind or event_at, whichever the planner finds narrower).
MATCH (e:Event)
WHERE e.kind IN $kinds AND e.at >= $since AND e.at < $until AND e.rep_id IS NOT NULL
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail
ORDER BY at, id
