"""Unix sockets of the daemons: permissions for the MTA's user, and never two daemons on one path.

A socket created under the process umask (often 0755) refuses connections from Postfix or
clamdscan running as other users ("Permission denied"), and every mail is tempfailed.  The socket
is created under a umask that yields `socket_mode` (default 0660) and then given `socket_group`,
so the MTA's group can connect and nobody else can.  A path where a daemon still answers is never
taken over: the second daemon refuses to start; a stale socket file is removed.
"""

from __future__ import annotations

import contextlib
import grp
import os
import socket
import stat
from collections.abc import Iterator


class SocketError(Exception):
    """The socket cannot be created as asked (in use, bad mode or group)."""


def parse_mode(value: str | int) -> int:
    """"0660", "660" or 0o660 -> 0o660."""
    try:
        mode = value if isinstance(value, int) else int(str(value), 8)
    except ValueError:
        raise SocketError(f"socket mode must be octal like 0660, not {value!r}") from None
    if not 0 <= mode <= 0o777:
        raise SocketError(f"socket mode must lie in 0000..0777, not {value!r}")
    return mode


def group_id(group: str) -> int | None:
    if not group:
        return None
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise SocketError(f"socket group {group!r} does not exist") from None


def claim(path: str) -> None:
    """Refuse a path where a daemon answers; remove a stale socket file left by a dead one."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise SocketError(f"{path} exists and is not a socket: not replacing it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        os.unlink(path)  # nobody listens: left by a daemon that died
        return
    except OSError as exc:
        raise SocketError(f"{path}: cannot tell whether a daemon listens there ({exc.strerror or exc})") from None
    finally:
        probe.close()
    raise SocketError(f"{path}: another daemon is listening there; stop it first or choose another socket")


@contextlib.contextmanager
def creating(mode: int) -> Iterator[None]:
    """Create sockets under a umask that gives them `mode` (no window with wider permissions)."""
    old = os.umask(0o777 & ~mode)
    try:
        yield
    finally:
        os.umask(old)


def finish(path: str, mode: int, gid: int | None) -> None:
    """Set the final mode (umask cannot add bits) and group of a socket just created."""
    if gid is not None:
        os.chown(path, -1, gid)
    os.chmod(path, mode)
