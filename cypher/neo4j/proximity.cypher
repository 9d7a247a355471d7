// name: reps_one_hop
// Reps whose person knows the given person directly (a pair may have several ties).
// Starts at the person.
MATCH (p:Person {id: $person_id})-[:KNOWS]-(rp:Person)<-[:IS]-(r:Rep)
RETURN DISTINCT r.id AS rep_id

// name: reps_two_hops
// For every rep, the people that both the given person and the rep's person know (mutual
// connections): the reps at 2 hops with their intermediaries, and every rep's mutual count.
// Only ids, one row per rep: reading names for every pair costs 5-10x more on a large graph.
MATCH (p:Person {id: $person_id})-[:KNOWS]-(m:Person)-[:KNOWS]-(rp:Person)<-[:IS]-(r:Rep)
RETURN r.id AS rep_id, collect(DISTINCT m.id) AS ids

// name: rep_hops_within_three
// Hop distance (1..3) from the person to every rep within 3 hops, by rings: ring1 = people the
// person knows, ring2 = people at exactly 2 hops; a rep is at 3 hops if its person knows ring2.
// The rings are held as lists on purpose: per-rep existence checks gave the same answers 3-12x
// slower (p95 3.9 s against 0.6 s at 2M people), fixed-length expansions and SHORTEST slower still.
MATCH (p:Person {id: $person_id})
OPTIONAL MATCH (p)-[:KNOWS]-(a:Person)
WITH p, collect(DISTINCT a) AS ring1
OPTIONAL MATCH (p)-[:KNOWS]-(:Person)-[:KNOWS]-(b:Person)
WHERE b <> p AND NOT b IN ring1
WITH p, ring1, collect(DISTINCT b) AS ring2
MATCH (r:Rep)-[:IS]->(rp:Person)
WHERE rp <> p
  AND (rp IN ring1 OR rp IN ring2 OR EXISTS { MATCH (rp)-[:KNOWS]-(x:Person) WHERE x IN ring2 })
RETURN r.id AS rep_id, CASE WHEN rp IN ring1 THEN 1 WHEN rp IN ring2 THEN 2 ELSE 3 END AS hops

// name: paths_one_hop
// Direct ties between a rep's person and a person (one row per source).
MATCH (p:Person {id: $person_id})-[e1:KNOWS]-(rp:Person {id: $rep_person_id})
RETURN e1.source AS s1, e1.strength AS w1
LIMIT $row_limit

// name: paths_two_hops
// Paths rep's person - m - person; one row per combination of edge sources. Starts at the
// rep's person: measured 0.6 ms p50 against 25 ms when started at the person (2M people).
MATCH (rp:Person {id: $rep_person_id})-[e2:KNOWS]-(m:Person)-[e1:KNOWS]-(p:Person {id: $person_id})
RETURN m.id AS id1,
       e2.source AS s1, e2.strength AS w1, e1.source AS s2, e1.strength AS w2
LIMIT $row_limit

// name: paths_three_hops
// Paths rep's person - a - b - person; one row per combination of edge sources. Only asked
// when no shorter path exists, so every row is a simple shortest path.
MATCH (p:Person {id: $person_id})-[e1:KNOWS]-(b:Person)-[e2:KNOWS]-(a:Person)-[e3:KNOWS]-(rp:Person {id: $rep_person_id})
RETURN a.id AS id1, b.id AS id2,
       e3.source AS s1, e3.strength AS w1, e2.source AS s2, e2.strength AS w2,
       e1.source AS s3, e1.strength AS w3
LIMIT $row_limit

// name: mutual_connections
// People both a and b know.
MATCH (a:Person {id: $a_id})-[:KNOWS]-(m:Person)-[:KNOWS]-(b:Person {id: $b_id})
RETURN DISTINCT m.id AS id, m.name AS name, m.title AS title, m.linkedin_url AS linkedin_url,
       m.email AS email

// name: reach_at_company
// For every rep, the current employees of a company the rep's person knows. Starts at the
// company; former employees are dropped before their ties are read.
MATCH (c:Company {id: $company_id})<-[:WORKS_AT {current: true}]-(e:Person)-[:KNOWS]-(rp:Person)<-[:IS]-(r:Rep)
RETURN DISTINCT r.id AS rep_id, e.id AS id, e.name AS name, e.title AS title
