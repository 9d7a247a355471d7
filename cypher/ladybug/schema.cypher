// name: schema
// Node and rel tables (LadybugDB needs a schema). Idempotent: IF NOT EXISTS everywhere.
// Column order here is the column order the bulk loader's Arrow tables must follow.
CREATE NODE TABLE IF NOT EXISTS Person(
  id STRING, name STRING, first_name STRING, last_name STRING, linkedin_url STRING,
  email STRING, title STRING, location STRING, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS Rep(
  id STRING, email STRING, name STRING, region STRING, timezone STRING,
  industries STRING[], products STRING[], deal_min DOUBLE, deal_max DOUBLE, capacity INT64,
  close_rate DOUBLE, hired_on DATE, active BOOLEAN, out_until DATE, team STRING, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS Company(
  id STRING, name STRING, domain STRING, industry STRING, region STRING, size INT64,
  PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS School(id STRING, name STRING, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS Lead(
  id STRING, title STRING, status STRING, grade STRING, score DOUBLE, value DOUBLE,
  product STRING, industry STRING, region STRING, source STRING, created_at TIMESTAMP,
  owner_rep_id STRING, claimed_at TIMESTAMP, contact_due_at TIMESTAMP, contacted_at TIMESTAMP,
  outcome STRING, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS Event(
  id STRING, at TIMESTAMP, kind STRING, actor STRING, lead_id STRING, rep_id STRING,
  reason STRING, detail STRING, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS User(
  id STRING, name STRING, role STRING, rep_id STRING, team STRING, token_hash STRING,
  created_at TIMESTAMP, PRIMARY KEY (id));
CREATE NODE TABLE IF NOT EXISTS Outbox(
  id STRING, at TIMESTAMP, kind STRING, payload STRING, attempts INT64, next_at TIMESTAMP,
  last_error STRING, delivered_at TIMESTAMP, PRIMARY KEY (id));
CREATE REL TABLE IF NOT EXISTS KNOWS(
  FROM Person TO Person, source STRING, since DATE, strength DOUBLE, MANY_MANY);
CREATE REL TABLE IF NOT EXISTS IS(FROM Rep TO Person, ONE_ONE);
CREATE REL TABLE IF NOT EXISTS WORKS_AT(
  FROM Person TO Company, title STRING, current BOOLEAN, started DATE, ended DATE, MANY_MANY);
CREATE REL TABLE IF NOT EXISTS STUDIED_AT(FROM Person TO School, started DATE, ended DATE, MANY_MANY);
CREATE REL TABLE IF NOT EXISTS AT(FROM Lead TO Company, MANY_ONE);
CREATE REL TABLE IF NOT EXISTS DECISION_MAKER(FROM Lead TO Person, role STRING, MANY_MANY);
CREATE REL TABLE IF NOT EXISTS ABOUT(FROM Event TO Lead, MANY_ONE);
ALTER TABLE Rep ADD IF NOT EXISTS team STRING;
ALTER TABLE Outbox ADD IF NOT EXISTS lease_until TIMESTAMP;
ALTER TABLE Outbox ADD IF NOT EXISTS leased_by STRING;
ALTER TABLE Rep ADD IF NOT EXISTS consented_at TIMESTAMP;
ALTER TABLE Rep ADD IF NOT EXISTS consent_by STRING;
ALTER TABLE Rep ADD IF NOT EXISTS consent_withdrawn_at TIMESTAMP;
ALTER TABLE KNOWS ADD IF NOT EXISTS reported_by STRING[];
CREATE NODE TABLE IF NOT EXISTS Tombstone(hash STRING, at TIMESTAMP, PRIMARY KEY (hash));
CREATE NODE TABLE IF NOT EXISTS Submission(
  key STRING, at TIMESTAMP, lead_id STRING, outcome STRING, actor STRING, detail STRING,
  PRIMARY KEY (key));
CREATE NODE TABLE IF NOT EXISTS PolicyVersion(
  version STRING, toml STRING, applied_by STRING, applied_at TIMESTAMP, source STRING,
  PRIMARY KEY (version));
CREATE NODE TABLE IF NOT EXISTS CacheGeneration(kind STRING, seq INT64, PRIMARY KEY (kind));
ALTER TABLE CacheGeneration ADD IF NOT EXISTS recent STRING[];
MATCH (e:Event) WHERE e.lead_id IS NOT NULL AND NOT EXISTS { MATCH (e)-[:ABOUT]->(:Lead) } WITH e, e.lead_id AS lid MATCH (l:Lead {id: lid}) CREATE (e)-[:ABOUT]->(l);
