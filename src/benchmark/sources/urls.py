"""URL handling: one canonical spelling per page, and the host key used for allow-lists."""

from __future__ import annotations

import posixpath
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute, fragment-free URL with lower-case scheme/host and no default port.

    Returns None for anything that is not a usable http(s) URL.
    """
    url = (url or "").strip().replace("\\", "/")
    if not url:
        return None
    try:
        joined = urljoin(base, url) if base else url
        parts = urlsplit(joined)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    # Resolve ./ and ../ left over in hand-written portal links.
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        path = "/" if path in (".", "/") else path + ("/" if trailing and not path.endswith("/") else "")
        if not path.startswith("/"):
            path = "/" + path
    return urlunsplit(SplitResult(scheme, netloc, path, parts.query, ""))


def host_key(url: str) -> str:
    """``host`` or ``host:port`` (non-default port): the unit of allow-lists and politeness."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def extension(url: str) -> str:
    """Lower-case file extension of the URL path ('' if none)."""
    try:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
    except ValueError:
        return ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
