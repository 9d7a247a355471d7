// name: rep_contacts
// Every person each rep's person knows: the rep side of every proximity question, read once
// and held in memory (graph/network.py). One row per tie (a pair may have several sources),
// with its source and strength: the steps of a path through a rep's contact.
MATCH (r:Rep)-[:IS]->(rp:Person)-[e:KNOWS]-(x:Person)
RETURN r.id AS rep_id, x.id AS person_id, x.name AS name, x.title AS title,
       x.linkedin_url AS linkedin_url, x.email AS email, e.source AS source,
       e.strength AS strength

// name: rep_stints
// Every rep's employers and schools, with dates (a few per rep).
MATCH (r:Rep)-[:IS]->(rp:Person)-[w:WORKS_AT]->(c:Company)
RETURN r.id AS owner_id, 'employer' AS kind, c.id AS place_id, c.name AS place_name,
       w.started AS started, w.ended AS ended, w.current AS current
UNION ALL
MATCH (r:Rep)-[:IS]->(rp:Person)-[s:STUDIED_AT]->(sc:School)
RETURN r.id AS owner_id, 'school' AS kind, sc.id AS place_id, sc.name AS place_name,
       s.started AS started, s.ended AS ended, false AS current

// name: person_stints
// One person's employers and schools, with dates.
MATCH (p:Person {id: $person_id})-[w:WORKS_AT]->(c:Company)
RETURN p.id AS owner_id, 'employer' AS kind, c.id AS place_id, c.name AS place_name,
       w.started AS started, w.ended AS ended, w.current AS current
UNION ALL
MATCH (p:Person {id: $person_id})-[s:STUDIED_AT]->(sc:School)
RETURN p.id AS owner_id, 'school' AS kind, sc.id AS place_id, sc.name AS place_name,
       s.started AS started, s.ended AS ended, false AS current

// name: committee_stints
// Employers and schools of the decision-makers of every lead in these statuses (one scan,
// for batches: a list of ids in UNWIND costs a full join here, about 1 s whatever its length).
MATCH (l:Lead)-[:DECISION_MAKER]->(p:Person)
WITH l.status AS status, p
WHERE status IN $statuses
WITH DISTINCT p
MATCH (p)-[w:WORKS_AT]->(c:Company)
RETURN p.id AS owner_id, 'employer' AS kind, c.id AS place_id, c.name AS place_name,
       w.started AS started, w.ended AS ended, w.current AS current
UNION ALL
MATCH (l:Lead)-[:DECISION_MAKER]->(p:Person)
WITH l.status AS status, p
WHERE status IN $statuses
WITH DISTINCT p
MATCH (p)-[s:STUDIED_AT]->(sc:School)
RETURN p.id AS owner_id, 'school' AS kind, sc.id AS place_id, sc.name AS place_name,
       s.started AS started, s.ended AS ended, false AS current

// name: person_neighbours
// Everyone a person knows (ids only: names of the people reps know are held in memory).
MATCH (p:Person {id: $person_id})-[:KNOWS]-(a:Person)
RETURN DISTINCT p.id AS person_id, a.id AS id

// name: people_neighbours
// person_neighbours for a list of people, in one read. The store asks person_neighbours per
// person instead (graph/store/runner.py reads_id_lists): here the list is joined in full.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})-[:KNOWS]-(a:Person)
RETURN DISTINCT p.id AS person_id, a.id AS id

// name: people_stints
// person_stints for a list of people, in one read (as people_neighbours, not used here).
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})-[w:WORKS_AT]->(c:Company)
RETURN p.id AS owner_id, 'employer' AS kind, c.id AS place_id, c.name AS place_name,
       w.started AS started, w.ended AS ended, w.current AS current
UNION ALL
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})-[s:STUDIED_AT]->(sc:School)
RETURN p.id AS owner_id, 'school' AS kind, sc.id AS place_id, sc.name AS place_name,
       s.started AS started, s.ended AS ended, false AS current

// name: committee_neighbours
// person_neighbours for the decision-makers of every lead in these statuses, in one scan.
MATCH (l:Lead)-[:DECISION_MAKER]->(p:Person)
WITH l.status AS status, p
WHERE status IN $statuses
WITH DISTINCT p
MATCH (p)-[:KNOWS]-(a:Person)
RETURN DISTINCT p.id AS person_id, a.id AS id

// name: rep_contacts_employers
// The current employers of everyone a rep knows (reach into a lead's company, kept in memory
// with rep_contacts: starting at a large company's 36,000 employees costs 100-300 ms).
MATCH (r:Rep)-[:IS]->(rp:Person)-[:KNOWS]-(x:Person)
WITH DISTINCT x
MATCH (x)-[w:WORKS_AT]->(c:Company)
WITH x, c, w.current AS current
WHERE current = true
RETURN DISTINCT x.id AS person_id, c.id AS company_id

// name: lead_by_id
// One lead with its company.
MATCH (l:Lead {id: $lead_id})-[:AT]->(c:Company)
RETURN l.id AS id, l.title AS title, l.status AS status, l.grade AS grade, l.score AS score,
       l.value AS value, l.product AS product, l.industry AS industry, l.region AS region,
       l.source AS source, l.created_at AS created_at, l.owner_rep_id AS owner_rep_id,
       l.claimed_at AS claimed_at, l.contact_due_at AS contact_due_at,
       l.contacted_at AS contacted_at, l.outcome AS outcome, c.id AS company_id,
       c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
       c.region AS company_region, c.size AS company_size

// name: lead_with_committee
// One lead with its company and its decision-makers (a list, empty when it has none) in one
// read: what a backend whose every read is a round trip asks instead of lead_by_id and
// lead_committee.
MATCH (l:Lead {id: $lead_id})-[:AT]->(c:Company)
OPTIONAL MATCH (l)-[d:DECISION_MAKER]->(p:Person)
WITH l, c, collect(CASE WHEN p IS NULL THEN NULL ELSE {role: d.role, id: p.id, name: p.name,
     title: p.title, linkedin_url: p.linkedin_url, email: p.email} END) AS committee
RETURN l.id AS id, l.title AS title, l.status AS status, l.grade AS grade, l.score AS score,
       l.value AS value, l.product AS product, l.industry AS industry, l.region AS region,
       l.source AS source, l.created_at AS created_at, l.owner_rep_id AS owner_rep_id,
       l.claimed_at AS claimed_at, l.contact_due_at AS contact_due_at,
       l.contacted_at AS contacted_at, l.outcome AS outcome, c.id AS company_id,
       c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
       c.region AS company_region, c.size AS company_size, committee

// name: lead_with_committee_and_events
// lead_with_committee and the lead's activity stream (a list, in no order: the caller sorts it)
// in one read: what a backend whose every read is a round trip asks for a lead whose stream it
// does not keep either (a ranking of a lead another worker moved).
MATCH (l:Lead {id: $lead_id})-[:AT]->(c:Company)
OPTIONAL MATCH (l)-[d:DECISION_MAKER]->(p:Person)
WITH l, c, collect(CASE WHEN p IS NULL THEN NULL ELSE {role: d.role, id: p.id, name: p.name,
     title: p.title, linkedin_url: p.linkedin_url, email: p.email} END) AS committee
OPTIONAL MATCH (l)<-[:ABOUT]-(e:Event)
WITH l, c, committee, collect(CASE WHEN e IS NULL THEN NULL ELSE {id: e.id, at: e.at,
     kind: e.kind, actor: e.actor, lead_id: e.lead_id, rep_id: e.rep_id, reason: e.reason,
     detail: e.detail} END) AS events
RETURN l.id AS id, l.title AS title, l.status AS status, l.grade AS grade, l.score AS score,
       l.value AS value, l.product AS product, l.industry AS industry, l.region AS region,
       l.source AS source, l.created_at AS created_at, l.owner_rep_id AS owner_rep_id,
       l.claimed_at AS claimed_at, l.contact_due_at AS contact_due_at,
       l.contacted_at AS contacted_at, l.outcome AS outcome, c.id AS company_id,
       c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
       c.region AS company_region, c.size AS company_size, committee, events

// name: leads_with_status
// Every lead in these statuses, with its company.
MATCH (l:Lead)-[:AT]->(c:Company)
WITH l, c, l.status AS status
WHERE status IN $statuses
RETURN l.id AS id, l.title AS title, l.status AS status, l.grade AS grade, l.score AS score,
       l.value AS value, l.product AS product, l.industry AS industry, l.region AS region,
       l.source AS source, l.created_at AS created_at, l.owner_rep_id AS owner_rep_id,
       l.claimed_at AS claimed_at, l.contact_due_at AS contact_due_at,
       l.contacted_at AS contacted_at, l.outcome AS outcome, c.id AS company_id,
       c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
       c.region AS company_region, c.size AS company_size

// name: lead_committee
// The decision-makers of one lead, with their roles.
MATCH (l:Lead {id: $lead_id})-[d:DECISION_MAKER]->(p:Person)
RETURN l.id AS lead_id, d.role AS role, p.id AS id, p.name AS name, p.title AS title,
       p.linkedin_url AS linkedin_url, p.email AS email

// name: committees_with_status
// The decision-makers of every lead in these statuses.
MATCH (l:Lead)-[d:DECISION_MAKER]->(p:Person)
WITH l, d, p, l.status AS status
WHERE status IN $statuses
RETURN l.id AS lead_id, d.role AS role, p.id AS id, p.name AS name, p.title AS title,
       p.linkedin_url AS linkedin_url, p.email AS email

// name: committees_of_leads
// The decision-makers of these leads (a filter on a scan: a list in UNWIND joins slowly here).
MATCH (l:Lead)-[d:DECISION_MAKER]->(p:Person)
WITH l, d, p, l.id AS lid
WHERE lid IN $lead_ids
RETURN l.id AS lead_id, d.role AS role, p.id AS id, p.name AS name, p.title AS title,
       p.linkedin_url AS linkedin_url, p.email AS email

// name: open_leads_per_rep
// How many leads in these (open) statuses each rep owns.
MATCH (l:Lead)
WITH l.owner_rep_id AS rep_id, l.status AS status
WHERE rep_id IS NOT NULL AND status IN $statuses
RETURN rep_id, count(*) AS open_leads

// name: last_event_per_rep
// When each rep last had an event of these kinds (for "assigned least recently").
MATCH (e:Event)
WITH e.rep_id AS rep_id, e.kind AS kind, e.at AS at
WHERE rep_id IS NOT NULL AND kind IN $kinds
RETURN rep_id, max(at) AS last_at

// name: rep_events_since
// Events of these kinds at or after a time, per rep (SLA breaches for the penalty box).
MATCH (e:Event)
WITH e.rep_id AS rep_id, e.kind AS kind, e.at AS at
WHERE rep_id IS NOT NULL AND kind IN $kinds AND at >= $since
RETURN rep_id, kind, at

// name: account_owners
// Who owns leads in these statuses at each company, and since when.
MATCH (l:Lead)-[:AT]->(c:Company)
WITH c.id AS company_id, l.owner_rep_id AS rep_id, l.status AS status, l.claimed_at AS claimed_at,
     l.created_at AS created_at
WHERE rep_id IS NOT NULL AND status IN $statuses
RETURN company_id, rep_id, claimed_at, created_at

// name: company_owners
// The one owned lead in these statuses that makes its rep the company's account owner
// (routing/accounts.py): the latest claimed (else created; neither: last), the greater rep id
// on a tie. One row, as on Neo4j (neo4j/routing.cypher says why).
MATCH (c:Company {id: $company_id})<-[:AT]-(l:Lead)
WITH c.id AS company_id, l.owner_rep_id AS rep_id, l.status AS status, l.claimed_at AS claimed_at,
     l.created_at AS created_at
WHERE rep_id IS NOT NULL AND status IN $statuses
WITH company_id, rep_id, claimed_at, created_at, coalesce(claimed_at, created_at) AS since
ORDER BY since IS NULL, since DESC, rep_id DESC
LIMIT 1
RETURN company_id, rep_id, claimed_at, created_at

// name: offer_leads
// Offer new leads to reps: status offered, the rep as owner, and an `offered` event each.
// A lead that is no longer new is left alone (its row is not returned).
LOAD FROM $rows
MATCH (l:Lead {id: lead_id})
WITH l, id AS event_id, at AS event_at, actor AS event_actor, rep_id AS offered_to,
     reason AS event_reason, detail AS event_detail, l.status AS status
WHERE status = 'new'
SET l.status = 'offered', l.owner_rep_id = offered_to
CREATE (e:Event {id: event_id, at: event_at, kind: 'offered', actor: event_actor,
                 lead_id: l.id, rep_id: offered_to, reason: event_reason,
                 detail: event_detail})
CREATE (e)-[:ABOUT]->(l)
RETURN l.id AS lead_id

// name: append_events
// Append events to the activity log (rows as an Arrow table), each tied (ABOUT) to the lead it
// names by this same statement. Returns a row per event tied to a lead.
LOAD FROM $rows
CREATE (e:Event {id: id, at: at, kind: kind, actor: actor, lead_id: lead_id, rep_id: rep_id,
                 reason: reason, detail: detail})
WITH e, lead_id
MATCH (l:Lead {id: lead_id})
CREATE (e)-[:ABOUT]->(l)
RETURN e.id AS id
