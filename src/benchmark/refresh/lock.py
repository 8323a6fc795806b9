"""One refresh at a time: an exclusive lock on a file, released by the kernel when its holder dies.

The lock is ``fcntl.flock`` on ``data/refresh/refresh.lock``; the file names the holder (pid,
host, start time). A process that dies (even by SIGKILL) loses its flock at once, so a lock file
left behind by a dead process is *stale*: the next refresh takes the lock, sees the dead pid in
the file, says so, and writes its own. While the holder lives, a second refresh cannot take the
lock and exits at once (exit code 4) naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LockInfo:
    pid: int | None
    host: str | None
    since: str | None

    def describe(self) -> str:
        who = f"pid {self.pid}" if self.pid else "an unknown process"
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"{who}{where}" + (f", since {self.since}" if self.since else "")


class LockBusy(Exception):
    def __init__(self, holder: LockInfo):
        super().__init__(holder.describe())
        self.holder = holder


def _read(path: Path) -> LockInfo:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    return LockInfo(pid=data.get("pid"), host=data.get("host"), since=data.get("since"))


class RefreshLock:
    """``with RefreshLock(path) as lock:`` - raises LockBusy when another refresh holds it.

    ``lock.stale`` is the previous holder when a dead process left the lock file behind.
    """

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None
        self.stale: LockInfo | None = None

    def acquire(self) -> RefreshLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusy(_read(self.path)) from None
        previous = _read(self.path)
        if previous.pid and previous.pid != os.getpid():
            # we hold the flock, so whoever wrote this file died without releasing it
            self.stale = previous
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)  # an empty file: nobody holds it
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RefreshLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
