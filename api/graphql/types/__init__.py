"""The schema's object types, by subject (leads, reps, people, events, ranking, reports, what
the mutations answer), each with ``of`` to build it from a routing or graph record. May import
the GraphQL context and error mapping, routing and graph records; never the resolvers."""
