"""The only code that talks to a database: the store protocols (graph.store), one adapter per
backend (LadybugDB, Neo4j) opened by graph.backends.open_store, settings, keys, the model and the
root of the error hierarchy. May import cypher (the named queries), nothing else of warmpath."""
