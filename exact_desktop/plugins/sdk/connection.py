"""One HTTP session to EXACT (or the embedded API): auth, timeouts, retries, named errors."""

from __future__ import annotations

import os
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT_S = 60


class PluginError(Exception):
    """A request the plugin depends on failed; the message names the request and the reason."""


class Connection:
    def __init__(
        self, url: str, token: str | None = None, user: str | None = None, password: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        retry = Retry(total=5, backoff_factor=0.3, status_forcelist=(502, 503, 504), allowed_methods=None)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        elif user:
            self.session.auth = (user, password or "")

    @classmethod
    def from_environment(cls) -> Connection:
        url = os.environ.get("EXACT_URL")
        if not url:
            raise PluginError(
                "EXACT_URL is not set: start this plugin from exact-desktop, or set EXACT_URL and EXACT_TOKEN"
            )
        return cls(url, os.environ.get("EXACT_TOKEN"), os.environ.get("EXACT_USER"), os.environ.get("EXACT_PASSWORD"))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.url}{path}"
        try:
            answer = self.session.request(method, url, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as err:
            raise PluginError(f"{method} {path} failed: {err}") from None
        if answer.status_code >= 400:
            raise PluginError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None).json()

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).json()

    def patch(self, path: str, **fields: Any) -> Any:
        return self.request("PATCH", path, json=fields).json()

    def pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every result of a list, following `next`."""
        results: list[dict[str, Any]] = []
        page = self.get(path, limit=1000, **params)
        while True:
            results += page["results"]
            if not page.get("next"):
                return results
            page = self.request("GET", page["next"]).json()
