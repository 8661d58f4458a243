"""One HTTP session to EXACT (or the embedded API): auth, timeouts, retries, named errors.

What is sent again and how often is `retry_policy.py`; a POST whose outcome is unknown raises
`UnknownOutcomeError`, and the caller checks what the server stored before it sends again.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
import requests.auth
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from exact_desktop.rest.errors import ExactApiError, RefusedError, UnknownOutcomeError
from exact_desktop.rest.paging import Pages
from exact_desktop.rest.retry_policy import IDEMPOTENT, JSON_ATTEMPTS, transport_retry

TIMEOUT_S = 60
DEADLINE_TIMEOUTS = 5  # a whole answer may take this many read timeouts, however it trickles in
PAGE = 1000
IN_FLIGHT = 8  # requests the result writer keeps open at once; the pool holds that many and more


class BearerToken(requests.auth.AuthBase):
    """A personal access token as the session's own auth. Set as a plain header instead, it
    was replaced by a ~/.netrc entry for the same host (requests applies netrc whenever the
    session has no auth), and the server saw other credentials than the ones given."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class Connection:
    def __init__(
        self, url: str, token: str | None = None, user: str | None = None, password: str | None = None,
        verify: bool | str = True, timeout: float = TIMEOUT_S,
    ) -> None:  # fmt: skip
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.server_date: str | None = None  # the `Date` of the latest answer (see ServerClock.check)
        self.session = requests.Session()
        self.session.verify = verify
        adapter = HTTPAdapter(max_retries=transport_retry(), pool_connections=4, pool_maxsize=2 * IN_FLIGHT)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if token:
            self.session.auth = BearerToken(token)
        elif user:
            self.session.auth = (user, password or "")

    @classmethod
    def from_environment(cls) -> Connection:
        url = os.environ.get("EXACT_URL")
        if not url:
            raise ExactApiError(
                "EXACT_URL is not set: start this plugin from exact-desktop, or set EXACT_URL and EXACT_TOKEN"
            )
        verify = tls_verified()
        token, user = os.environ.get("EXACT_TOKEN"), os.environ.get("EXACT_USER")
        return cls(url, token, user, os.environ.get("EXACT_PASSWORD"), verify=verify)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.url}{path}"
        streamed = kwargs.pop("stream", False)  # the caller reads the body itself (a slide's download)
        try:
            # verify given per request: requests lets REQUESTS_CA_BUNDLE override the session's False
            answer = self.session.request(method, url, timeout=self.timeout, verify=self.session.verify, stream=True,
                                          **kwargs)  # fmt: skip
            if not streamed:
                _read_within(answer, self.timeout * DEADLINE_TIMEOUTS, f"{method} {path}: {self.url}")
        except requests.ConnectionError as err:
            if _reason(err) == "timed out":  # a read timed out twice (see `read` in the retry)
                raise UnknownOutcomeError(f"{method} {path}: {self.url} gave no answer in {self.timeout:g} s, "
                                          "twice") from None  # fmt: skip
            raise UnknownOutcomeError(f"{method} {path}: cannot reach {self.url} ({_reason(err)})") from None
        except requests.RequestException as err:
            raise UnknownOutcomeError(f"{method} {path} on {self.url} failed: {_reason(err)}") from None
        self.server_date = answer.headers.get("Date") or self.server_date
        if answer.status_code >= 500:
            raise UnknownOutcomeError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        if answer.status_code >= 400:
            text = answer.text[:2000]
            raise RefusedError(f"{method} {path} answered {answer.status_code}: {text[:300]}", answer.status_code, text)
        return answer

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The answer's JSON. A cut connection can end a response early without any error from
        the transport (no Content-Length): idempotent requests are sent again, a POST's outcome
        is unknown."""
        for attempt in range(JSON_ATTEMPTS):
            answer = self.request(method, path, **kwargs)
            try:
                return orjson.loads(answer.content)
            except orjson.JSONDecodeError:
                if method not in IDEMPOTENT or attempt == JSON_ATTEMPTS - 1:
                    raise UnknownOutcomeError(
                        f"{method} {path} on {self.url} answered {answer.status_code} with a body that is not JSON "
                        f"({len(answer.content)} bytes): the connection may have been cut"
                    ) from None
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Any:
        return self.json("GET", path, params=params or None)

    def post(self, path: str, body: Any, **params: Any) -> Any:
        """JSON encoded by orjson: requests' own encoder took half a second per 100,000 annotations."""
        data = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
        return self.json("POST", path, data=data, params=params or None, headers={"Content-Type": "application/json"})

    def patch(self, path: str, **fields: Any) -> Any:
        return self.json("PATCH", path, json=fields)

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def download(self, url: str) -> bytes:
        """A file the server names by URL (a result bitmap, media). The credentials go only to
        the server's own origin; a file it serves from another host is fetched without them."""
        absolute = urljoin(f"{self.url}/", url)
        if _origin(absolute) == _origin(self.url):
            return self.request("GET", absolute).content
        try:
            answer = requests.get(absolute, timeout=self.timeout, verify=self.session.verify, stream=True)
            _read_within(answer, self.timeout * DEADLINE_TIMEOUTS, f"GET {absolute}")
        except requests.RequestException as err:
            raise UnknownOutcomeError(f"GET {absolute}: {_reason(err)}") from None
        if answer.status_code >= 400:
            raise RefusedError(f"GET {absolute} answered {answer.status_code}", answer.status_code, answer.text[:2000])
        return answer.content

    def iterate(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every result of a list, once, page by page by the offset of the results received (see
        paging: `next` only says whether there is more); the total is checked against the count."""
        pages = Pages(self.url, path)
        while pages.more:
            yield from pages.take(self.get(path, limit=PAGE, offset=pages.offset, **params))
        pages.check_total()

    def pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return list(self.iterate(path, **params))

    def count(self, path: str, **params: Any) -> int:
        return int(self.get(path, limit=1, **params)["count"])


def tls_verified() -> bool:
    """False when EXACT_VERIFY_TLS says 0, false or no: the one reading of that setting, so every
    command (login too) and every plugin process honours it alike."""
    return os.environ.get("EXACT_VERIFY_TLS", "1").strip().lower() not in ("0", "false", "no")


def _read_within(answer: requests.Response, seconds: float, request: str) -> None:
    """Reads the answer's body whole within `seconds` of the request. The read timeout bounds only
    the wait for each piece: a server sending one byte every few seconds held a sync for ever."""
    deadline = time.monotonic() - answer.elapsed.total_seconds() + seconds
    pieces, size = [], 0
    try:
        while piece := answer.raw.read1(1 << 16, decode_content=True):
            pieces.append(piece)
            size += len(piece)
            if time.monotonic() > deadline:
                answer.close()
                raise UnknownOutcomeError(
                    f"{request} sent its answer too slowly: {size:,} bytes in {seconds:g} s, gave up"
                )
    except urllib3.exceptions.HTTPError as err:
        answer.close()
        raise requests.ConnectionError(err) from None
    answer._content = b"".join(pieces)  # what `answer.content` reads, read the same way with a deadline
    answer._content_consumed = True


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _reason(err: Exception) -> str:
    """The innermost cause in a few words ("Connection refused"), not urllib3's whole chain."""
    text = str(err)
    found = re.findall(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if found:
        return str(found[-1]).strip()
    if "timed out" in text.lower():
        return "timed out"
    if "certificate" in text.lower():
        return "its TLS certificate does not verify"
    return type(err).__name__
