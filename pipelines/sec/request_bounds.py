"""The bounds every request of :class:`pipelines.sec.client.SecClient` runs under: its
wall-clock deadline (a watchdog shuts the sockets of a request still running at it), the
retry wait budget, and the rate limit on every send (first attempts, retries and redirect
hops alike) — and the urllib3 ``Retry`` and requests adapter classes that apply them, built
on first use (requests and urllib3 are imported only when the connector is on).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from pipelines.sec.config import ENV_MAX_RETRY_WAIT
from pipelines.sec.guards import MinIntervalLimiter, retry_after_seconds

if TYPE_CHECKING:
    from pipelines.sec.client import SecClient


class _GiveUp(RuntimeError):
    """Raised inside the retry machinery to stop at once (deadline, wait budget, redirect);
    not an ``OSError``, so requests lets it through unchanged."""


class _Request:
    """State of one ``get``: deadline, sleeps, sockets to cut at the deadline."""

    def __init__(self, client: SecClient, url: str, deadline: float, why: str) -> None:
        self.client, self.url, self.deadline, self.why = client, url, deadline, why
        self.waits: list[float] = []
        self.last_reason = "no attempt made"
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Request:
        _local.request = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _local.request = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            self._cut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._cut(sock)

    @staticmethod
    def _cut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def check_deadline(self) -> None:
        if self.expired or time.monotonic() >= self.deadline:
            self.expired = True
            raise _GiveUp(f"deadline passed: {self.why} (last: {self.last_reason})")

    def pause(self, wait: float, response: Any) -> None:
        """Called by the retry machinery before each retry."""
        client = self.client
        if response is not None:
            self.last_reason = f"HTTP {response.status} {response.reason or ''}".strip()
        else:
            self.last_reason = "connection error"
        attempts = len(self.waits) + 1
        if client.waited + wait > client.config.max_retry_wait_s:
            raise _GiveUp(
                f"{self.last_reason} after {attempts} attempt(s); waiting {wait:.1f} s more "
                f"would exceed the retry wait budget of {client.config.max_retry_wait_s:g} s "
                f"({ENV_MAX_RETRY_WAIT}; {client.waited:.1f} s already spent this run)"
            )
        if time.monotonic() + wait >= self.deadline:
            raise _GiveUp(
                f"{self.last_reason} after {attempts} attempt(s); waiting {wait:.1f} s more "
                f"would pass the deadline: {self.why}"
            )
        self.waits.append(wait)
        client.waited += wait
        client._sleep(wait)
        self.check_deadline()
        client.limiter.wait()


_local = threading.local()


def _current() -> _Request | None:
    return getattr(_local, "request", None)


def _http_machinery() -> tuple[type, type]:
    """The urllib3 ``Retry`` and requests adapter classes, built on first use (requests and
    urllib3 are imported only when the connector is on)."""
    global _MACHINERY
    if _MACHINERY is not None:
        return _MACHINERY
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.util.retry import Retry

    class BoundedRetry(Retry):
        """urllib3's Retry; sleeps go through the current request's budget and deadline."""

        def get_retry_after(self, response: Any) -> float | None:
            seconds = retry_after_seconds(response.headers.get("Retry-After"))
            return None if seconds is None else min(seconds, self.backoff_max)

        def sleep(self, response: Any = None) -> None:
            wait = None
            if self.respect_retry_after_header and response is not None:
                wait = self.get_retry_after(response)
            if wait is None:
                wait = self.get_backoff_time()
            request = _current()
            if request is None:  # not through SecClient: plain urllib3 behaviour
                super().sleep(response)
            else:
                request.pause(wait, response)

    def watched(base: type) -> type:
        class Watched(base):  # type: ignore[misc, valid-type]
            def getresponse(self, *args: Any, **kwargs: Any) -> Any:
                request = _current()
                if request is not None:
                    request.watch(getattr(self, "sock", None))
                return super().getresponse(*args, **kwargs)

        return Watched

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = watched(HTTPConnection)

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = watched(HTTPSConnection)

    pools = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    class SecAdapter(HTTPAdapter):
        """Rate limit on every send (redirect hops too) and sockets the watchdog can cut."""

        def __init__(self, limiter: MinIntervalLimiter, **kwargs: Any) -> None:
            self.limiter = limiter
            super().__init__(**kwargs)

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            manager.pool_classes_by_scheme = pools
            return manager

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            current = _current()
            if current is not None:
                current.check_deadline()
            self.limiter.wait()
            return super().send(request, *args, **kwargs)

    _MACHINERY = (BoundedRetry, SecAdapter)
    return _MACHINERY


_MACHINERY: tuple[type, type] | None = None
