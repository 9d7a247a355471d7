// Announcements of writes to other processes (graph/store/caches.py): a counter per kind of
// what stores keep in memory for long, moved after each write of that kind commits. A
// LadybugDB file has one writer, which announces nothing: these keep the catalogs alike
// (the ids of moved leads are not kept here).

// name: announce_changes
// Move the counter of each kind written (a transaction that committed, or one statement).
UNWIND $kinds AS kind
MERGE (g:CacheGeneration {kind: kind})
ON CREATE SET g.seq = 1
ON MATCH SET g.seq = g.seq + 1
RETURN g.kind AS kind, g.seq AS seq, size($lead_ids) AS leads, $kept AS kept

// name: read_changes
// Every counter, read by each process at most every CHANGES_POLL seconds (no lead ids).
MATCH (g:CacheGeneration)
WHERE $leads_seen IS NOT NULL
RETURN g.kind AS kind, g.seq AS seq, [] AS recent
