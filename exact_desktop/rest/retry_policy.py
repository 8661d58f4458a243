"""Which requests are sent again, and how often: the REST client's retry policy.

Only requests that can be repeated safely are retried by the transport (GET, PUT, PATCH of
fields, DELETE), and one that timed out only once: a server that answers a page in 70 s must
not hold a sync for minutes without a word. A POST is sent once: when its outcome is unknown
(the connection broke, a timeout, a 5xx), the caller checks what the server stored before it
sends again. That is what keeps results from being doubled by a retry. A body cut short (a
reply that is not JSON) is asked for again as often as JSON_ATTEMPTS, idempotent requests only.
"""

from __future__ import annotations

from urllib3.util.retry import Retry

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
JSON_ATTEMPTS = 3


def transport_retry() -> Retry:
    """What the HTTP adapter repeats by itself: connection failures twice, a read timeout once,
    a 502/503/504 (a proxy or a restarting server) up to five times in all, idempotent only."""
    return Retry(
        total=5, connect=2, read=1, backoff_factor=0.3, status_forcelist=(502, 503, 504),
        allowed_methods=IDEMPOTENT, raise_on_status=False,
    )  # fmt: skip
