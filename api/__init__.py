"""warmpath's HTTP surface: the FastAPI app, the GraphQL schema (Strawberry), auth, the manager
page, webhook delivery, backups through the server and what operators see. May import routing
(resolvers call its services) and graph; never cypher, demo or the CLI."""
