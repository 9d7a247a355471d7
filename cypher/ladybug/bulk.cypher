// name: bulk_create_people
// The Neo4j bulk loader's queries (cypher/neo4j/bulk.cypher), here for the catalogs' parity:
// LadybugDB loads an empty graph with COPY FROM Arrow tables (graph/ladybug_store.py) and does
// not run these. Same rows, as an Arrow table (see create_people).
LOAD FROM $rows
CREATE (p:Person {id: id, name: name, first_name: first_name, last_name: last_name,
                  linkedin_url: linkedin_url, email: email, title: title, location: location})
RETURN count(*) AS written

// name: bulk_create_companies
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
CREATE (c:Company {id: id, name: name, domain: domain, industry: industry, region: region,
                   size: size})
RETURN count(*) AS written

// name: bulk_create_schools
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
CREATE (s:School {id: id, name: name})
RETURN count(*) AS written

// name: bulk_create_reps
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
CREATE (rep:Rep {id: id, email: email, name: name, region: region, timezone: timezone,
                 industries: industries, products: products, deal_min: deal_min,
                 deal_max: deal_max, capacity: capacity, close_rate: close_rate,
                 hired_on: hired_on, active: active, out_until: out_until, team: team,
                 consented_at: consented_at, consent_by: consent_by})
WITH rep, person_id
MATCH (p:Person {id: person_id})
CREATE (rep)-[:IS]->(p)
RETURN count(*) AS written

// name: bulk_create_leads
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
CREATE (l:Lead {id: id, title: title, status: status, grade: grade, score: score, value: value,
                product: product, industry: industry, region: region, source: source,
                created_at: created_at})
WITH l, company_id
MATCH (c:Company {id: company_id})
CREATE (l)-[:AT]->(c)
RETURN count(*) AS written

// name: bulk_create_ties
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
MATCH (x:Person {id: a})
MATCH (y:Person {id: b})
CREATE (x)-[:KNOWS {source: source, since: since, strength: strength, reported_by: reported_by}]->(y)
RETURN count(*) AS written

// name: bulk_create_employments
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
MATCH (p:Person {id: person_id})
MATCH (c:Company {id: company_id})
CREATE (p)-[:WORKS_AT {title: title, current: current, started: started, ended: ended}]->(c)
RETURN count(*) AS written

// name: bulk_create_studies
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
MATCH (p:Person {id: person_id})
MATCH (s:School {id: school_id})
CREATE (p)-[:STUDIED_AT {started: started, ended: ended}]->(s)
RETURN count(*) AS written

// name: bulk_create_decision_makers
// Not run on LadybugDB (see bulk_create_people).
LOAD FROM $rows
MATCH (l:Lead {id: lead_id})
MATCH (p:Person {id: person_id})
CREATE (l)-[:DECISION_MAKER {role: role}]->(p)
RETURN count(*) AS written
