"""Medical record numbers this terminal may hand out offline.

The server issues each terminal pools of numbers (``MrnPool``: a prefix and a
range), so residents registered at two terminals that are both offline never
get the same number. The pools live in the store's meta values; sync asks for
more when fewer than :data:`MRN_LOW_WATER` are left.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from protocol.messages import MrnPool

from ..errors import InputError
from .database import get_meta, set_meta

MRN_LOW_WATER = 100


def mrns_left(conn: Connection) -> int:
    return sum(end - nxt for _, nxt, end in get_meta(conn, "mrn_pools", []))


def add_mrn_pool(conn: Connection, pool: MrnPool) -> None:
    pools = [p for p in get_meta(conn, "mrn_pools", []) if p[1] < p[2]]
    if not any(p[0] == pool.prefix and p[2] == pool.end for p in pools):
        pools.append([pool.prefix, pool.start, pool.end])
    set_meta(conn, "mrn_pools", pools)
    set_meta(conn, "mrn_top", max(mrn_top(conn), pool.end))


def mrn_top(conn: Connection) -> int:
    """One past the highest record number this terminal was ever given (used
    or not): a server restored from a backup must never issue it again."""
    held = [int(p[2]) for p in get_meta(conn, "mrn_pools", [])]
    return max([int(get_meta(conn, "mrn_top", 0)), *held])


def take_mrn(conn: Connection) -> str:
    pools = get_meta(conn, "mrn_pools", [])
    for pool in pools:
        prefix, nxt, end = pool
        if nxt < end:
            pool[1] = nxt + 1
            set_meta(conn, "mrn_pools", pools)
            return MrnPool(prefix, nxt, end).format(nxt)
    raise InputError("mrn", "This terminal has no record numbers left; sync with the server "
                     "to receive more, then register the resident again.")
