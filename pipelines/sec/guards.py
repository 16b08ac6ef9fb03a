"""The SEC client's guards, each small and tested directly: the error it raises, the rate
limiter, ``Retry-After`` parsing and bounded incremental decompression."""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
import zlib
from collections.abc import Callable
from typing import IO

from pipelines.sec.config import ENV_MAX_DECOMPRESSED

#: Bytes read from the socket, and most bytes produced by one decompression step.
CHUNK = 64 * 1024


class SecFetchError(RuntimeError):
    """A request failed for good (after retries, or with a status that is not retried)."""

    def __init__(self, url: str, reason: str, *, network: bool = False) -> None:
        super().__init__(f"GET {url} failed: {reason}")
        self.url = url
        self.reason = reason
        #: True when the server could not be reached at all (DNS, refused, timeout).
        self.network = network


class MinIntervalLimiter:
    """At most ``rate`` request starts per second: consecutive starts are at least
    ``1 / rate`` seconds apart (so no one-second window holds more than ``rate``)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class BoundedDecoder:
    """Incremental gzip/deflate decoding with a limit on the output size."""

    def __init__(self, encoding: str | None, url: str, limit: int) -> None:
        encoding = (encoding or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise SecFetchError(url, f"unsupported Content-Encoding {encoding!r}")
        self.compressed = encoding != "identity"
        self.url, self.limit, self.size = url, limit, 0
        self._new()

    def _new(self) -> None:
        self._z = zlib.decompressobj(wbits=32 + zlib.MAX_WBITS)  # gzip or zlib header

    def _emit(self, data: bytes, sink: IO[bytes]) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise SecFetchError(
                self.url,
                f"decompressed body larger than the limit of {self.limit:,} bytes "
                f"({ENV_MAX_DECOMPRESSED}); download stopped",
            )
        sink.write(data)

    def feed(self, data: bytes, sink: IO[bytes]) -> None:
        if not self.compressed:
            self._emit(data, sink)
            return
        try:
            while data:
                self._emit(self._z.decompress(data, CHUNK), sink)
                data = self._z.unconsumed_tail
                if self._z.eof and self._z.unused_data:  # another gzip member follows
                    data = self._z.unused_data
                    self._new()
        except zlib.error as error:
            raise SecFetchError(self.url, f"body is not valid gzip/deflate ({error})") from None

    def finish(self, sink: IO[bytes]) -> None:
        if self.compressed:
            if not self._z.eof:
                raise SecFetchError(self.url, "compressed body ends early (truncated)")
            self._emit(self._z.flush(), sink)
