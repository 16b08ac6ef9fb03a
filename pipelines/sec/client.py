"""HTTP client for data.sec.gov that does not trust the server.

- Declared User-Agent, gzip, at most N request starts per second (first attempts, retries
  and redirect hops alike).
- Retries of 429, 5xx and connection errors by urllib3's :class:`~urllib3.util.Retry`
  (mounted through a requests adapter): exponential backoff, ``Retry-After`` honoured but
  capped, and the total time one client may sleep between retries is bounded.
- Redirects are followed by requests, at most ``max_redirects`` and only to the same origin
  (scheme, host, port): a redirect elsewhere is refused before anything is sent there, so the
  User-Agent never goes to another host.
- Bodies are streamed to a file: the bytes received and the bytes after gzip/deflate are
  counted as they come and the download stops as soon as either passes its limit (a
  decompression bomb is never expanded in memory).
- Every request has a wall-clock deadline (retries and sleeps included) and the whole fetch
  another: a watchdog shuts the socket of a request that is still running at its deadline,
  so a server trickling one byte at a time is cut off, whatever the per-read timeout.

This module fetches and checks what comes back (status, redirects, sizes); the bounds each
request runs under (deadline and watchdog, retry wait budget, rate limit on every send) and
the urllib3/requests classes that apply them are in :mod:`pipelines.sec.request_bounds`; the
rate limiter, the decoder and the error type in :mod:`pipelines.sec.guards`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from pipelines.sec.config import (
    ENV_FETCH_DEADLINE,
    ENV_MAX_BODY,
    ENV_MAX_REDIRECTS,
    ENV_REQUEST_DEADLINE,
    SecSettings,
    check_user_agent,
)
from pipelines.sec.guards import (  # re-exported: the client's public names
    CHUNK,
    BoundedDecoder,
    MinIntervalLimiter,
    SecFetchError,
    retry_after_seconds,
)
from pipelines.sec.request_bounds import _current, _GiveUp, _http_machinery, _Request

__all__ = [
    "RETRY_STATUSES",
    "FetchResult",
    "MinIntervalLimiter",
    "SecClient",
    "SecFetchError",
    "retry_after_seconds",
]

if TYPE_CHECKING:  # imported when a client is made: the connector is off by default
    import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return (
        scheme,
        (parts.hostname or "").lower(),
        parts.port or {"http": 80, "https": 443}.get(scheme),
    )


@dataclass
class FetchResult:
    url: str
    body: bytes  # empty when the body went to a file (``SecClient.download``)
    status: int
    attempts: int
    content_encoding: str | None
    waits: list[float] = field(default_factory=list)
    received_bytes: int = 0  # as sent by the server (compressed)
    body_bytes: int = 0  # after decompression
    headers: Mapping[str, str] = field(default_factory=dict)  # ETag, Last-Modified...


class SecClient:
    """GET companyfacts documents politely and defensively. One instance per run (shares the
    rate limit, the retry wait budget and the fetch deadline)."""

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

        retry_class, adapter_class = _http_machinery()
        self.config = config
        self.limiter = MinIntervalLimiter(config.max_requests_per_second, sleep=sleep)
        self._sleep = sleep
        self.waited = 0.0  # seconds slept between retries so far (budget: max_retry_wait_s)
        self.fetch_deadline = time.monotonic() + config.fetch_deadline_s
        retry = retry_class(
            total=config.max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=config.backoff_s,
            backoff_max=config.backoff_max_s,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        self.session = session or requests.Session()
        adapter = adapter_class(self.limiter, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.max_redirects = config.max_redirects
        self.session.hooks["response"].append(self._check_redirect)
        self.session.headers.update(
            {
                "User-Agent": config.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/json",
            }
        )

    # ------------------------------------------------------------------ redirects
    def _check_redirect(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if not response.is_redirect:
            return
        request = _current()
        target = urljoin(response.url, response.headers.get("location", ""))
        # The redirect's own body is never read (it could be endless).
        response._content, response._content_consumed = b"", True
        response.close()
        if request is not None and _origin(target) != _origin(request.url):
            raise _GiveUp(
                f"HTTP {response.status_code} redirect to another host refused ({target}); "
                "only same-host redirects are followed and the User-Agent is never sent "
                "elsewhere"
            )

    # ------------------------------------------------------------------- requests
    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        """The body of ``url`` (decompressed) in memory, or :class:`SecFetchError`; with
        conditional ``headers`` (If-None-Match...) a 304 is a result with an empty body."""
        buffer = io.BytesIO()
        result = self.download(url, buffer, headers)
        result.body = buffer.getvalue()
        return result

    def download(
        self, url: str, sink: IO[bytes], headers: dict[str, str] | None = None
    ) -> FetchResult:
        """Stream the decompressed body of ``url`` into ``sink``; :class:`SecFetchError` if
        it fails, is refused, is too large or takes too long (``sink`` then holds a part)."""
        import requests
        import urllib3

        now = time.monotonic()
        if now >= self.fetch_deadline:
            raise SecFetchError(
                url,
                f"not attempted: the fetch deadline of {self.config.fetch_deadline_s:g} s "
                f"({ENV_FETCH_DEADLINE}) has passed",
            )
        if now + self.config.request_deadline_s <= self.fetch_deadline:
            deadline = now + self.config.request_deadline_s
            why = (
                f"request deadline of {self.config.request_deadline_s:g} s ({ENV_REQUEST_DEADLINE})"
            )
        else:
            deadline = self.fetch_deadline
            why = f"fetch deadline of {self.config.fetch_deadline_s:g} s ({ENV_FETCH_DEADLINE})"
        timeout = (
            min(self.config.timeout_s, max(0.1, deadline - now)),
            self.config.timeout_s,
        )
        with _Request(self, url, deadline, why) as request:
            try:
                response = self.session.get(url, timeout=timeout, stream=True, headers=headers)
                try:
                    return self._read(request, response, sink, bool(headers))
                finally:
                    response.close()
            except SecFetchError:
                raise
            except _GiveUp as error:
                raise SecFetchError(url, str(error)) from None
            except requests.TooManyRedirects:
                raise SecFetchError(
                    url, f"more than {self.config.max_redirects} redirects ({ENV_MAX_REDIRECTS})"
                ) from None
            except (
                requests.ConnectionError,
                requests.Timeout,
                urllib3.exceptions.HTTPError,  # a body read failing after the headers came
                OSError,
            ) as error:
                if request.expired:
                    raise SecFetchError(
                        url, f"deadline passed: {request.why}; download cut off"
                    ) from None
                raise SecFetchError(
                    url,
                    f"cannot reach the server ({type(error).__name__}: {error}), "
                    f"after {len(request.waits) + 1} attempt(s)",
                    network=True,
                ) from None
            except requests.RequestException as error:
                raise SecFetchError(url, f"{type(error).__name__}: {error}") from error

    def _read(
        self, request: _Request, response: requests.Response, sink: IO[bytes], conditional: bool
    ) -> FetchResult:
        url, config = request.url, self.config
        attempts = len(request.waits) + 1
        if response.status_code == 304 and conditional:
            return FetchResult(url, b"", 304, attempts, None, list(request.waits))
        if response.status_code != 200:
            reason = f"HTTP {response.status_code} {response.reason or ''}".strip()
            if response.status_code in RETRY_STATUSES:
                raise SecFetchError(url, f"{reason}, after {attempts} attempt(s)")
            raise SecFetchError(url, reason + " (not retried)")
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > config.max_body_bytes:
            raise SecFetchError(
                url,
                f"body of {int(declared):,} bytes (Content-Length) is larger than the limit of "
                f"{config.max_body_bytes:,} bytes ({ENV_MAX_BODY}); not downloaded",
            )
        encoding = response.headers.get("Content-Encoding")
        decoder = BoundedDecoder(encoding, url, config.max_decompressed_bytes)
        received = 0
        while True:
            request.check_deadline()
            chunk = response.raw.read(CHUNK, decode_content=False)
            if not chunk:
                break
            received += len(chunk)
            if received > config.max_body_bytes:
                raise SecFetchError(
                    url,
                    f"body larger than the limit of {config.max_body_bytes:,} bytes "
                    f"({ENV_MAX_BODY}); download stopped",
                )
            decoder.feed(chunk, sink)
        request.check_deadline()
        decoder.finish(sink)
        return FetchResult(
            url,
            b"",
            200,
            attempts,
            encoding,
            list(request.waits),
            received_bytes=received,
            body_bytes=decoder.size,
            headers=response.headers,
        )
