"""The only code that talks to a database: the GraphStore protocol (graph.store) and one adapter
per backend (graph.ladybug_store, graph.neo4j_store), opened by graph.backends.open_store."""
