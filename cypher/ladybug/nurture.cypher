// name: leads_with_events_since
// The leads that have an event of these kinds at or after a time (the cadences that ran in a
// leaderboard's period): id, grade and status.
MATCH (e:Event)-[:ABOUT]->(l:Lead)
WITH l, e.kind AS kind, e.at AS at
WHERE kind IN $kinds AND at >= $since
RETURN DISTINCT l.id AS id, l.grade AS grade, l.status AS status
ORDER BY id
