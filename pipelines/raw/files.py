"""Opening a raw file: only a regular file is read.

A FIFO (named pipe) where a raw file should be blocks ``open()`` until some process writes to
it — before this, a refresh hung there while it held the refresh lock. A character device
(``/dev/zero``) never ends. So a raw file is checked with ``stat`` before it is opened,
opened non-blocking and checked again on the open descriptor (a file swapped for a FIFO in
between is caught too), and anything but a regular file is refused at once, naming the file
and what it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words (``a FIFO (named pipe)``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


class NotARegularFileError(OSError):
    """``path`` exists but is not a regular file (``kind`` says what it is)."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.path = path
        self.kind = kind


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading in binary mode if it is a regular file (symbolic links are
    followed); raise :class:`NotARegularFileError` at once otherwise, without blocking."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotARegularFileError(path, kind_of(mode))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFileError(path, kind_of(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path) -> bytes:
    """The bytes of ``path``, a regular file (see :func:`open_regular`)."""
    with open_regular(path) as handle:
        return handle.read()
