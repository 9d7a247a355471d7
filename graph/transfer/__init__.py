"""``warmpath transfer``: copy a whole graph between two stores (copier.py), label by label as the
kinds table says (kinds.py), between two ends given as graph URIs (ends.py)."""

from graph.transfer.copier import (
    READ_PAGE,
    KindCheck,
    TransferReport,
    compare,
    transfer,
)
from graph.transfer.ends import same_graph, transfer_settings
from graph.transfer.kinds import KINDS, Kind

__all__ = [
    "KINDS",
    "READ_PAGE",
    "Kind",
    "KindCheck",
    "TransferReport",
    "compare",
    "same_graph",
    "transfer",
    "transfer_settings",
]
