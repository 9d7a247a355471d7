// Announcements of writes to other processes (graph/store/caches.py): a counter per kind of
// what stores keep in memory for long, moved after each write of that kind commits.

// name: announce_changes
// Move the counter of each kind written (a transaction that committed, or one statement).
UNWIND $kinds AS kind
MERGE (g:CacheGeneration {kind: kind})
ON CREATE SET g.seq = 1
ON MATCH SET g.seq = g.seq + 1
RETURN g.kind AS kind, g.seq AS seq

// name: read_changes
// Every counter, read by each process at most every CHANGES_POLL seconds.
MATCH (g:CacheGeneration)
RETURN g.kind AS kind, g.seq AS seq
