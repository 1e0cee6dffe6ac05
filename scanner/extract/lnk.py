"""Windows shortcuts (.lnk): the command a double click runs becomes a text child.

A shortcut in an ISO or ZIP that starts `powershell -w hidden ...` or `mshta
http://...` is a classic lure; its target and arguments are binary fields no text
rule can see.  They are written out as the child `<name>:target` (command line
first, then working directory, icon and description) so YARA rules and the script
checks read them like any script; the `archive` check reports the interpreter.
Dependency: LnkParse3 is the maintained parser of [MS-SHLLINK] (ID lists, link
info, string data, extra blocks), far more than a few struct reads.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..models import Incomplete, Item
from .base import Budget, Child

_cache: OrderedDict[str, Shortcut | str] = OrderedDict()


@dataclass(frozen=True)
class Shortcut:
    target: str
    arguments: str
    working_dir: str
    icon: str
    description: str

    @property
    def command(self) -> str:
        target = f'"{self.target}"' if " " in self.target else self.target
        return f"{target} {self.arguments}".strip()

    def text(self) -> str:
        lines = [self.command, f"target: {self.target}", f"arguments: {self.arguments}",
                 f"working directory: {self.working_dir}", f"icon: {self.icon}",
                 f"description: {self.description}"]
        return "\r\n".join(lines) + "\r\n"


def _target(info: dict[str, Any]) -> str:
    link_info = info.get("link_info") or {}
    for key in ("local_base_path_unicode", "local_base_path"):
        if link_info.get(key):
            return str(link_info[key]) + str(link_info.get("common_path_suffix") or "")
    extra = info.get("extra") or {}
    env = extra.get("ENVIRONMENTAL_VARIABLES_LOCATION_BLOCK") or {}
    if env.get("target_unicode") or env.get("target_ansi"):
        return str(env.get("target_unicode") or env.get("target_ansi"))
    parts: list[str] = []
    for entry in (info.get("target") or {}).get("items", []):
        if entry.get("volume_name"):
            parts = [str(entry["volume_name"]).rstrip("\\")]
        elif entry.get("primary_name"):
            parts.append(str(entry.get("long_name") or entry["primary_name"]))
    if parts:
        return "\\".join(parts)
    return str((info.get("data") or {}).get("relative_path") or "")


def parse(item: Item) -> Shortcut | str:
    """The shortcut's facts, or the reason it could not be read (memoised per content)."""
    hit = _cache.get(item.sha256)
    if hit is not None:
        return hit
    try:
        import LnkParse3  # imported on first shortcut

        info = LnkParse3.lnk_file(io.BytesIO(bytes(item.data))).get_json()
        data = info.get("data") or {}
        out: Shortcut | str = Shortcut(_target(info), str(data.get("command_line_arguments") or ""),
                                       str(data.get("working_directory") or ""),
                                       str(data.get("icon_location") or ""), str(data.get("description") or ""))
    except Exception as exc:  # noqa: BLE001 - LnkParse3 raises many types on corrupt shortcuts
        out = f"{type(exc).__name__}: {exc}"
    _cache[item.sha256] = out
    while len(_cache) > 32:
        _cache.popitem(last=False)
    return out


def extract(item: Item, budget: Budget) -> Iterator[Child | Incomplete]:
    shortcut = parse(item)
    if isinstance(shortcut, str):
        yield item.incomplete("corrupt", f"unreadable shortcut: {shortcut}", "archive")
        return
    yield Child(f"{item.name.rsplit('/', 1)[-1]}:target", shortcut.text().encode("utf-8"))
