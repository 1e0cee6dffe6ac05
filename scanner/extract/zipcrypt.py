"""Encrypted ZIP members, opened with a password from the same e-mail (see `unlock.py`).

`zip.py` hands every encrypted member here.  Without a working candidate the
member is `incomplete` (reason ``encrypted``) as before; with one it is read
through pyzipper (ZipCrypto and WinZip AES) under the same limits as any member.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from ..models import Incomplete, Item
from .base import Budget, Child, LimitExceeded
from .unlock import zip_unlock
from .view import ViewReader


class ZipUnlocker:
    """Per archive: find the password once, open the archive with pyzipper once."""

    def __init__(self, item: Item) -> None:
        self.item = item
        self._archive: Any = None  # pyzipper.AESZipFile, imported on first use (startup time)

    def member(self, info: zipfile.ZipInfo, budget: Budget) -> Iterator[Child | Incomplete]:
        item, name = self.item, info.filename
        found = zip_unlock(item) if item.passwords else None
        if found is None or found.password is None:
            tried = f" ({found.tried} password candidates from the e-mail tried)" if found else ""
            yield item.incomplete("encrypted", f"{name}: encrypted member, not scanned{tried}", "archive")
            return
        import pyzipper  # its BadZipFile is not zipfile's (a copy, not a subclass)
        try:
            if self._archive is None:
                self._archive = pyzipper.AESZipFile(ViewReader(item.data))
            budget.check_declared(name, info.file_size, info.compress_size)
            real = self._archive.getinfo(name)
            with self._archive.open(real, pwd=found.password.encode("utf-8")) as stream:
                data = budget.read_stream(name, stream, info.compress_size)
        except LimitExceeded as exc:
            yield item.incomplete(exc.reason, exc.message, "archive")
            return
        except (RuntimeError, zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, ValueError, OSError, EOFError,
                KeyError, NotImplementedError) as exc:
            # The password opened the probe member; this one may use another password.
            yield item.incomplete("encrypted", f"{name}: cannot decrypt with the e-mail's password ({exc})", "archive")
            return
        yield Child(name, data)

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
