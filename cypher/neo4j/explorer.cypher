// Queries of the network explorer (graph/store/explorer.py): a node's neighbours a page at a
// time, the nodes themselves with their degree, and the reads of the shortest-path search.
// Degrees and totals count distinct neighbours (two people tied by LinkedIn and Facebook are one
// neighbour), in the database: a popular node's neighbourhood never reaches Python whole.

// name: explore_people
// These people with their degree (people known, companies and schools), by id.
UNWIND $ids AS pid
MATCH (p:Person {id: pid})
RETURN p.id AS id, coalesce(p.name, '') AS name, p.title AS title,
       COUNT { MATCH (p)-[:KNOWS|WORKS_AT|STUDIED_AT]-(x) RETURN DISTINCT x } AS degree

// name: explore_companies
// These companies with their degree (current and former employees), by id.
UNWIND $ids AS cid
MATCH (c:Company {id: cid})
RETURN c.id AS id, coalesce(c.name, '') AS name, c.domain AS title,
       COUNT { MATCH (c)<-[:WORKS_AT]-(x:Person) RETURN DISTINCT x } AS degree

// name: explore_schools
// These schools with their degree (people who studied there), by id.
UNWIND $ids AS sid
MATCH (s:School {id: sid})
RETURN s.id AS id, coalesce(s.name, '') AS name, NULL AS title,
       COUNT { MATCH (s)<-[:STUDIED_AT]-(x:Person) RETURN DISTINCT x } AS degree

// name: explore_person_neighbours
// One page of a person's neighbours (people known, companies worked at, schools), ordered by
// (name, id) after the keyset ($after_name, $after_id), at most $limit, each with its tie
// (kinds, sources, dates) and its own degree.
MATCH (p:Person {id: $id})-[t:KNOWS|WORKS_AT|STUDIED_AT]-(n)
WITH n, t, n.id AS id, coalesce(n.name, '') AS name
WHERE name > $after_name OR (name = $after_name AND id > $after_id)
WITH n, id, name, labels(n)[0] AS kind, collect(type(t)) AS rels,
     collect(t.source) AS sources, min(coalesce(t.since, t.started)) AS since,
     max(t.ended) AS until, collect(t.current) AS current
ORDER BY name, id
LIMIT $limit
RETURN id, name, kind, n.title AS title, rels, sources, since, until, current,
       COUNT { MATCH (n)-[:KNOWS|WORKS_AT|STUDIED_AT]-(x) RETURN DISTINCT x } AS degree
ORDER BY name, id

// name: explore_company_neighbours
// One page of a company's current and former employees, as explore_person_neighbours.
MATCH (c:Company {id: $id})<-[t:WORKS_AT]-(n:Person)
WITH n, t, n.id AS id, coalesce(n.name, '') AS name
WHERE name > $after_name OR (name = $after_name AND id > $after_id)
WITH n, id, name, 'Person' AS kind, collect(type(t)) AS rels,
     [] AS sources, min(t.started) AS since,
     max(t.ended) AS until, collect(t.current) AS current
ORDER BY name, id
LIMIT $limit
RETURN id, name, kind, n.title AS title, rels, sources, since, until, current,
       COUNT { MATCH (n)-[:KNOWS|WORKS_AT|STUDIED_AT]-(x) RETURN DISTINCT x } AS degree
ORDER BY name, id

// name: explore_school_neighbours
// One page of a school's students, as explore_person_neighbours.
MATCH (s:School {id: $id})<-[t:STUDIED_AT]-(n:Person)
WITH n, t, n.id AS id, coalesce(n.name, '') AS name
WHERE name > $after_name OR (name = $after_name AND id > $after_id)
WITH n, id, name, 'Person' AS kind, collect(type(t)) AS rels,
     [] AS sources, min(t.started) AS since,
     max(t.ended) AS until, [] AS current
ORDER BY name, id
LIMIT $limit
RETURN id, name, kind, n.title AS title, rels, sources, since, until, current,
       COUNT { MATCH (n)-[:KNOWS|WORKS_AT|STUDIED_AT]-(x) RETURN DISTINCT x } AS degree
ORDER BY name, id

// name: explore_known_by
// Everyone each of these people knows (ids only): one level of the shortest-path search.
UNWIND $ids AS pid
MATCH (p:Person {id: pid})-[:KNOWS]-(a:Person)
RETURN DISTINCT p.id AS person_id, a.id AS id

// name: explore_employees_among
// Which of these people work or worked at a company, with the tie (the last step of a path
// to a company).
UNWIND $ids AS pid
MATCH (p:Person {id: pid})-[w:WORKS_AT]->(c:Company {id: $company_id})
RETURN p.id AS person_id, w.current AS current, w.started AS started, w.ended AS ended

// name: explore_ties
// The KNOWS ties between these pairs of people: sources and the earliest date.
UNWIND $pairs AS pair
MATCH (a:Person {id: pair.a})-[t:KNOWS]-(b:Person {id: pair.b})
RETURN pair.a AS a, pair.b AS b, collect(t.source) AS sources, min(t.since) AS since
