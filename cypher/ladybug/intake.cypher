// Queries of lead intake (graph/store/intake.py): the submissions kept by idempotency key, the
// account matching and the dedupe of an open lead.

// name: take_submission
// The submission with this idempotency key, created (empty) when new (LadybugDB's one writer
// serialises submissions).
MERGE (s:Submission {key: $key})
ON CREATE SET s.at = $at
RETURN s.key AS key, s.at AS at, s.lead_id AS lead_id, s.outcome AS outcome, s.actor AS actor,
       s.detail AS detail

// name: record_submission
// Record what a submission did (the first result, returned again to the same key).
MATCH (s:Submission {key: $key})
SET s.at = $at, s.lead_id = $lead_id, s.outcome = $outcome, s.actor = $actor,
    s.detail = $detail
RETURN s.key AS key

// name: companies_by_domain
// Companies whose stored (normalised) web domain is exactly this one. The filter is on a
// projected value (see reach_at_company).
MATCH (c:Company)
WITH c, c.domain AS domain
WHERE domain = $domain
RETURN c.id AS id, c.name AS name, domain, c.industry AS industry, c.region AS region,
       c.size AS size
ORDER BY id

// name: companies_named_like
// Companies whose lower-cased name contains the text (the candidates of a match by normalised
// name, compared in Python), at most $limit of them.
MATCH (c:Company)
WITH c, lower(c.name) AS lowered
WHERE lowered CONTAINS $text
RETURN c.id AS id, c.name AS name, c.domain AS domain, c.industry AS industry,
       c.region AS region, c.size AS size
ORDER BY id
LIMIT $limit

// name: lock_company
// A company's write lock: LadybugDB has one writer, whose transaction holds every lock
// already, so this only checks that the company exists ($token is for the Neo4j dialect).
MATCH (c:Company {id: $company_id})
WHERE $token IS NOT NULL
RETURN c.id AS company_id

// name: open_lead_of
// The oldest lead at this company, not in a closed status, with one of these people as a
// decision-maker (started at the people: their few leads, not the company's many).
UNWIND $person_ids AS pid
MATCH (p:Person {id: pid})<-[:DECISION_MAKER]-(l:Lead)-[:AT]->(c:Company {id: $company_id})
WITH l, l.status AS status
WHERE NOT status IN $closed
RETURN DISTINCT l.id AS id, l.created_at AS created_at
ORDER BY created_at, id
LIMIT 1

// name: update_lead_details
// A lead submitted again: each field given replaces the stored one, a null keeps it.
MATCH (l:Lead {id: $lead_id})
SET l.title = coalesce($title, l.title), l.grade = coalesce($grade, l.grade),
    l.score = coalesce(CAST($score AS DOUBLE), l.score),
    l.value = coalesce(CAST($value AS DOUBLE), l.value),
    l.product = coalesce($product, l.product), l.industry = coalesce($industry, l.industry),
    l.region = coalesce($region, l.region), l.source = coalesce($source, l.source)
RETURN l.id AS lead_id
