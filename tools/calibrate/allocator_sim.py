"""A simulation of PyTorch's CUDA caching allocator, to turn an allocation trace into reserved memory.

It follows c10/cuda/CUDACachingAllocator.cpp (PyTorch 2.x, default settings: no `expandable_segments`, no
`max_split_size_mb`, no `roundup_power2_divisions`, one stream):

- `round_size`: every request is rounded up to a multiple of 512 B (`kMinBlockSize`), at least 512 B.
- Two pools: requests up to 1 MiB (`kSmallSize`) are served from the small pool, larger ones from the large pool.
- `get_free_block`: the smallest cached free block of the pool that is at least the rounded size (best fit; ties
  broken by address, which here is the order segments were created and the offset inside them).
- `get_allocation_size`, when nothing fits and a new segment must be cudaMalloc'd: 2 MiB (`kSmallBuffer`) for small
  requests, 20 MiB (`kLargeBuffer`) for requests under 10 MiB (`kMinLargeAlloc`), otherwise the size rounded up to
  2 MiB (`kRoundLarge`).
- `should_split`: the remainder of a block is split off and kept free when it is at least 512 B (small pool) or more
  than 1 MiB (large pool); otherwise the whole block is handed out.
- `free_block` / `try_merge_blocks`: a freed block merges with its free neighbours in the same segment only;
  segments are never merged and, without `empty_cache()` or an allocation failure, never returned.

`reserved` is the sum of segment sizes (what `torch.cuda.memory_reserved()` reports); `allocated` the sum of
allocated block sizes (`memory_allocated()`), which for a split block is the rounded request.
"""
from __future__ import annotations

import bisect

MIN_BLOCK = 512
SMALL_SIZE = 1 << 20
SMALL_BUFFER = 2 << 20
LARGE_BUFFER = 20 << 20
MIN_LARGE_ALLOC = 10 << 20
ROUND_LARGE = 2 << 20


def round_size(n):
    return MIN_BLOCK if n < MIN_BLOCK else -(-n // MIN_BLOCK) * MIN_BLOCK


def allocation_size(n):
    if n <= SMALL_SIZE:
        return SMALL_BUFFER
    if n < MIN_LARGE_ALLOC:
        return LARGE_BUFFER
    return -(-n // ROUND_LARGE) * ROUND_LARGE


class Block:
    __slots__ = ("seg", "offset", "size", "free", "prev", "next")

    def __init__(self, seg, offset, size):
        self.seg, self.offset, self.size = seg, offset, size
        self.free = True
        self.prev = self.next = None

    def key(self):
        return (self.size, self.seg, self.offset)


class CachingAllocator:
    def __init__(self):
        self.pools = {True: [], False: []}  # small? -> sorted list of (size, seg, offset, block)
        self.segments = 0
        self.reserved = 0
        self.allocated = 0
        self.peak_reserved = 0
        self.peak_allocated = 0
        self.live = {}  # id -> block

    def _pool_add(self, small, b):
        bisect.insort(self.pools[small], (b.size, b.seg, b.offset, id(b), b))

    def _pool_remove(self, small, b):
        pool = self.pools[small]
        i = bisect.bisect_left(pool, (b.size, b.seg, b.offset, id(b)))
        assert pool[i][4] is b
        del pool[i]

    def malloc(self, key, nbytes):
        size = round_size(nbytes)
        small = size <= SMALL_SIZE
        pool = self.pools[small]
        i = bisect.bisect_left(pool, (size, -1, -1, -1))
        if i < len(pool):
            b = pool[i][4]
            del pool[i]
        else:
            seg_size = allocation_size(size)
            self.segments += 1
            b = Block(self.segments, 0, seg_size)
            self.reserved += seg_size
            self.peak_reserved = max(self.peak_reserved, self.reserved)
        remaining = b.size - size
        if (small and remaining >= MIN_BLOCK) or (not small and remaining > SMALL_SIZE):
            rest = Block(b.seg, b.offset + size, remaining)
            rest.prev, rest.next = b, b.next
            if b.next is not None:
                b.next.prev = rest
            b.next = rest
            b.size = size
            self._pool_add(small, rest)
        b.free = False
        self.live[key] = (b, small)
        self.allocated += b.size
        self.peak_allocated = max(self.peak_allocated, self.allocated)

    def free(self, key):
        b, small = self.live.pop(key)
        self.allocated -= b.size
        b.free = True
        for nb in (b.prev, b.next):
            if nb is not None and nb.free:
                self._pool_remove(small, nb)
                if nb is b.prev:
                    b.offset = nb.offset
                    b.prev = nb.prev
                    if nb.prev is not None:
                        nb.prev.next = b
                else:
                    b.next = nb.next
                    if nb.next is not None:
                        nb.next.prev = b
                b.size += nb.size
        self._pool_add(small, b)

    def reset_peaks(self):
        self.peak_reserved = self.reserved
        self.peak_allocated = self.allocated

    def cached_free(self):
        """Free bytes held in cached blocks, by pool."""
        return {("small" if k else "large"): sum(e[0] for e in v) for k, v in self.pools.items()}


def replay(events, reset_at=None):
    """Replay `events`, a list of ("a", key, nbytes) / ("f", key) / ("mark", name); return the allocator and the
    peaks after the mark named `reset_at` (where torch.cuda.reset_peak_memory_stats() would be called)."""
    a = CachingAllocator()
    for e in events:
        if e[0] == "a":
            a.malloc(e[1], e[2])
        elif e[0] == "f":
            if e[1] in a.live:
                a.free(e[1])
        elif e[0] == "mark" and e[1] == reset_at:
            a.reset_peaks()
    return a
