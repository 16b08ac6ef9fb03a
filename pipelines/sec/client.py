"""HTTP client for data.sec.gov: declared User-Agent, gzip, at most N requests per second,
timeouts, and retries with exponential backoff on 429, 5xx and connection errors."""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.sec.config import SecSettings, check_user_agent

if TYPE_CHECKING:  # imported when a client is made: the connector is off by default
    import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


@dataclass
class FetchResult:
    url: str
    body: bytes
    status: int
    attempts: int
    content_encoding: str | None
    waits: list[float] = field(default_factory=list)


class SecClient:
    """GET companyfacts documents politely. One instance per run (shares the rate limit)."""

    def __init__(
        self,
        config: SecSettings,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not config.user_agent:
            raise ValueError("the SEC connector is off: no User-Agent configured")
        check_user_agent(config.user_agent)
        import requests

        self.config = config
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "User-Agent": config.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/json",
            }
        )
        self.limiter = MinIntervalLimiter(config.max_requests_per_second, sleep=sleep)
        self._sleep = sleep

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        header = (
            retry_after_seconds(response.headers.get("Retry-After"))
            if response is not None
            else None
        )
        delay = header if header is not None else self.config.backoff_s * (2**attempt)
        return min(delay, self.config.backoff_max_s)

    def get(self, url: str) -> FetchResult:
        """The body of ``url`` (decompressed), or :class:`SecFetchError`."""
        import requests

        attempts = self.config.max_retries + 1
        waits: list[float] = []
        last_reason = "no attempt made"
        for attempt in range(attempts):
            self.limiter.wait()
            response: requests.Response | None = None
            try:
                response = self.session.get(url, timeout=self.config.timeout_s)
                body = response.content  # reads (and un-gzips) the whole body
            except (requests.ConnectionError, requests.Timeout) as error:
                last_reason = f"cannot reach the server ({type(error).__name__}: {error})"
                network = True
            except requests.RequestException as error:
                raise SecFetchError(url, f"{type(error).__name__}: {error}") from error
            else:
                network = False
                if response.status_code == 200:
                    return FetchResult(
                        url, body, 200, attempt + 1, response.headers.get("Content-Encoding"), waits
                    )
                last_reason = f"HTTP {response.status_code} {response.reason or ''}".strip()
                if response.status_code not in RETRY_STATUSES:
                    raise SecFetchError(url, last_reason + " (not retried)")
            if attempt + 1 < attempts:
                delay = self._backoff(attempt, response)
                waits.append(delay)
                self._sleep(delay)
        raise SecFetchError(url, f"{last_reason}, after {attempts} attempt(s)", network=network)
