// name: merge_people
// Create or update people by id; a null field keeps the stored value. Only a person the row
// changes (or a new one) is written (see update_people).
UNWIND $rows AS r
WITH r, r.id AS pid
MERGE (p:Person {id: pid})
WITH p, r
WHERE (r.name IS NOT NULL AND (p.name IS NULL OR p.name <> r.name))
   OR (r.first_name IS NOT NULL AND (p.first_name IS NULL OR p.first_name <> r.first_name))
   OR (r.last_name IS NOT NULL AND (p.last_name IS NULL OR p.last_name <> r.last_name))
   OR (r.linkedin_url IS NOT NULL AND (p.linkedin_url IS NULL OR p.linkedin_url <> r.linkedin_url))
   OR (r.email IS NOT NULL AND (p.email IS NULL OR p.email <> r.email))
   OR (r.title IS NOT NULL AND (p.title IS NULL OR p.title <> r.title))
   OR (r.location IS NOT NULL AND (p.location IS NULL OR p.location <> r.location))
SET p.name = coalesce(r.name, p.name),
    p.first_name = coalesce(r.first_name, p.first_name),
    p.last_name = coalesce(r.last_name, p.last_name),
    p.linkedin_url = coalesce(r.linkedin_url, p.linkedin_url),
    p.email = coalesce(r.email, p.email),
    p.title = coalesce(r.title, p.title),
    p.location = coalesce(r.location, p.location)
RETURN count(*) AS written

// name: merge_reps
// Create or update reps and link each to its person (the person must exist).
UNWIND $rows AS r
WITH r, r.id AS rid
MERGE (rep:Rep {id: rid})
SET rep.email = r.email, rep.name = r.name, rep.region = r.region, rep.timezone = r.timezone,
    rep.industries = CAST(r.industries AS STRING[]), rep.products = CAST(r.products AS STRING[]), rep.deal_min = CAST(r.deal_min AS DOUBLE),
    rep.deal_max = CAST(r.deal_max AS DOUBLE), rep.capacity = CAST(r.capacity AS INT64), rep.close_rate = CAST(r.close_rate AS DOUBLE),
    rep.hired_on = CAST(r.hired_on AS DATE), rep.active = CAST(r.active AS BOOLEAN), rep.out_until = CAST(r.out_until AS DATE),
    rep.team = r.team
WITH rep, r
MATCH (p:Person {id: r.person_id})
MERGE (rep)-[:IS]->(p)
RETURN count(*) AS written

// name: merge_companies
// Create or update companies by id. The first name seen is kept ("Globex Inc." stays when a
// later export says "Globex"); other fields take the newest non-null value. Only a company
// the row changes (or a new one) is written (see update_people).
UNWIND $rows AS r
WITH r, r.id AS cid
MERGE (c:Company {id: cid})
WITH c, r, CAST(r.size AS INT64) AS size
WHERE (c.name IS NULL AND r.name IS NOT NULL)
   OR (r.domain IS NOT NULL AND (c.domain IS NULL OR c.domain <> r.domain))
   OR (r.industry IS NOT NULL AND (c.industry IS NULL OR c.industry <> r.industry))
   OR (r.region IS NOT NULL AND (c.region IS NULL OR c.region <> r.region))
   OR (size IS NOT NULL AND (c.size IS NULL OR c.size <> size))
SET c.name = coalesce(c.name, r.name), c.domain = coalesce(r.domain, c.domain),
    c.industry = coalesce(r.industry, c.industry), c.region = coalesce(r.region, c.region),
    c.size = coalesce(size, c.size)
RETURN count(*) AS written

// name: merge_schools
// Create or update schools by id.
UNWIND $rows AS r
WITH r, r.id AS sid
MERGE (s:School {id: sid})
SET s.name = coalesce(r.name, s.name)
RETURN count(*) AS written

// name: merge_ties
// One KNOWS edge per (pair, source), stored from the smaller id to the larger; its reporters
// (reported_by) are the union of those written.
UNWIND $rows AS r
MATCH (a:Person {id: r.a})
MATCH (b:Person {id: r.b})
MERGE (a)-[k:KNOWS {source: r.source}]->(b)
SET k.since = coalesce(CAST(r.since AS DATE), k.since), k.strength = coalesce(CAST(r.strength AS DOUBLE), k.strength),
    k.reported_by = CASE WHEN r.reported_by IS NULL THEN k.reported_by
                         WHEN k.reported_by IS NULL THEN CAST(r.reported_by AS STRING[])
                         ELSE list_distinct(list_concat(k.reported_by, CAST(r.reported_by AS STRING[]))) END
RETURN count(*) AS written

// name: merge_employments
// One WORKS_AT edge per person and company; later imports update title, dates and current. Only
// an edge the row changes (or a new one) is written (see update_people).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (c:Company {id: r.company_id})
MERGE (p)-[w:WORKS_AT]->(c)
WITH w, r, CAST(r.current AS BOOLEAN) AS current, CAST(r.started AS DATE) AS started,
     CAST(r.ended AS DATE) AS ended
WHERE (r.title IS NOT NULL AND (w.title IS NULL OR w.title <> r.title))
   OR (current IS NULL) <> (w.current IS NULL) OR w.current <> current
   OR (started IS NOT NULL AND (w.started IS NULL OR w.started <> started))
   OR (ended IS NULL) <> (w.ended IS NULL) OR w.ended <> ended
SET w.title = coalesce(r.title, w.title), w.current = current,
    w.started = coalesce(started, w.started), w.ended = ended
RETURN count(*) AS written

// name: merge_studies
// One STUDIED_AT edge per person and school.
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (s:School {id: r.school_id})
MERGE (p)-[e:STUDIED_AT]->(s)
SET e.started = coalesce(CAST(r.started AS DATE), e.started), e.ended = coalesce(CAST(r.ended AS DATE), e.ended)
RETURN count(*) AS written

// name: unlink_moved_leads
// Before merge_leads: the leads whose company changed leave the old one (a lead is at one
// company; MERGE alone would keep both links).
UNWIND $rows AS r
MATCH (l:Lead {id: r.id})-[old:AT]->(other:Company)
WHERE other.id <> r.company_id
DELETE old
RETURN count(*) AS written

// name: merge_leads
// Create or update leads and attach each to its company (the company must exist).
UNWIND $rows AS r
WITH r, r.id AS lid
MERGE (l:Lead {id: lid})
SET l.title = r.title, l.status = coalesce(l.status, r.status), l.grade = r.grade,
    l.score = CAST(r.score AS DOUBLE), l.value = CAST(r.value AS DOUBLE), l.product = r.product, l.industry = r.industry,
    l.region = r.region, l.source = r.source, l.created_at = CAST(r.created_at AS TIMESTAMP)
WITH l, r
MATCH (c:Company {id: r.company_id})
MERGE (l)-[:AT]->(c)
RETURN count(*) AS written

// name: merge_decision_makers
// Link leads to their decision-makers with a role.
UNWIND $rows AS r
MATCH (l:Lead {id: r.lead_id})
MATCH (p:Person {id: r.person_id})
MERGE (l)-[d:DECISION_MAKER]->(p)
SET d.role = r.role
RETURN count(*) AS written

// name: people_by_ids
// People by internal id.
UNWIND $ids AS pid
MATCH (p:Person {id: pid})
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email

// name: some_person_ids
// The ids of at most $limit people: all of them, on a graph that small.
MATCH (p:Person)
RETURN p.id AS id
LIMIT $limit

// name: people_by_email
// People whose stored email is exactly this (lower-cased) address.
MATCH (p:Person)
WHERE p.email = $email
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email

// name: people_by_linkedin_url
// People whose stored (normalised) LinkedIn URL is exactly this one.
MATCH (p:Person)
WHERE p.linkedin_url = $url
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email

// name: all_reps
// The rep directory (a few thousand rows at most): every rep's profile with the id of its
// person.
MATCH (r:Rep)
WITH r
MATCH (r)-[:IS]->(p:Person)
RETURN r.id AS id, r.email AS email, r.name AS name, p.id AS person_id, r.region AS region,
       r.timezone AS timezone, r.industries AS industries, r.products AS products,
       r.deal_min AS deal_min, r.deal_max AS deal_max, r.capacity AS capacity,
       r.close_rate AS close_rate, r.hired_on AS hired_on, r.active AS active,
       r.out_until AS out_until, r.team AS team

// name: graph_counts
// How much the graph holds.
OPTIONAL MATCH (p:Person) WITH count(p) AS people
OPTIONAL MATCH (r:Rep) WITH people, count(r) AS reps
OPTIONAL MATCH (c:Company) WITH people, reps, count(c) AS companies
OPTIONAL MATCH (l:Lead) WITH people, reps, companies, count(l) AS leads
OPTIONAL MATCH (:Person)-[k:KNOWS]->(:Person) WITH people, reps, companies, leads, count(k) AS ties
RETURN people, reps, companies, leads, ties

// name: companies_by_ids
// Companies by internal id.
UNWIND $ids AS cid
MATCH (c:Company {id: cid})
RETURN c.id AS id, c.name AS name

// name: ties_of_person
// Every tie of one source between a person and others (what an earlier import of the same
// person's export created). The filter is on a projected value (see reach_at_company).
MATCH (a:Person {id: $person_id})-[k:KNOWS]-(b:Person)
WITH b, k, k.source AS source
WHERE source = $source
RETURN b.id AS id, k.since AS since, k.strength AS strength, k.reported_by AS reported_by

// name: people_by_emails
// People whose stored email is one of these (lower-cased) addresses.
MATCH (p:Person)
WITH p, p.email AS email
WHERE email IN $emails
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email

// name: ties_between
// Which of these (a, b, source) ties exist already, in either stored direction, and who
// reported them.
UNWIND $rows AS r
MATCH (a:Person {id: r.a})-[k:KNOWS]-(b:Person {id: r.b})
WITH r, k.source AS source, k.reported_by AS reported_by
WHERE source = r.source
RETURN DISTINCT r.a AS a, r.b AS b, r.source AS source, reported_by

// name: leads_by_ids
// Leads by id, with their company.
UNWIND $ids AS lid
MATCH (l:Lead {id: lid})-[:AT]->(c:Company)
RETURN l.id AS id, c.id AS company_id, c.name AS company_name

// name: create_people
// People known to be new (the importer checked inside the same write transaction). Rows come
// as an Arrow table: LOAD FROM + CREATE writes 5,000 people in ~40 ms, UNWIND + MERGE in ~500.
LOAD FROM $rows
CREATE (p:Person {id: id, name: name, first_name: first_name, last_name: last_name,
                  linkedin_url: linkedin_url, email: email, title: title, location: location})
RETURN count(*) AS written

// name: create_companies
// Companies the importer found to be new (checked in the same write transaction; Arrow rows,
// see create_people): a bootstrap's 2,400 employers in ~30 ms, where merge_companies took 400.
LOAD FROM $rows
CREATE (c:Company {id: id, name: name, domain: domain, industry: industry, region: region,
                   size: size})
RETURN count(*) AS written

// name: create_ties
// Ties known to be new, stored from the smaller id to the larger (Arrow rows, see create_people).
LOAD FROM $rows
MATCH (x:Person {id: a})
MATCH (y:Person {id: b})
CREATE (x)-[:KNOWS {source: source, since: since, strength: strength, reported_by: reported_by}]->(y)
RETURN count(*) AS written

// name: create_employments
// Employments of people who are new to the graph (Arrow rows, see create_people).
LOAD FROM $rows
MATCH (p:Person {id: person_id})
MATCH (c:Company {id: company_id})
CREATE (p)-[:WORKS_AT {title: title, current: current, started: started, ended: ended}]->(c)
RETURN count(*) AS written

// name: update_people
// People known to exist: MATCH then SET (no MERGE); a null field keeps the stored value. Only
// people a field of the row changes are written: LadybugDB logs a SET of the stored value as a
// change, and its checkpoint then rewrites the column around each such row (an import's
// unchanged people were half of a 2M-person graph's checkpoint).
LOAD FROM $rows
MATCH (p:Person {id: id})
WHERE (name IS NOT NULL AND (p.name IS NULL OR p.name <> name))
   OR (first_name IS NOT NULL AND (p.first_name IS NULL OR p.first_name <> first_name))
   OR (last_name IS NOT NULL AND (p.last_name IS NULL OR p.last_name <> last_name))
   OR (linkedin_url IS NOT NULL AND (p.linkedin_url IS NULL OR p.linkedin_url <> linkedin_url))
   OR (email IS NOT NULL AND (p.email IS NULL OR p.email <> email))
   OR (title IS NOT NULL AND (p.title IS NULL OR p.title <> title))
   OR (location IS NOT NULL AND (p.location IS NULL OR p.location <> location))
SET p.name = coalesce(name, p.name), p.first_name = coalesce(first_name, p.first_name),
    p.last_name = coalesce(last_name, p.last_name),
    p.linkedin_url = coalesce(linkedin_url, p.linkedin_url), p.email = coalesce(email, p.email),
    p.title = coalesce(title, p.title), p.location = coalesce(location, p.location)
RETURN count(*) AS written

// name: any_tie
// Whether the graph holds any KNOWS tie at all (cheap; a first bootstrap has none).
MATCH (:Person)-[k:KNOWS]->(:Person)
RETURN k.source AS source
LIMIT 1

// name: people_named
// People whose name contains the text (case-insensitive), for the path explorer.
MATCH (p:Person)
WITH p, lower(p.name) AS lowered
WHERE lowered CONTAINS $text
RETURN p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email
ORDER BY name, id
LIMIT $limit

// name: people_at_company_named
// Current employees of companies whose name contains the text (case-insensitive).
MATCH (c:Company)
WITH c, lower(c.name) AS lowered
WHERE lowered CONTAINS $text
MATCH (c)<-[w:WORKS_AT]-(p:Person)
WITH p, w.current AS current
WHERE current = true
RETURN DISTINCT p.id AS id, p.name AS name, p.title AS title, p.linkedin_url AS linkedin_url,
       p.email AS email
ORDER BY name, id
LIMIT $limit
