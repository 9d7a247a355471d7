// Announcements of writes to other processes (graph/store/caches.py): a counter per kind of
// what stores keep in memory for long, moved after each write of that kind commits; the
// counter of moved leads ('leads') keeps its last $kept announcements, each one line of its
// sequence number followed by a line per lead id (each followed by the notes of its moves).

// name: announce_changes
// Move the counter of each kind written (a transaction that committed, or one statement);
// with 'leads', keep the ids of the leads it moved.
// The counter moves first, in the SET that reads it (which takes the node's write lock before
// reading: two processes never get the same number); the list is built under that lock.
UNWIND $kinds AS kind
MERGE (g:CacheGeneration {kind: kind})
ON CREATE SET g.seq = 1
ON MATCH SET g.seq = g.seq + 1
WITH g
SET g.recent = CASE
      WHEN g.kind = 'leads'
      THEN (coalesce(g.recent, []) + [reduce(s = toString(g.seq), id IN $lead_ids | s + '\n' + id)])[-$kept..]
      ELSE g.recent
    END
RETURN g.kind AS kind, g.seq AS seq

// name: read_changes
// Every counter, read by each process at most every CHANGES_POLL seconds, with the leads
// announced after the last one this process read ($leads_seen).
MATCH (g:CacheGeneration)
RETURN g.kind AS kind, g.seq AS seq,
       [r IN coalesce(g.recent, []) WHERE toInteger(split(r, '\n')[0]) > $leads_seen] AS recent
