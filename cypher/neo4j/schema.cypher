// name: schema
// Uniqueness constraints (each backs an index) and lookup indexes. Idempotent.
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT rep_id IF NOT EXISTS FOR (r:Rep) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT company_id IF NOT EXISTS FOR (c:Company) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT school_id IF NOT EXISTS FOR (s:School) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT lead_id IF NOT EXISTS FOR (l:Lead) REQUIRE l.id IS UNIQUE;
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT user_token IF NOT EXISTS FOR (u:User) REQUIRE u.token_hash IS UNIQUE;
CREATE CONSTRAINT outbox_id IF NOT EXISTS FOR (o:Outbox) REQUIRE o.id IS UNIQUE;
CREATE INDEX person_email IF NOT EXISTS FOR (p:Person) ON (p.email);
CREATE INDEX person_linkedin_url IF NOT EXISTS FOR (p:Person) ON (p.linkedin_url);
CREATE INDEX rep_email IF NOT EXISTS FOR (r:Rep) ON (r.email);
CREATE INDEX lead_status IF NOT EXISTS FOR (l:Lead) ON (l.status);
CREATE INDEX event_lead IF NOT EXISTS FOR (e:Event) ON (e.lead_id);
MATCH (e:Event) WHERE e.lead_id IS NOT NULL AND NOT EXISTS { MATCH (e)-[:ABOUT]->(:Lead) } WITH e, e.lead_id AS lid MATCH (l:Lead {id: lid}) CREATE (e)-[:ABOUT]->(l);
