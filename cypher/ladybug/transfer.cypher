// Queries of `warmpath transfer` (graph/transfer.py): every label and relationship type is read
// in pages of start-node ids and written with MERGE-by-id, so a rerun writes nothing twice.

// name: transfer_counts
// How many nodes of each label and relationships of each type `warmpath transfer` copies (the
// totals its progress counts towards).
OPTIONAL MATCH (n:Person)
WITH count(n) AS n_person
OPTIONAL MATCH (n:Company)
WITH n_person, count(n) AS n_company
OPTIONAL MATCH (n:School)
WITH n_person, n_company, count(n) AS n_school
OPTIONAL MATCH (n:Rep)
WITH n_person, n_company, n_school, count(n) AS n_rep
OPTIONAL MATCH (n:Lead)
WITH n_person, n_company, n_school, n_rep, count(n) AS n_lead
OPTIONAL MATCH (n:Event)
WITH n_person, n_company, n_school, n_rep, n_lead, count(n) AS n_event
OPTIONAL MATCH (n:User)
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, count(n) AS n_user
OPTIONAL MATCH (n:Outbox)
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, count(n) AS n_outbox
OPTIONAL MATCH ()-[k:IS]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, count(k) AS n_is
OPTIONAL MATCH ()-[k:KNOWS]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is,
     count(k) AS n_knows
OPTIONAL MATCH ()-[k:WORKS_AT]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     count(k) AS n_works_at
OPTIONAL MATCH ()-[k:STUDIED_AT]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, count(k) AS n_studied_at
OPTIONAL MATCH ()-[k:AT]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, count(k) AS n_at
OPTIONAL MATCH ()-[k:DECISION_MAKER]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, n_at, count(k) AS n_decision_maker
OPTIONAL MATCH ()-[k:ABOUT]->()
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, n_at, n_decision_maker, count(k) AS n_about
OPTIONAL MATCH (n:Tombstone)
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, n_at, n_decision_maker, n_about, count(n) AS n_tombstone
OPTIONAL MATCH (n:Submission)
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, n_at, n_decision_maker, n_about, n_tombstone,
     count(n) AS n_submission
OPTIONAL MATCH (n:PolicyVersion)
WITH n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
     n_works_at, n_studied_at, n_at, n_decision_maker, n_about, n_tombstone, n_submission,
     count(n) AS n_policy_version
RETURN n_person, n_company, n_school, n_rep, n_lead, n_event, n_user, n_outbox, n_is, n_knows,
       n_works_at, n_studied_at, n_at, n_decision_maker, n_about, n_tombstone, n_submission,
       n_policy_version

// name: transfer_read_person
// A page of people in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Person)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.name AS name, n.first_name AS first_name, n.last_name AS last_name,
       n.linkedin_url AS linkedin_url, n.email AS email, n.title AS title, n.location AS location
ORDER BY id

// name: transfer_write_person
// Copy people: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Person {id: nid})
SET n.name = r.name, n.first_name = r.first_name, n.last_name = r.last_name,
    n.linkedin_url = r.linkedin_url, n.email = r.email, n.title = r.title, n.location = r.location
RETURN count(*) AS written

// name: transfer_read_company
// A page of companies in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Company)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.name AS name, n.domain AS domain, n.industry AS industry, n.region AS region,
       n.size AS size
ORDER BY id

// name: transfer_write_company
// Copy companies: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Company {id: nid})
SET n.name = r.name, n.domain = r.domain, n.industry = r.industry, n.region = r.region,
    n.size = CAST(r.size AS INT64)
RETURN count(*) AS written

// name: transfer_read_school
// A page of schools in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:School)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.name AS name
ORDER BY id

// name: transfer_write_school
// Copy schools: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:School {id: nid})
SET n.name = r.name
RETURN count(*) AS written

// name: transfer_read_rep
// A page of reps in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Rep)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.email AS email, n.name AS name, n.region AS region, n.timezone AS timezone,
       n.industries AS industries, n.products AS products, n.deal_min AS deal_min,
       n.deal_max AS deal_max, n.capacity AS capacity, n.close_rate AS close_rate,
       n.hired_on AS hired_on, n.active AS active, n.out_until AS out_until, n.team AS team,
       n.consented_at AS consented_at, n.consent_by AS consent_by,
       n.consent_withdrawn_at AS consent_withdrawn_at
ORDER BY id

// name: transfer_write_rep
// Copy reps: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Rep {id: nid})
SET n.email = r.email, n.name = r.name, n.region = r.region, n.timezone = r.timezone,
    n.industries = CAST(r.industries AS STRING[]), n.products = CAST(r.products AS STRING[]),
    n.deal_min = CAST(r.deal_min AS DOUBLE), n.deal_max = CAST(r.deal_max AS DOUBLE),
    n.capacity = CAST(r.capacity AS INT64), n.close_rate = CAST(r.close_rate AS DOUBLE),
    n.hired_on = CAST(r.hired_on AS DATE), n.active = CAST(r.active AS BOOLEAN),
    n.out_until = CAST(r.out_until AS DATE), n.team = r.team,
    n.consented_at = CAST(r.consented_at AS TIMESTAMP), n.consent_by = r.consent_by,
    n.consent_withdrawn_at = CAST(r.consent_withdrawn_at AS TIMESTAMP)
RETURN count(*) AS written

// name: transfer_read_tombstone
// A page of tombstones in hash order: hashes after $after (and up to $until when $bounded), at
// most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Tombstone)
WITH n, n.hash AS hash
WHERE hash > $after AND (NOT $bounded OR hash <= $until)
WITH n, hash
ORDER BY hash
LIMIT $limit
RETURN hash, n.at AS at
ORDER BY hash

// name: transfer_write_tombstone
// Copy tombstones: each is created or overwritten by hash.
UNWIND $rows AS r
WITH r, r.hash AS h
MERGE (n:Tombstone {hash: h})
SET n.at = CAST(r.at AS TIMESTAMP)
RETURN count(*) AS written

// name: transfer_read_submission
// A page of lead-intake submissions in key order: keys after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Submission)
WITH n, n.key AS key
WHERE key > $after AND (NOT $bounded OR key <= $until)
WITH n, key
ORDER BY key
LIMIT $limit
RETURN key, n.at AS at, n.lead_id AS lead_id, n.outcome AS outcome, n.actor AS actor,
       n.detail AS detail
ORDER BY key

// name: transfer_write_submission
// Copy submissions: each is created or overwritten by key.
UNWIND $rows AS r
WITH r, r.key AS k
MERGE (n:Submission {key: k})
SET n.at = CAST(r.at AS TIMESTAMP), n.lead_id = r.lead_id, n.outcome = r.outcome,
    n.actor = r.actor, n.detail = r.detail
RETURN count(*) AS written

// name: transfer_read_policy_version
// A page of routing policy versions in version order: versions after $after (and up to $until
// when $bounded), at most $limit of them. The filter is on a projected value (see
// reach_at_company).
MATCH (n:PolicyVersion)
WITH n, n.version AS version
WHERE version > $after AND (NOT $bounded OR version <= $until)
WITH n, version
ORDER BY version
LIMIT $limit
RETURN version, n.toml AS toml, n.applied_by AS applied_by, n.applied_at AS applied_at,
       n.source AS source
ORDER BY version

// name: transfer_write_policy_version
// Copy routing policy versions: each is created or overwritten by version.
UNWIND $rows AS r
WITH r, r.version AS v
MERGE (n:PolicyVersion {version: v})
SET n.toml = r.toml, n.applied_by = r.applied_by, n.applied_at = CAST(r.applied_at AS TIMESTAMP),
    n.source = r.source
RETURN count(*) AS written

// name: transfer_read_lead
// A page of leads in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Lead)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.title AS title, n.status AS status, n.grade AS grade, n.score AS score,
       n.value AS value, n.product AS product, n.industry AS industry, n.region AS region,
       n.source AS source, n.created_at AS created_at, n.owner_rep_id AS owner_rep_id,
       n.claimed_at AS claimed_at, n.contact_due_at AS contact_due_at,
       n.contacted_at AS contacted_at, n.outcome AS outcome
ORDER BY id

// name: transfer_write_lead
// Copy leads: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Lead {id: nid})
SET n.title = r.title, n.status = r.status, n.grade = r.grade, n.score = CAST(r.score AS DOUBLE),
    n.value = CAST(r.value AS DOUBLE), n.product = r.product, n.industry = r.industry,
    n.region = r.region, n.source = r.source, n.created_at = CAST(r.created_at AS TIMESTAMP),
    n.owner_rep_id = r.owner_rep_id, n.claimed_at = CAST(r.claimed_at AS TIMESTAMP),
    n.contact_due_at = CAST(r.contact_due_at AS TIMESTAMP),
    n.contacted_at = CAST(r.contacted_at AS TIMESTAMP), n.outcome = r.outcome
RETURN count(*) AS written

// name: transfer_read_event
// A page of events in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:Event)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.at AS at, n.kind AS kind, n.actor AS actor, n.lead_id AS lead_id, n.rep_id AS rep_id,
       n.reason AS reason, n.detail AS detail
ORDER BY id

// name: transfer_write_event
// Copy events: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Event {id: nid})
SET n.at = CAST(r.at AS TIMESTAMP), n.kind = r.kind, n.actor = r.actor, n.lead_id = r.lead_id,
    n.rep_id = r.rep_id, n.reason = r.reason, n.detail = r.detail
RETURN count(*) AS written

// name: transfer_read_user
// A page of API users in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them. The filter is on a projected value (see reach_at_company).
MATCH (n:User)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.name AS name, n.role AS role, n.rep_id AS rep_id, n.team AS team,
       n.token_hash AS token_hash, n.created_at AS created_at
ORDER BY id

// name: transfer_write_user
// Copy API users: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:User {id: nid})
SET n.name = r.name, n.role = r.role, n.rep_id = r.rep_id, n.team = r.team,
    n.token_hash = r.token_hash, n.created_at = CAST(r.created_at AS TIMESTAMP)
RETURN count(*) AS written

// name: transfer_read_outbox
// A page of outbox messages in id order, with every property: ids after $after (and up to $until
// when $bounded), at most $limit of them. The filter is on a projected value (see
// reach_at_company).
MATCH (n:Outbox)
WITH n, n.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH n, id
ORDER BY id
LIMIT $limit
RETURN id, n.at AS at, n.kind AS kind, n.payload AS payload, n.attempts AS attempts,
       n.next_at AS next_at, n.last_error AS last_error, n.delivered_at AS delivered_at,
       n.lease_until AS lease_until, n.leased_by AS leased_by
ORDER BY id

// name: transfer_write_outbox
// Copy outbox messages: each is created or overwritten by id with the source's properties (a null
// clears the property).
UNWIND $rows AS r
WITH r, r.id AS nid
MERGE (n:Outbox {id: nid})
SET n.at = CAST(r.at AS TIMESTAMP), n.kind = r.kind, n.payload = r.payload,
    n.attempts = CAST(r.attempts AS INT64), n.next_at = CAST(r.next_at AS TIMESTAMP),
    n.last_error = r.last_error, n.delivered_at = CAST(r.delivered_at AS TIMESTAMP),
    n.lease_until = CAST(r.lease_until AS TIMESTAMP), n.leased_by = r.leased_by
RETURN count(*) AS written

// name: transfer_read_is
// The person each rep is, for a page of Rep start nodes in id order (after $after, up to $until
// when $bounded, at most $limit); a start node without one gives a row with null person_id.
MATCH (x:Rep)
WITH x, x.id AS rep_id
WHERE rep_id > $after AND (NOT $bounded OR rep_id <= $until)
WITH x, rep_id
ORDER BY rep_id
LIMIT $limit
OPTIONAL MATCH (x)-[:IS]->(y:Person)
RETURN rep_id, y.id AS person_id
ORDER BY rep_id

// name: transfer_write_is
// Copy the person each rep is: one IS per pair.
UNWIND $rows AS r
MATCH (x:Rep {id: r.rep_id})
MATCH (y:Person {id: r.person_id})
MERGE (x)-[:IS]->(y)
RETURN count(*) AS written

// name: transfer_unlink_is
// Before copying reps' links: drop the target's IS links of these reps and of these people (a rep
// is one person and a person at most one rep; the source's link replaces the target's).
UNWIND $rows AS r
OPTIONAL MATCH (:Rep {id: r.rep_id})-[mine:IS]->(:Person)
OPTIONAL MATCH (:Rep)-[theirs:IS]->(:Person {id: r.person_id})
DELETE mine, theirs
RETURN count(*) AS removed

// name: transfer_read_knows
// KNOWS ties (one per pair and source, in their stored direction), for a page of Person start nodes
// in id order (after $after, up to $until when $bounded, at most $limit); a start node without one
// gives a row with null b.
MATCH (x:Person)
WITH x, x.id AS a
WHERE a > $after AND (NOT $bounded OR a <= $until)
WITH x, a
ORDER BY a
LIMIT $limit
OPTIONAL MATCH (x)-[k:KNOWS]->(y:Person)
RETURN a, y.id AS b, k.source AS source, k.since AS since, k.strength AS strength,
       k.reported_by AS reported_by
ORDER BY a

// name: transfer_write_knows
// Copy KNOWS ties (one per pair and source, in their stored direction): one KNOWS per pair and
// source, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.a})
MATCH (y:Person {id: r.b})
MERGE (x)-[k:KNOWS {source: r.source}]->(y)
SET k.since = CAST(r.since AS DATE), k.strength = CAST(r.strength AS DOUBLE),
    k.reported_by = CAST(r.reported_by AS STRING[])
RETURN count(*) AS written

// name: transfer_read_works_at
// Employments, for a page of Person start nodes in id order (after $after, up to $until when
// $bounded, at most $limit); a start node without one gives a row with null company_id.
MATCH (x:Person)
WITH x, x.id AS person_id
WHERE person_id > $after AND (NOT $bounded OR person_id <= $until)
WITH x, person_id
ORDER BY person_id
LIMIT $limit
OPTIONAL MATCH (x)-[k:WORKS_AT]->(y:Company)
RETURN person_id, y.id AS company_id, k.title AS title, k.current AS current, k.started AS started,
       k.ended AS ended
ORDER BY person_id

// name: transfer_write_works_at
// Copy employments: one WORKS_AT per pair, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.person_id})
MATCH (y:Company {id: r.company_id})
MERGE (x)-[k:WORKS_AT]->(y)
SET k.title = r.title, k.current = CAST(r.current AS BOOLEAN), k.started = CAST(r.started AS DATE),
    k.ended = CAST(r.ended AS DATE)
RETURN count(*) AS written

// name: transfer_read_studied_at
// Studies, for a page of Person start nodes in id order (after $after, up to $until when $bounded,
// at most $limit); a start node without one gives a row with null school_id.
MATCH (x:Person)
WITH x, x.id AS person_id
WHERE person_id > $after AND (NOT $bounded OR person_id <= $until)
WITH x, person_id
ORDER BY person_id
LIMIT $limit
OPTIONAL MATCH (x)-[k:STUDIED_AT]->(y:School)
RETURN person_id, y.id AS school_id, k.started AS started, k.ended AS ended
ORDER BY person_id

// name: transfer_write_studied_at
// Copy studies: one STUDIED_AT per pair, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.person_id})
MATCH (y:School {id: r.school_id})
MERGE (x)-[k:STUDIED_AT]->(y)
SET k.started = CAST(r.started AS DATE), k.ended = CAST(r.ended AS DATE)
RETURN count(*) AS written

// name: transfer_read_at
// The company of each lead, for a page of Lead start nodes in id order (after $after, up to $until
// when $bounded, at most $limit); a start node without one gives a row with null company_id.
MATCH (x:Lead)
WITH x, x.id AS lead_id
WHERE lead_id > $after AND (NOT $bounded OR lead_id <= $until)
WITH x, lead_id
ORDER BY lead_id
LIMIT $limit
OPTIONAL MATCH (x)-[:AT]->(y:Company)
RETURN lead_id, y.id AS company_id
ORDER BY lead_id

// name: transfer_write_at
// Copy the company of each lead: one AT per pair.
UNWIND $rows AS r
MATCH (x:Lead {id: r.lead_id})
MATCH (y:Company {id: r.company_id})
MERGE (x)-[:AT]->(y)
RETURN count(*) AS written

// name: transfer_unlink_at
// Before copying the company of each lead: drop the target's AT link of these leads (each has one;
// the source's replaces it).
UNWIND $rows AS r
MATCH (:Lead {id: r.lead_id})-[old:AT]->(:Company)
DELETE old
RETURN count(*) AS removed

// name: transfer_read_decision_maker
// Buying committees (decision-makers and their roles), for a page of Lead start nodes in id order
// (after $after, up to $until when $bounded, at most $limit); a start node without one gives a row
// with null person_id.
MATCH (x:Lead)
WITH x, x.id AS lead_id
WHERE lead_id > $after AND (NOT $bounded OR lead_id <= $until)
WITH x, lead_id
ORDER BY lead_id
LIMIT $limit
OPTIONAL MATCH (x)-[k:DECISION_MAKER]->(y:Person)
RETURN lead_id, y.id AS person_id, k.role AS role
ORDER BY lead_id

// name: transfer_write_decision_maker
// Copy buying committees (decision-makers and their roles): one DECISION_MAKER per pair, with the
// source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Lead {id: r.lead_id})
MATCH (y:Person {id: r.person_id})
MERGE (x)-[k:DECISION_MAKER]->(y)
SET k.role = r.role
RETURN count(*) AS written

// name: transfer_read_about
// The lead each event is about, for a page of Event start nodes in id order (after $after, up to
// $until when $bounded, at most $limit); a start node without one gives a row with null lead_id.
MATCH (x:Event)
WITH x, x.id AS id
WHERE id > $after AND (NOT $bounded OR id <= $until)
WITH x, id
ORDER BY id
LIMIT $limit
OPTIONAL MATCH (x)-[:ABOUT]->(y:Lead)
RETURN id, y.id AS lead_id
ORDER BY id

// name: transfer_write_about
// Copy the lead each event is about: one ABOUT per pair.
UNWIND $rows AS r
MATCH (x:Event {id: r.id})
MATCH (y:Lead {id: r.lead_id})
MERGE (x)-[:ABOUT]->(y)
RETURN count(*) AS written

// name: transfer_unlink_about
// Before copying the lead each event is about: drop the target's ABOUT link of these events (each
// has one; the source's replaces it).
UNWIND $rows AS r
MATCH (:Event {id: r.id})-[old:ABOUT]->(:Lead)
DELETE old
RETURN count(*) AS removed
