// name: buyer_ties
// Connected leads (routing/connections.py): the people the decision-makers of every lead in
// these statuses know, reps left out (a path through one of our reps is the rep's own network,
// which the ranking's warmth counts already). Read whole into memory, index lead_status.
MATCH (l:Lead)-[:DECISION_MAKER]->(p:Person)
WHERE l.status IN $statuses
WITH DISTINCT p
MATCH (p)-[:KNOWS]-(a:Person)
WHERE NOT EXISTS { (a)<-[:IS]-(:Rep) }
RETURN DISTINCT p.id AS person_id, a.id AS id

// name: lead_standings
// Connected leads: these leads' status, owner, title and company (the leads by id).
UNWIND $ids AS lid
MATCH (l:Lead {id: lid})-[:AT]->(c:Company)
RETURN l.id AS id, l.title AS title, l.status AS status, l.owner_rep_id AS owner_rep_id,
       c.id AS company_id, c.name AS company_name
