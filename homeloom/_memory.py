"""Giving back to the operating system the memory that loading a house freed.

Loading allocates far more than it keeps (the YAML parser's events, the positioned
values, the imports' temporary buffers). Python returns its own small-object
arenas once they are empty, but the C allocator keeps the pages of the larger
blocks it freed at the top of its heap and in its free lists, counted in the
process's resident memory for as long as the house runs. ``malloc_trim`` hands
them back; glibc only, so anywhere else this does nothing.
"""

from __future__ import annotations

import sys


def release_freed_memory() -> bool:
    """Return the C allocator's free pages to the system; False where it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    # Imported here: only a long-running house calls this, once it is loaded.
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # a C library without malloc_trim (musl)
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)  # keep no padding at the top of the heap
    return True
