"""A byte-bounded LRU cache of decoded tiles, shared by the loader threads and the painter."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


class TileCache(Generic[V]):
    def __init__(self, max_bytes: int, sizeof: Callable[[V], int]) -> None:
        self._lru: LRUCache[Hashable, V] = LRUCache(maxsize=max_bytes, getsizeof=sizeof)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._lru.get(key)

    def put(self, key: Hashable, value: V) -> None:
        with self._lock, contextlib.suppress(ValueError):  # a value larger than the whole cache is not kept
            self._lru[key] = value

    def pop(self, key: Hashable) -> V | None:
        with self._lock:
            return self._lru.pop(key, None)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._lru

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return int(self._lru.currsize)

    @property
    def max_bytes(self) -> int:
        return int(self._lru.maxsize)

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()
