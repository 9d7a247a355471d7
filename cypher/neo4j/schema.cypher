// name: schema
// Uniqueness constraints (each backs an index), lookup indexes, and the one-off link-up of
// events written before ABOUT existed. Idempotent, and cheap on every start.
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT rep_id IF NOT EXISTS FOR (r:Rep) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT company_id IF NOT EXISTS FOR (c:Company) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT school_id IF NOT EXISTS FOR (s:School) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT lead_id IF NOT EXISTS FOR (l:Lead) REQUIRE l.id IS UNIQUE;
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT user_token IF NOT EXISTS FOR (u:User) REQUIRE u.token_hash IS UNIQUE;
CREATE CONSTRAINT outbox_id IF NOT EXISTS FOR (o:Outbox) REQUIRE o.id IS UNIQUE;
CREATE CONSTRAINT tombstone_hash IF NOT EXISTS FOR (t:Tombstone) REQUIRE t.hash IS UNIQUE;
CREATE CONSTRAINT submission_key IF NOT EXISTS FOR (s:Submission) REQUIRE s.key IS UNIQUE;
CREATE CONSTRAINT policy_version IF NOT EXISTS FOR (v:PolicyVersion) REQUIRE v.version IS UNIQUE;
CREATE CONSTRAINT cache_generation IF NOT EXISTS FOR (g:CacheGeneration) REQUIRE g.kind IS UNIQUE;
CREATE INDEX person_email IF NOT EXISTS FOR (p:Person) ON (p.email);
CREATE INDEX person_linkedin_url IF NOT EXISTS FOR (p:Person) ON (p.linkedin_url);
CREATE INDEX rep_email IF NOT EXISTS FOR (r:Rep) ON (r.email);
CREATE INDEX company_domain IF NOT EXISTS FOR (c:Company) ON (c.domain);
CREATE INDEX lead_status IF NOT EXISTS FOR (l:Lead) ON (l.status);
CREATE INDEX lead_owner IF NOT EXISTS FOR (l:Lead) ON (l.owner_rep_id);
CREATE INDEX event_lead IF NOT EXISTS FOR (e:Event) ON (e.lead_id);
CREATE INDEX event_rep IF NOT EXISTS FOR (e:Event) ON (e.rep_id);
CREATE INDEX event_kind IF NOT EXISTS FOR (e:Event) ON (e.kind);
CREATE INDEX event_at IF NOT EXISTS FOR (e:Event) ON (e.at);
CREATE INDEX outbox_next_at IF NOT EXISTS FOR (o:Outbox) ON (o.next_at);
CREATE INDEX knows_since IF NOT EXISTS FOR ()-[k:KNOWS]-() ON (k.since);
// Events written before the ABOUT relationship existed are tied to their leads, once: only
// while the graph holds no ABOUT relationship at all (a count Neo4j keeps: no event is read).
// Every event written since is tied to its lead by the statement that writes it. MERGE keeps
// two API processes starting together from tying an event twice.
WITH COUNT { ()-[:ABOUT]->() } AS linked
WHERE linked = 0
CALL () {
  MATCH (e:Event)
  WHERE e.lead_id IS NOT NULL
  MATCH (l:Lead {id: e.lead_id})
  MERGE (e)-[:ABOUT]->(l)
};
