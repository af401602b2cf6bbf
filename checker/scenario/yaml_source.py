"""Read YAML keeping where every key and value was written, so errors can point at file:line:column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from checker.errors import Problem

Path_ = tuple[Any, ...]


@dataclass
class SourceMap:
    """1-based (line, column) of every key and value, by their path in the document."""

    file: str
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        """Position of the value at `path`, else of its key, else of the nearest enclosing node."""
        for cut in range(len(path), -1, -1):
            prefix = tuple(path[:cut])
            pos = self.values.get(prefix) if cut == len(path) else None
            pos = pos or self.keys.get(prefix) or self.values.get(prefix)
            if pos:
                return pos
        first = min((p for k, p in self.keys.items() if len(k) == 1), default=None) or min(
            (p for k, p in self.values.items() if len(k) == 1), default=None
        )
        return first or (1, 1)  # the document itself: where its first entry is

    def locate_key(self, path: Path_) -> tuple[int | None, int | None]:
        return self.keys.get(tuple(path)) or self.locate(path)

    def line_of(self, path: Path_) -> int | None:
        return self.locate(path)[0]

    def file_for(self, path: Path_) -> str:
        return self.file

    def with_steps(self, origins: list[StepOrigin]) -> SourceMap:
        """A view in which ('steps', i, …) points where step i was written (this file or an included one)."""
        return StepsSourceMap(self, origins) if origins else self


@dataclass(frozen=True)
class StepOrigin:
    """Where one step of a scenario (after includes are expanded) was written."""

    file: str
    smap: SourceMap
    path: Path_  # the step's path inside its own file


class StepsSourceMap(SourceMap):
    def __init__(self, base: SourceMap, origins: list[StepOrigin]) -> None:
        super().__init__(base.file, base.keys, base.values)
        self.origins = origins

    def _translate(self, path: Path_) -> tuple[SourceMap, Path_]:
        if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int) and path[1] < len(self.origins):
            origin = self.origins[path[1]]
            return origin.smap, origin.path + tuple(path[2:])
        return SourceMap(self.file, self.keys, self.values), tuple(path)

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        smap, inner = self._translate(path)
        return smap.locate(inner)

    def locate_key(self, path: Path_) -> tuple[int | None, int | None]:
        smap, inner = self._translate(path)
        return smap.locate_key(inner)

    def file_for(self, path: Path_) -> str:
        return self._translate(path)[0].file


# A scenario has hundreds of nodes; YAML aliases can make a 400-byte file expand to billions ("billion laughs").
MAX_NODES = 200_000


class TooLarge(Exception):
    """The document expands to more than MAX_NODES values (usually aliases of aliases)."""


def _position(node: Any, key: Any, which: str) -> tuple[int, int]:
    """(line, column) of a key or its value; keys merged in with `<<:` have none of their own, so the map's."""
    try:
        line, col = getattr(node.lc, which)(key)
    except (KeyError, IndexError, TypeError):
        line, col = node.lc.line, node.lc.col
    return (line or 0) + 1, (col or 0) + 1


def _plain(node: Any, path: Path_, smap: SourceMap, budget: list[int] | None = None) -> Any:
    """Convert ruamel's round-trip nodes to plain Python, recording positions on the way."""
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            child = path + (key,)
            smap.keys[child] = _position(node, key, "key")
            smap.values[child] = _position(node, key, "value")
            out[str(key) if not isinstance(key, (str, int)) else key] = _plain(value, child, smap, budget)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for index, value in enumerate(node):
            child = path + (index,)
            smap.values[child] = _position(node, index, "item")
            out_list.append(_plain(value, child, smap, budget))
        return out_list
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar string subclasses
    return node


def read_yaml(path: Path, display_name: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML file. Returns (data, source map, problems); data is None when it cannot be parsed."""
    smap = SourceMap(display_name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, smap, [Problem(display_name, None, None, f"cannot read file: {exc}")]
    if not text.strip():
        return None, smap, [Problem(display_name, 1, 1, "the file is empty", "a scenario needs `name:` and `steps:`")]
    yaml = YAML(typ="rt", pure=True)
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"invalid YAML: {exc.problem or exc.context}"
        return None, smap, [Problem(display_name, line, col, message, "check indentation and quoting around this spot")]
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate keys)
        return None, smap, [Problem(display_name, None, None, f"invalid YAML: {exc}")]
    if node is None:
        return None, smap, [Problem(display_name, 1, 1, "the file is empty", "a scenario needs `name:` and `steps:`")]
    try:
        return _plain(node, (), smap), smap, []
    except TooLarge:
        message = f"the document expands to more than {MAX_NODES:,} values (aliases of aliases?)"
        return (
            None,
            SourceMap(display_name),
            [Problem(display_name, 1, 1, message, "write the steps out, or use include:")],
        )


def display_name(path: Path) -> str:
    """A file's name as messages show it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
