"""Benchmarks, not tests (``make bench``, ``make load``): the harness, the scipy baseline and
synthetic exports. Not installed with the package; may import any layer (the organisation comes
from demo), and nothing in the product imports it."""
