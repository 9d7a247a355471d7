// name: person_ties
// A person and everyone they know, one row per tie with its source and strength (a person
// with no ties: one row, the tie columns null; no person: no row). With the rep network held
// in memory (graph/network.py) this one read is the person's side of reps_near,
// connection_paths and mutual_connections: the rep's side is never expanded here.
MATCH (p:Person {id: $person_id})
OPTIONAL MATCH (p)-[e:KNOWS]-(a:Person)
RETURN p.id AS person_id, p.name AS person_name, p.title AS person_title,
       p.linkedin_url AS person_linkedin_url, p.email AS person_email,
       a.id AS id, a.name AS name, a.title AS title, a.linkedin_url AS linkedin_url,
       a.email AS email, e.source AS source, e.strength AS strength

// name: person_neighbour_ids
// A person and the ids of everyone they know, one row each (a person with no ties: one row,
// id null; no person: no row): the person's side of mutual_connections where ties are not
// held in memory, whose answer names only the few people both know. Rows, not collect():
// LadybugDB's aggregation costs more than the rows of a decision-maker's ties.
MATCH (p:Person {id: $person_id})
OPTIONAL MATCH (p)-[:KNOWS]-(a:Person)
RETURN p.id AS person_id, a.id AS id

// name: reach_at_company
// For every rep, the current employees of a company the rep's person knows. Starts at the
// company; former employees are dropped before their ties are read.
MATCH (c:Company {id: $company_id})<-[:WORKS_AT {current: true}]-(e:Person)-[:KNOWS]-(rp:Person)<-[:IS]-(r:Rep)
RETURN DISTINCT r.id AS rep_id, e.id AS id, e.name AS name, e.title AS title

// name: ties_beyond_reps
// Every tie between two people neither of whom is a rep's person, once (the store adds the
// other direction), with the columns of person_ties: with the rep network (rep_contacts) it is
// everyone's ties, held in memory where a read is a round trip (graph/store/person_ties.py),
// so mutual connections and paths need no read.
MATCH (p:Person)-[e:KNOWS]->(a:Person)
WHERE NOT EXISTS { (p)<-[:IS]-(:Rep) } AND NOT EXISTS { (a)<-[:IS]-(:Rep) }
RETURN p.id AS person_id, p.name AS person_name, p.title AS person_title,
       p.linkedin_url AS person_linkedin_url, p.email AS person_email,
       a.id AS id, a.name AS name, a.title AS title, a.linkedin_url AS linkedin_url,
       a.email AS email, e.source AS source, e.strength AS strength

// name: rep_people
// Every rep's person (the other end of a tie to a rep, held with ties_beyond_reps).
MATCH (r:Rep)-[:IS]->(p:Person)
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email
