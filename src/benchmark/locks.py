"""Exclusive locks on files, released by the kernel when their holder dies.

One mechanism for every "one writer at a time" rule of talentbench: the refresh
(``data/refresh/refresh.lock``) and each output folder of `talentbench run`
(``<out>/.talentbench/run.lock``).

The lock is ``fcntl.flock`` on the file; the file names the holder (pid, host, start time). A
process that dies (even by SIGKILL) loses its flock at once, so a lock file left behind by a dead
process is *stale*: the next taker gets the lock, sees the dead pid in the file (``lock.stale``)
and writes its own. While the holder lives, ``acquire`` does not wait: it raises
:class:`LockBusy` naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

# A holder writes its record just after taking the flock; a refused taker waits this long for
# the record before naming "an unknown process".
_RECORD_WAIT_SECONDS = 0.5


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


def read_holder(path: Path) -> LockInfo:
    """Who the lock file names (all None when nobody, or when the file is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return LockInfo(pid=data.get("pid"), host=data.get("host"), since=data.get("since"))


def _named_holder(path: Path) -> LockInfo:
    deadline = time.monotonic() + _RECORD_WAIT_SECONDS
    holder = read_holder(path)
    while holder.pid is None and time.monotonic() < deadline:
        time.sleep(0.02)
        holder = read_holder(path)
    return holder


class FileLock:
    """``with FileLock(path) as lock:`` - raises LockBusy when another process holds it.

    ``lock.stale`` is the previous holder when a dead process left the lock file behind.
    """

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None
        self.stale: LockInfo | None = None

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusy(_named_holder(self.path)) from None
        previous = read_holder(self.path)
        if previous.pid and previous.pid != os.getpid():
            # we hold the flock, so whoever wrote this file died without releasing it
            self.stale = previous
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}).encode()
        # write, then cut to length: a reader never sees an empty file while we hold the lock
        os.pwrite(fd, record, 0)
        os.ftruncate(fd, len(record))
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

    def __enter__(self) -> FileLock:
        return self if self.fd is not None else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
