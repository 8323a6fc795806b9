"""One refresh at a time: the lock is ``data/refresh/refresh.lock``, a :class:`FileLock`.

See :mod:`benchmark.locks` for how it works: released by the kernel when its holder dies, a
stale lock file of a dead process is taken over, and a second refresh exits at once (exit code 4)
naming the holder.
"""

from __future__ import annotations

from benchmark.locks import FileLock, LockBusy, LockInfo

RefreshLock = FileLock

__all__ = ["LockBusy", "LockInfo", "RefreshLock"]
