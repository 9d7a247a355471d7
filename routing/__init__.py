"""The domain: scoring policy, ranking, batch assignment, the claim lifecycle, SLA, fairness,
privacy, and the services the API and the CLI both call. May import graph (store protocols,
model, errors); never a driver or a query string, nor anything above (api, demo, cli)."""
