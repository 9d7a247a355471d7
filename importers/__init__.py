"""Parsers and loaders for LinkedIn, Facebook and CRM exports: identity resolution, consent, and
writes in batches (a rerun of the same file changes nothing). May import graph only; the
``warmpath import`` commands live in cli.imports."""
