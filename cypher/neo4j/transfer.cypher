// Queries of `warmpath transfer` (graph/transfer.py): every label and relationship type is read
// in pages of start-node ids and written with MERGE-by-id, so a rerun writes nothing twice.

// name: transfer_counts
// How many nodes of each label and relationships of each type `warmpath transfer` copies (the
// totals its progress counts towards).
RETURN COUNT { (:Person) } AS n_person, COUNT { (:Company) } AS n_company,
       COUNT { (:School) } AS n_school, COUNT { (:Rep) } AS n_rep, COUNT { (:Lead) } AS n_lead,
       COUNT { (:Event) } AS n_event, COUNT { (:User) } AS n_user, COUNT { (:Outbox) } AS n_outbox,
       COUNT { ()-[:IS]->() } AS n_is, COUNT { ()-[:KNOWS]->() } AS n_knows,
       COUNT { ()-[:WORKS_AT]->() } AS n_works_at, COUNT { ()-[:STUDIED_AT]->() } AS n_studied_at,
       COUNT { ()-[:AT]->() } AS n_at, COUNT { ()-[:DECISION_MAKER]->() } AS n_decision_maker,
       COUNT { ()-[:ABOUT]->() } AS n_about, COUNT { (:Tombstone) } AS n_tombstone,
       COUNT { (:Submission) } AS n_submission, COUNT { (:PolicyVersion) } AS n_policy_version

// name: transfer_read_person
// A page of people in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Person)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.name AS name, n.first_name AS first_name, n.last_name AS last_name,
       n.linkedin_url AS linkedin_url, n.email AS email, n.title AS title, n.location AS location
ORDER BY id

// name: transfer_write_person
// Copy people: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
MERGE (n:Person {id: r.id})
SET n.name = r.name, n.first_name = r.first_name, n.last_name = r.last_name,
    n.linkedin_url = r.linkedin_url, n.email = r.email, n.title = r.title, n.location = r.location
RETURN count(*) AS written

// name: transfer_read_company
// A page of companies in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Company)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.name AS name, n.domain AS domain, n.industry AS industry, n.region AS region,
       n.size AS size
ORDER BY id

// name: transfer_write_company
// Copy companies: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
MERGE (n:Company {id: r.id})
SET n.name = r.name, n.domain = r.domain, n.industry = r.industry, n.region = r.region,
    n.size = r.size
RETURN count(*) AS written

// name: transfer_read_school
// A page of schools in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:School)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.name AS name
ORDER BY id

// name: transfer_write_school
// Copy schools: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
MERGE (n:School {id: r.id})
SET n.name = r.name
RETURN count(*) AS written

// name: transfer_read_rep
// A page of reps in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Rep)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.email AS email, n.name AS name, n.region AS region, n.timezone AS timezone,
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
MERGE (n:Rep {id: r.id})
SET n.email = r.email, n.name = r.name, n.region = r.region, n.timezone = r.timezone,
    n.industries = r.industries, n.products = r.products, n.deal_min = r.deal_min,
    n.deal_max = r.deal_max, n.capacity = r.capacity, n.close_rate = r.close_rate,
    n.hired_on = r.hired_on, n.active = r.active, n.out_until = r.out_until, n.team = r.team,
    n.consented_at = r.consented_at, n.consent_by = r.consent_by,
    n.consent_withdrawn_at = r.consent_withdrawn_at
RETURN count(*) AS written

// name: transfer_read_tombstone
// A page of tombstones in hash order: hashes after $after (and up to $until when $bounded), at
// most $limit of them.
MATCH (n:Tombstone)
WHERE n.hash > $after AND (NOT $bounded OR n.hash <= $until)
WITH n
ORDER BY n.hash
LIMIT $limit
RETURN n.hash AS hash, n.at AS at
ORDER BY hash

// name: transfer_write_tombstone
// Copy tombstones: each is created or overwritten by hash.
UNWIND $rows AS r
MERGE (n:Tombstone {hash: r.hash})
SET n.at = r.at
RETURN count(*) AS written

// name: transfer_read_submission
// A page of lead-intake submissions in key order: keys after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Submission)
WHERE n.key > $after AND (NOT $bounded OR n.key <= $until)
WITH n
ORDER BY n.key
LIMIT $limit
RETURN n.key AS key, n.at AS at, n.lead_id AS lead_id, n.outcome AS outcome, n.actor AS actor,
       n.detail AS detail
ORDER BY key

// name: transfer_write_submission
// Copy submissions: each is created or overwritten by key.
UNWIND $rows AS r
MERGE (n:Submission {key: r.key})
SET n.at = r.at, n.lead_id = r.lead_id, n.outcome = r.outcome, n.actor = r.actor,
    n.detail = r.detail
RETURN count(*) AS written

// name: transfer_read_policy_version
// A page of routing policy versions in version order: versions after $after (and up to $until
// when $bounded), at most $limit of them.
MATCH (n:PolicyVersion)
WHERE n.version > $after AND (NOT $bounded OR n.version <= $until)
WITH n
ORDER BY n.version
LIMIT $limit
RETURN n.version AS version, n.toml AS toml, n.applied_by AS applied_by,
       n.applied_at AS applied_at, n.source AS source
ORDER BY version

// name: transfer_write_policy_version
// Copy routing policy versions: each is created or overwritten by version.
UNWIND $rows AS r
MERGE (n:PolicyVersion {version: r.version})
SET n.toml = r.toml, n.applied_by = r.applied_by, n.applied_at = r.applied_at, n.source = r.source
RETURN count(*) AS written

// name: transfer_read_lead
// A page of leads in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Lead)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.title AS title, n.status AS status, n.grade AS grade, n.score AS score,
       n.value AS value, n.product AS product, n.industry AS industry, n.region AS region,
       n.source AS source, n.created_at AS created_at, n.owner_rep_id AS owner_rep_id,
       n.claimed_at AS claimed_at, n.contact_due_at AS contact_due_at,
       n.contacted_at AS contacted_at, n.outcome AS outcome
ORDER BY id

// name: transfer_write_lead
// Copy leads: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
MERGE (n:Lead {id: r.id})
SET n.title = r.title, n.status = r.status, n.grade = r.grade, n.score = r.score, n.value = r.value,
    n.product = r.product, n.industry = r.industry, n.region = r.region, n.source = r.source,
    n.created_at = r.created_at, n.owner_rep_id = r.owner_rep_id, n.claimed_at = r.claimed_at,
    n.contact_due_at = r.contact_due_at, n.contacted_at = r.contacted_at, n.outcome = r.outcome
RETURN count(*) AS written

// name: transfer_read_event
// A page of events in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:Event)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.at AS at, n.kind AS kind, n.actor AS actor, n.lead_id AS lead_id,
       n.rep_id AS rep_id, n.reason AS reason, n.detail AS detail
ORDER BY id

// name: transfer_write_event
// Copy events: each is created or overwritten by id with the source's properties (a null clears the
// property).
UNWIND $rows AS r
MERGE (n:Event {id: r.id})
SET n.at = r.at, n.kind = r.kind, n.actor = r.actor, n.lead_id = r.lead_id, n.rep_id = r.rep_id,
    n.reason = r.reason, n.detail = r.detail
RETURN count(*) AS written

// name: transfer_read_user
// A page of API users in id order, with every property: ids after $after (and up to $until when
// $bounded), at most $limit of them.
MATCH (n:User)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.name AS name, n.role AS role, n.rep_id AS rep_id, n.team AS team,
       n.token_hash AS token_hash, n.created_at AS created_at
ORDER BY id

// name: transfer_write_user
// Copy API users: each is created or overwritten by id with the source's properties (a null clears
// the property).
UNWIND $rows AS r
MERGE (n:User {id: r.id})
SET n.name = r.name, n.role = r.role, n.rep_id = r.rep_id, n.team = r.team,
    n.token_hash = r.token_hash, n.created_at = r.created_at
RETURN count(*) AS written

// name: transfer_read_outbox
// A page of outbox messages in id order, with every property: ids after $after (and up to $until
// when $bounded), at most $limit of them.
MATCH (n:Outbox)
WHERE n.id > $after AND (NOT $bounded OR n.id <= $until)
WITH n
ORDER BY n.id
LIMIT $limit
RETURN n.id AS id, n.at AS at, n.kind AS kind, n.payload AS payload, n.attempts AS attempts,
       n.next_at AS next_at, n.last_error AS last_error, n.delivered_at AS delivered_at,
       n.lease_until AS lease_until, n.leased_by AS leased_by
ORDER BY id

// name: transfer_write_outbox
// Copy outbox messages: each is created or overwritten by id with the source's properties (a null
// clears the property).
UNWIND $rows AS r
MERGE (n:Outbox {id: r.id})
SET n.at = r.at, n.kind = r.kind, n.payload = r.payload, n.attempts = r.attempts,
    n.next_at = r.next_at, n.last_error = r.last_error, n.delivered_at = r.delivered_at,
    n.lease_until = r.lease_until, n.leased_by = r.leased_by
RETURN count(*) AS written

// name: transfer_read_is
// The person each rep is, for a page of Rep start nodes in id order (after $after, up to $until
// when $bounded, at most $limit); a start node without one gives a row with null person_id.
MATCH (x:Rep)
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[:IS]->(y:Person)
RETURN x.id AS rep_id, y.id AS person_id
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
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[k:KNOWS]->(y:Person)
RETURN x.id AS a, y.id AS b, k.source AS source, k.since AS since, k.strength AS strength,
       k.reported_by AS reported_by
ORDER BY a

// name: transfer_write_knows
// Copy KNOWS ties (one per pair and source, in their stored direction): one KNOWS per pair and
// source, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.a})
MATCH (y:Person {id: r.b})
MERGE (x)-[k:KNOWS {source: r.source}]->(y)
SET k.since = r.since, k.strength = r.strength, k.reported_by = r.reported_by
RETURN count(*) AS written

// name: transfer_read_works_at
// Employments, for a page of Person start nodes in id order (after $after, up to $until when
// $bounded, at most $limit); a start node without one gives a row with null company_id.
MATCH (x:Person)
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[k:WORKS_AT]->(y:Company)
RETURN x.id AS person_id, y.id AS company_id, k.title AS title, k.current AS current,
       k.started AS started, k.ended AS ended
ORDER BY person_id

// name: transfer_write_works_at
// Copy employments: one WORKS_AT per pair, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.person_id})
MATCH (y:Company {id: r.company_id})
MERGE (x)-[k:WORKS_AT]->(y)
SET k.title = r.title, k.current = r.current, k.started = r.started, k.ended = r.ended
RETURN count(*) AS written

// name: transfer_read_studied_at
// Studies, for a page of Person start nodes in id order (after $after, up to $until when $bounded,
// at most $limit); a start node without one gives a row with null school_id.
MATCH (x:Person)
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[k:STUDIED_AT]->(y:School)
RETURN x.id AS person_id, y.id AS school_id, k.started AS started, k.ended AS ended
ORDER BY person_id

// name: transfer_write_studied_at
// Copy studies: one STUDIED_AT per pair, with the source's properties (a null clears one).
UNWIND $rows AS r
MATCH (x:Person {id: r.person_id})
MATCH (y:School {id: r.school_id})
MERGE (x)-[k:STUDIED_AT]->(y)
SET k.started = r.started, k.ended = r.ended
RETURN count(*) AS written

// name: transfer_read_at
// The company of each lead, for a page of Lead start nodes in id order (after $after, up to $until
// when $bounded, at most $limit); a start node without one gives a row with null company_id.
MATCH (x:Lead)
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[:AT]->(y:Company)
RETURN x.id AS lead_id, y.id AS company_id
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
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[k:DECISION_MAKER]->(y:Person)
RETURN x.id AS lead_id, y.id AS person_id, k.role AS role
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
WHERE x.id > $after AND (NOT $bounded OR x.id <= $until)
WITH x
ORDER BY x.id
LIMIT $limit
OPTIONAL MATCH (x)-[:ABOUT]->(y:Lead)
RETURN x.id AS id, y.id AS lead_id
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
