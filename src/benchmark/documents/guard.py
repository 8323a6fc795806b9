"""Run the parsers in a worker process that can be killed: a time limit per input.

Much of the parsing happens in C (pdfium, libxml2, zlib), which a Python signal cannot
interrupt, and a hostile file may also crash such code outright. So :class:`GuardedParser`
keeps one long-lived worker process (``python -m benchmark.documents.worker``), sends it one
body at a time and waits at most ``timeout`` seconds for the answer. A worker that runs over
is killed and replaced; one that dies is replaced too. Either way the input becomes a
``failed`` document (``timeout`` or ``parser-crashed``) and the run goes on. The worker runs
under an address-space limit, so a memory bomb fails there instead of taking the machine down.

The worker is a fresh interpreter rather than a ``multiprocessing`` child, so it works from
any caller (a script without a ``__main__`` guard, a threaded progress bar, pytest-xdist).
Messages are length-prefixed pickles over the worker's stdin and stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
from typing import IO, Any

from benchmark.documents.model import Document, body_id

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 3072
# Starting a worker imports lxml, trafilatura, pdfium...; that is not the input's fault.
STARTUP_TIMEOUT = 120.0
BUDGET_SHARE = 0.7
_HEADER = struct.Struct("!Q")


def _write_frame(stream: IO[bytes], payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("worker closed its output")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> Any:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, size))


def worker_main(config: dict[str, Any]) -> None:
    """The worker loop: receive (body, content type, url, city, link text), answer a Document."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # Keep the protocol channel for ourselves; anything a library prints goes to stderr.
    channel_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    channel_in = sys.stdin.buffer
    memory_mb = int(config.get("memory_mb") or 0)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        # A lower hard limit already in force (ValueError) is just as good.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from benchmark.documents.convert import parse_bytes
    from benchmark.documents.html import load_site_table
    from benchmark.documents.metadata import load_labels

    site_table = load_site_table(config.get("site_table_path"))
    labels = load_labels(config.get("labels_path"))
    _write_frame(channel_out, "ready")
    while True:
        try:
            body, content_type, url, city, link_text = _read_frame(channel_in)
        except (EOFError, OSError):
            return
        document = parse_bytes(
            body, content_type, url, city=city, site_table=site_table, labels=labels,
            soffice=config.get("soffice"), link_text=link_text,
            time_budget=config.get("time_budget"),
        )  # fmt: skip
        _write_frame(channel_out, document)


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
        self._process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _start(self) -> None:
        config = {
            # External programs get most of the time limit, so a converter that loops is
            # reported by the parser with its own reason before the worker has to be killed.
            "time_budget": self.timeout * BUDGET_SHARE,
            "memory_mb": self.memory_mb,
            "site_table_path": self.site_table_path,
            "labels_path": self.labels_path,
            "soffice": self.soffice,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmark.documents.worker", json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl-C goes to the parent only
        )
        self._process = process
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT)
        try:
            if not ready or _read_frame(process.stdout) != "ready":
                raise EOFError
        except (EOFError, OSError, pickle.UnpicklingError, struct.error):
            self._stop()
            raise RuntimeError("the document parser worker failed to start") from None

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the worker and any pdftotext/soffice
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        process.wait()

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
        if self._process is not None and self._process.poll() is not None:
            self._stop()
            self.restarts += 1
        if self._process is None:
            self._start()
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            _write_frame(process.stdin, (body, content_type, url, city, link_text))
            ready, _, _ = select.select([process.stdout], [], [], self.timeout)
            if not ready:
                self._stop()
                self.restarts += 1
                return self._failed(body, url, city, f"timeout: over {self.timeout:g} s")
            answer = _read_frame(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError, struct.error):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)  # a dying worker: let it finish dying to read its code
            self._stop()
            code = process.returncode
            self.restarts += 1
            how = f"signal {-code}" if isinstance(code, int) and code < 0 else f"exit {code}"
            return self._failed(body, url, city, f"parser-crashed: worker died ({how})")
        return answer

    @staticmethod
    def _failed(body: bytes, url: str, city: str | None, reason: str) -> Document:
        from benchmark.documents.convert import detect_type

        try:
            kind = detect_type(body, None, url)
        except Exception:  # the type is only a label on a failure record
            kind = "unknown"
        return Document(body_id(body), url, kind, "failed", reason=reason, city=city)

