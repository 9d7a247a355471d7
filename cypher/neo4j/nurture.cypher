// name: leads_with_events_since
// The leads that have an event of these kinds at or after a time (the cadences that ran in a
// leaderboard's period): id, grade and status (index event_kind or event_at).
MATCH (e:Event)-[:ABOUT]->(l:Lead)
WHERE e.kind IN $kinds AND e.at >= $since
RETURN DISTINCT l.id AS id, l.grade AS grade, l.status AS status
ORDER BY id
