"""The demo organisation: a seeded synthetic organisation (organisation.py, vocabulary.py) and
recent activity on it (activity.py), loaded by ``warmpath demo`` and used by the benchmarks and
the tests. May import routing and graph; nothing in the product imports it but the CLI."""
