"""Run 7-Zip's command-line program (`7zz`) on hostile input: limits, timeout, parsed listing.

Every call gets a wall-clock timeout (the check timeout) and, through `/bin/sh`'s `ulimit` (no
Python between fork and exec, safe in threaded callers), a CPU-time limit, an address-space limit,
a file-size limit (a file it writes can never pass `max_file_size`) and no core dump.  Standard
input is closed (a password prompt cannot block), the environment is reduced to PATH and a UTF-8
locale, and names are passed after `--` with wildcards off (`-spd`).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings

TOOL = "7zz"
MEMORY_KIB = 2 * 1024 * 1024  # 7-Zip's disk handlers need a few MB; this only stops a runaway
MAX_MESSAGE = 300
_LIMITS = 'ulimit -c 0; ulimit -t {cpu}; ulimit -v {mem}; ulimit -f {blocks}; exec "$@"'
_PROBLEM = re.compile(r"ERROR|WARNING|Unexpected end|Is not archive|Can ?not open|Headers Error|Data Error|"
                      r"CRC Failed|Unsupported|Wrong password|Dangerous|There are data after", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    folder: bool
    encrypted: bool
    system: bool = False  # the S attribute (NTFS's own metadata files carry H and S)


@dataclass(frozen=True)
class Listing:
    chain: tuple[str, ...] = ()          # 7-Zip's type of each layer it opened, outermost first
    entries: tuple[Entry, ...] = ()
    problems: tuple[str, ...] = ()       # its error and warning lines
    fatal: bool = False                  # nothing listed: the image did not open
    reason: str = "corrupt"

    @property
    def message(self) -> str:
        return _short("; ".join(self.problems) or "7-Zip could not open it")


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str = ""
    reason: str = "corrupt"


@dataclass
class Runner:
    tool: str
    settings: Settings
    env: dict[str, str] = field(default_factory=lambda: {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                         "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})

    def _run(self, args: list[str], cwd: Path) -> tuple[int, str, str, str]:
        """(exit code, stdout, stderr, failure reason or "")."""
        timeout = max(1.0, self.settings.timeout)
        script = _LIMITS.format(cpu=math.ceil(timeout) + 1, mem=MEMORY_KIB,
                                blocks=self.settings.max_file_size // 512 + 2)
        try:
            done = subprocess.run(["/bin/sh", "-c", script, "sh", self.tool, *args], stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=timeout, env=self.env, cwd=cwd, check=False)
        except subprocess.TimeoutExpired:
            return -1, "", "", "timeout"
        except OSError as exc:
            return -1, "", str(exc), "corrupt"
        out, err = (b.decode("utf-8", "replace") for b in (done.stdout, done.stderr))
        if done.returncode < 0:
            sig = -done.returncode
            reason = {int(signal.SIGXFSZ): "max_file_size", int(signal.SIGXCPU): "timeout",
                      int(signal.SIGKILL): "timeout"}.get(sig, "corrupt")
            return done.returncode, out, err + f"\n7-Zip killed by signal {signal.Signals(sig).name}", reason
        return done.returncode, out, err, ""

    def listing(self, image: Path, force: str | None = None) -> Listing:
        rc, out, err, failure = self._run(["l", "-slt", "-sccUTF-8", "-pscamscan", *_type(force), "--", image.name],
                                          image.parent)
        chain, entries = _parse(out)
        problems = tuple(_problems(out + "\n" + err))
        if failure:
            what = f"7-Zip exceeded the {self.settings.timeout:g}s timeout" if failure == "timeout" else ""
            return Listing(tuple(chain), (), (what,) if what else problems, True, failure)
        locked = any("password" in p.lower() or "encrypted" in p.lower() for p in problems)
        return Listing(tuple(chain), tuple(entries), problems, fatal=not chain or (rc >= 2 and not entries),
                       reason="encrypted" if locked else "corrupt")

    def extract(self, image: Path, folder: Path, force: str | None, names: list[str] | None) -> Result:
        """Extract `names` (all when None) into `folder` (created); duplicates renamed, never overwritten."""
        folder.mkdir()
        rc, out, err, failure = self._run(
            ["x", "-y", "-aou", "-spd", "-bso0", "-bsp0", "-sccUTF-8", "-pscamscan", f"-o{folder}", *_type(force),
             "--", str(image), *(names or [])], folder)
        if failure == "timeout":
            return Result(False, f"7-Zip exceeded the {self.settings.timeout:g}s timeout", "timeout")
        problems = _problems(out + "\n" + err)
        if rc != 0 or failure or problems:
            return Result(False, _short("; ".join(problems) or f"7-Zip exit code {rc}"), failure or "corrupt")
        return Result(True)


def _type(force: str | None) -> list[str]:
    return [f"-t{force}"] if force else []


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "..."


def _problems(text: str) -> list[str]:
    seen: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and _PROBLEM.search(line) and line not in seen and not line.startswith(
                ("Path = ", "Warnings:", "Errors:", "ERRORS:", "WARNINGS:")):
            seen.append(line)
    return seen


def _parse(out: str) -> tuple[list[str], list[Entry]]:
    """The `l -slt` listing: one `--` block per opened layer (its `Type`), then the entries after `----------`."""
    chain: list[str] = []
    entries: list[Entry] = []
    current: dict[str, str] | None = None
    in_entries = in_layer = False
    for line in [*out.splitlines(), ""]:
        if line == "----------":
            in_entries, in_layer = True, False
            continue
        if not in_entries:
            if line == "--":
                in_layer = True
            elif line == "----":
                in_layer = False
            elif in_layer and line.startswith("Type = "):
                chain.append(line[7:].strip())
            continue
        if not line.strip():
            if current and ("Path" in current or "Size" in current):  # a VHD's raw disk has no name
                entries.append(_entry(current))
            current = None
            continue
        key, sep, value = line.partition(" = ")
        if sep:
            current = current or {}
            if key != "Path" or key not in current:  # a forged "Path = " line inside a name does not move it
                current[key] = value
    return chain, entries


def _entry(fields: dict[str, str]) -> Entry:
    size = fields.get("Size", "0")
    attributes = (fields.get("Attributes", "").split(" ") or [""])[0]
    return Entry(path=fields.get("Path", ""), size=int(size) if size.isdigit() else 0,
                 folder=fields.get("Folder") == "+" or "D" in attributes,
                 encrypted=fields.get("Encrypted") == "+", system="S" in attributes)
