"""Run the parsers in a worker process that can be killed: a time limit per input.

Much of the parsing happens in C (pdfium, libxml2, zlib), which a Python signal cannot
interrupt, and a hostile file may also crash such code outright. So :class:`GuardedParser`
keeps one long-lived worker process, sends it one body at a time and waits at most
``timeout`` seconds for the answer. A worker that runs over is killed and replaced; one that
dies is replaced too. Either way the input becomes a ``failed`` document (``timeout`` or
``parser-crashed``) and the run goes on. The worker also runs under an address-space limit, so
a memory bomb fails there instead of taking the machine down.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from benchmark.documents.model import Document, body_id

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 3072


@dataclass(frozen=True)
class _Config:
    site_table_path: str | None
    labels_path: str | None
    soffice: str | None
    memory_mb: int


def _worker(conn: Connection, config: _Config) -> None:
    """The worker loop: receive (body, content type, url, city), answer with a Document."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if config.memory_mb > 0:
        limit = config.memory_mb * 1024 * 1024
        # A lower hard limit already in force (ValueError) is just as good.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from benchmark.documents.convert import parse_bytes
    from benchmark.documents.html import load_site_table
    from benchmark.documents.metadata import load_labels

    site_table = load_site_table(config.site_table_path)
    labels = load_labels(config.labels_path)
    while True:
        try:
            body, content_type, url, city, link_text = conn.recv()
        except (EOFError, OSError):
            return
        document = parse_bytes(
            body, content_type, url, city=city, site_table=site_table, labels=labels,
            soffice=config.soffice, link_text=link_text,
        )  # fmt: skip
        conn.send(document)


class GuardedParser:
    """Parse bodies in a killable worker process, at most ``timeout`` seconds each.

    Use as a context manager, or call :meth:`close` when done::

        with GuardedParser(timeout=5) as parser:
            document = parser.parse(body, "text/html", url)
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        site_table_path: str | None = None,
        labels_path: str | None = None,
        soffice: str | None = None,
    ) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.site_table_path = site_table_path
        self.labels_path = labels_path
        self.soffice = soffice
        self._context = multiprocessing.get_context("forkserver")
        self._process: Any = None
        self._conn: Connection | None = None
        self.restarts = 0

    def _start(self) -> None:
        config = _Config(self.site_table_path, self.labels_path, self.soffice, self.memory_mb)
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(target=_worker, args=(child, config), daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
        self._process, self._conn = None, None

    def close(self) -> None:
        """Stop the worker process."""
        self._stop()

    def __enter__(self) -> GuardedParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(
        self,
        body: bytes,
        content_type: str | None,
        url: str,
        city: str | None = None,
        link_text: str | None = None,
    ) -> Document:
        """Parse one body; never raises for anything the body contains."""
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                self.restarts += 1
            self._stop()
            self._start()
        assert self._conn is not None
        try:
            self._conn.send((body, content_type, url, city, link_text))
            if not self._conn.poll(self.timeout):
                self._stop()
                self.restarts += 1
                return self._failed(body, url, city, f"timeout: over {self.timeout:g} s")
            return self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            code = None
            if self._process is not None:
                self._process.join(timeout=5)
                code = self._process.exitcode
            self._stop()
            self.restarts += 1
            how = f"signal {-code}" if isinstance(code, int) and code < 0 else f"exit {code}"
            return self._failed(body, url, city, f"parser-crashed: worker died ({how})")

    @staticmethod
    def _failed(body: bytes, url: str, city: str | None, reason: str) -> Document:
        from benchmark.documents.convert import detect_type

        try:
            kind = detect_type(body, None, url)
        except Exception:  # the type is only a label on a failure record
            kind = "unknown"
        return Document(body_id(body), url, kind, "failed", reason=reason, city=city)
