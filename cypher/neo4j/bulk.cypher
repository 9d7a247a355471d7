// name: bulk_create_people
// The bulk loader of an EMPTY graph (graph/neo4j_bulk.py): people, created without a MERGE
// (the snapshot was checked for duplicate ids first). Null fields are not stored, as with
// merge_people on a new person.
UNWIND $rows AS r
CREATE (:Person {id: r.id, name: r.name, first_name: r.first_name, last_name: r.last_name,
                 linkedin_url: r.linkedin_url, email: r.email, title: r.title,
                 location: r.location})
RETURN count(*) AS written

// name: bulk_create_companies
// Companies of an empty graph (see bulk_create_people).
UNWIND $rows AS r
CREATE (:Company {id: r.id, name: r.name, domain: r.domain, industry: r.industry,
                  region: r.region, size: r.size})
RETURN count(*) AS written

// name: bulk_create_schools
// Schools of an empty graph (see bulk_create_people).
UNWIND $rows AS r
CREATE (:School {id: r.id, name: r.name})
RETURN count(*) AS written

// name: bulk_create_reps
// Reps of an empty graph with their consent, each linked to its person (as merge_reps and
// record_consents write them).
UNWIND $rows AS r
CREATE (rep:Rep {id: r.id, email: r.email, name: r.name, region: r.region, timezone: r.timezone,
                 industries: r.industries, products: r.products, deal_min: r.deal_min,
                 deal_max: r.deal_max, capacity: r.capacity, close_rate: r.close_rate,
                 hired_on: r.hired_on, active: r.active, out_until: r.out_until, team: r.team,
                 consented_at: r.consented_at, consent_by: r.consent_by})
WITH rep, r
MATCH (p:Person {id: r.person_id})
CREATE (rep)-[:IS]->(p)
RETURN count(*) AS written

// name: bulk_create_leads
// Leads of an empty graph, each attached to its company (as merge_leads writes them).
UNWIND $rows AS r
CREATE (l:Lead {id: r.id, title: r.title, status: r.status, grade: r.grade, score: r.score,
                value: r.value, product: r.product, industry: r.industry, region: r.region,
                source: r.source, created_at: r.created_at})
WITH l, r
MATCH (c:Company {id: r.company_id})
CREATE (l)-[:AT]->(c)
RETURN count(*) AS written

// name: bulk_create_ties
// Ties of an empty graph, from the smaller id to the larger (unique per pair and source: the
// snapshot was checked), each end found through the person_id constraint's index.
UNWIND $rows AS r
MATCH (a:Person {id: r.a})
MATCH (b:Person {id: r.b})
CREATE (a)-[:KNOWS {source: r.source, since: r.since, strength: r.strength,
                    reported_by: r.reported_by}]->(b)
RETURN count(*) AS written

// name: bulk_create_employments
// Employments of an empty graph (one per person and company: the snapshot was checked).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (c:Company {id: r.company_id})
CREATE (p)-[:WORKS_AT {title: r.title, current: r.current, started: r.started, ended: r.ended}]->(c)
RETURN count(*) AS written

// name: bulk_create_studies
// Studies of an empty graph (one per person and school: the snapshot was checked).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (s:School {id: r.school_id})
CREATE (p)-[:STUDIED_AT {started: r.started, ended: r.ended}]->(s)
RETURN count(*) AS written

// name: bulk_create_decision_makers
// Buying committees of an empty graph (one link per lead and person: the snapshot was checked).
UNWIND $rows AS r
MATCH (l:Lead {id: r.lead_id})
MATCH (p:Person {id: r.person_id})
CREATE (l)-[:DECISION_MAKER {role: r.role}]->(p)
RETURN count(*) AS written
