// name: rep_consents
// The consent on record of each of these reps (reps without one are left out).
UNWIND $ids AS rid
MATCH (r:Rep {id: rid})
WITH r, r.consented_at AS consented_at
WHERE consented_at IS NOT NULL
RETURN r.id AS rep_id, consented_at, r.consent_by AS consent_by

// name: record_consents
// Record reps' consent to have their exports imported: when, and who recorded it.
UNWIND $rows AS c
MATCH (r:Rep {id: c.rep_id})
SET r.consented_at = CAST(c.consented_at AS TIMESTAMP), r.consent_by = c.consent_by
RETURN count(*) AS written

// name: clear_consent
// Withdraw a rep's consent (forget-network), recording when.
MATCH (r:Rep {id: $rep_id})
SET r.consented_at = NULL, r.consent_by = NULL, r.consent_withdrawn_at = CAST($at AS TIMESTAMP)
RETURN r.id AS id

// name: consent_withdrawals
// When each of these reps last withdrew their consent (reps who never did are left out).
UNWIND $ids AS rid
MATCH (r:Rep {id: rid})
WITH r, r.consent_withdrawn_at AS withdrawn_at
WHERE withdrawn_at IS NOT NULL
RETURN r.id AS rep_id, withdrawn_at

// name: reported_ties
// Every tie of a person, of any source, with who reported it (forget-network starts at the
// rep's person: every tie a rep's export writes has the rep's person at one end).
MATCH (a:Person {id: $person_id})-[k:KNOWS]-(b:Person)
RETURN b.id AS id, k.source AS source, k.reported_by AS reported_by

// name: set_tie_reporters
// Replace the reporters of ties (stored from the smaller id to the larger).
UNWIND $rows AS r
MATCH (x:Person {id: r.a})-[k:KNOWS]->(y:Person {id: r.b})
WITH r, k, k.source AS source
WHERE source = r.source
SET k.reported_by = CAST(r.reported_by AS STRING[])
RETURN count(*) AS written

// name: add_tie_reporters
// Add reporters to existing ties (a second rep's export lists the same tie); a tie without
// reporters gets the given list, which the caller completed with the implied ones.
UNWIND $rows AS r
MATCH (x:Person {id: r.a})-[k:KNOWS]->(y:Person {id: r.b})
WITH r, k, k.source AS source
WHERE source = r.source
SET k.reported_by = CASE WHEN k.reported_by IS NULL THEN CAST(r.reported_by AS STRING[])
                         ELSE list_distinct(list_concat(k.reported_by, CAST(r.reported_by AS STRING[]))) END
RETURN count(*) AS written

// name: delete_ties
// Delete ties (stored from the smaller id to the larger) of the given sources.
UNWIND $rows AS r
MATCH (x:Person {id: r.a})-[k:KNOWS]->(y:Person {id: r.b})
WITH r, k, k.source AS source
WHERE source = r.source
DELETE k
RETURN count(*) AS removed

// name: delete_lonely_people
// Delete those of these people that nothing holds in the graph any more: no tie left, not a
// rep, not a decision-maker (after forget-network removed the ties that named them).
UNWIND $ids AS pid
MATCH (p:Person {id: pid})
WHERE NOT EXISTS { MATCH (p)-[:KNOWS]-(:Person) }
  AND NOT EXISTS { MATCH (p)<-[:IS]-(:Rep) }
  AND NOT EXISTS { MATCH (p)<-[:DECISION_MAKER]-(:Lead) }
DETACH DELETE p
RETURN count(*) AS removed

// name: delete_employments_of
// Delete a person's employments (a rep's own Positions, on forget-network).
MATCH (p:Person {id: $person_id})-[w:WORKS_AT]->(:Company)
DELETE w
RETURN count(*) AS removed

// name: delete_studies_of
// Delete a person's studies (a rep's own Education, on forget-network).
MATCH (p:Person {id: $person_id})-[s:STUDIED_AT]->(:School)
DELETE s
RETURN count(*) AS removed

// name: person_footprint
// What the graph holds about a person: how many ties, employments and studies.
MATCH (p:Person {id: $person_id})
RETURN COUNT { MATCH (p)-[:KNOWS]-(:Person) } AS ties,
       COUNT { MATCH (p)-[:WORKS_AT]->(:Company) } AS employments,
       COUNT { MATCH (p)-[:STUDIED_AT]->(:School) } AS studies

// name: person_decision_leads
// The leads a person is a decision-maker of, with their status.
MATCH (p:Person {id: $person_id})<-[:DECISION_MAKER]-(l:Lead)
RETURN l.id AS id, l.status AS status

// name: person_employer_names
// The names of every company a person works or worked at.
MATCH (p:Person {id: $person_id})-[:WORKS_AT]->(c:Company)
RETURN c.name AS name

// name: erase_person
// Delete a person with every tie, employment, study and decision-maker link.
MATCH (p:Person {id: $person_id})
DETACH DELETE p
RETURN count(*) AS removed

// name: tombstone_hashes
// Every tombstone (the hashes of erased people's identity keys): few, read whole by imports.
MATCH (t:Tombstone)
RETURN t.hash AS hash

// name: add_tombstones
// Tombstones for an erased person's identity keys (hashes only); the first time is kept.
UNWIND $hashes AS h
MERGE (t:Tombstone {hash: h})
ON CREATE SET t.at = $at
RETURN count(*) AS written

// name: events_mentioning
// Events whose reason or detail contains one of these lower-cased texts: a scan of the log,
// run once per erasure.
MATCH (e:Event)
WITH e, lower(coalesce(e.detail, '') + ' ' + coalesce(e.reason, '')) AS text
WHERE any(t IN $texts WHERE text CONTAINS t)
RETURN e.id AS id, e.at AS at, e.kind AS kind, e.actor AS actor, e.lead_id AS lead_id,
       e.rep_id AS rep_id, e.reason AS reason, e.detail AS detail

// name: rewrite_events
// Replace the reason and detail of events (erasure scrubs a name out of them).
UNWIND $rows AS r
MATCH (e:Event {id: r.id})
SET e.reason = r.reason, e.detail = r.detail
RETURN count(*) AS written
