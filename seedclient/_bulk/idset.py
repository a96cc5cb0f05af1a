"""A set of ids at about 8 bytes each: 64-bit hashes in sorted buckets.

A resume over 10 million done ids must not hold 10 million Python strings (about 1 GB). Each
id is hashed to 64 bits (blake2b); the top 16 bits pick one of 65,536 buckets, each an
``array('Q')`` kept sorted, searched with ``bisect``. Two different ids collide with
probability about n²/2⁶⁵ (10⁷ ids: 3·10⁻⁶); a collision would make one id count as done.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array

__all__ = ["IdSet", "id_hash"]

_BUCKET_BITS = 16
_SHIFT = 64 - _BUCKET_BITS


def id_hash(key: str) -> int:
    """The 64-bit hash an id is kept under."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class IdSet:
    """Membership of string ids, for ``in`` checks on the hot path and ``add``."""

    __slots__ = ("_buckets", "_len")

    def __init__(self) -> None:
        self._buckets: dict[int, array[int]] = {}
        self._len = 0

    def add(self, key: str) -> None:
        """Add ``key`` (no-op if present)."""
        self.add_hash(id_hash(key))

    def add_hash(self, h: int) -> None:
        """Add an id by its ``id_hash``."""
        bucket = self._buckets.get(h >> _SHIFT)
        if bucket is None:
            self._buckets[h >> _SHIFT] = array("Q", [h])
            self._len += 1
            return
        i = bisect.bisect_left(bucket, h)
        if i == len(bucket) or bucket[i] != h:
            bucket.insert(i, h)
            self._len += 1

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return self.has_hash(id_hash(key))

    def has_hash(self, h: int) -> bool:
        """Whether an id with this ``id_hash`` is in the set."""
        bucket = self._buckets.get(h >> _SHIFT)
        if bucket is None:
            return False
        i = bisect.bisect_left(bucket, h)
        return i < len(bucket) and bucket[i] == h

    def __len__(self) -> int:
        return self._len
