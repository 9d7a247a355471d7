"""The test suite, mirroring the source tree (contract tests for every backend in graph/contract).
May import any layer, benchmarks' synthetic exports included; nothing in the product imports it."""
