"""Where things live: the packaged resources and the project's working folders."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

RESOURCES = Path(str(resources.files("benchmark") / "resources"))


def workdir() -> Path:
    """The folder outputs go under (``data/processed``, ``figures``, ``data/raw``).

    ``TALENTBENCH_HOME`` overrides it; otherwise the current directory.
    """
    return Path(os.environ.get("TALENTBENCH_HOME", ".")).resolve()


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


MAX_YAML_BYTES = 1_000_000  # a method or settings file is a few kilobytes
MAX_YAML_DEPTH = 50  # ours nest four deep; thousands of "[" would exhaust Python's stack


def _no_alias_loader():
    """A safe YAML loader that refuses aliases: a few kilobytes of nested aliases ("billion
    laughs") would otherwise expand into gigabytes. Configuration files never need them."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's signature
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in "
                                                  "talentbench configuration files", event.start_mark)
            if self.depth >= MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_YAML_DEPTH} "
                                                  "levels", self.peek_event().start_mark)
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return NoAliasLoader


def read_yaml(path: Path | str, what: str) -> Any:
    """Parse a YAML configuration file; every way it can fail is one TalentbenchError naming ``what``.

    Files over 1 MB and YAML aliases are refused before parsing (bounded time and memory)."""
    import yaml

    from benchmark.errors import TalentbenchError

    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_YAML_BYTES:
            raise TalentbenchError(f"cannot read {what} {path}: larger than {MAX_YAML_BYTES // 1000} kB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TalentbenchError(f"cannot read {what} {path}: file not found") from None
    except UnicodeDecodeError:
        raise TalentbenchError(f"cannot read {what} {path}: not UTF-8 text") from None
    except OSError as exc:
        raise TalentbenchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=_no_alias_loader())  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise TalentbenchError(f"cannot read {what} {path}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TalentbenchError(f"cannot read {what} {path}: not valid YAML{where}: {problem}") from None


def yaml_position(path: Path | str, keys: tuple) -> tuple[int, int] | None:
    """Line and column (1-based) of the value at ``keys`` (mapping keys and list indexes) in a
    YAML file that :func:`read_yaml` has already read; None when it cannot be found."""
    import yaml

    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_no_alias_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            return None
    return node.start_mark.line + 1, node.start_mark.column + 1
