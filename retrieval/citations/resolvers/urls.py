"""URL liveness: HEAD, then a small ranged GET when HEAD is refused; redirects followed by hand
so that every hop is a request of its own, which the client's SSRF guard checks and pins to
the address it checked (``HttpClient(guard=...)``); time and size capped.

Only an HTTP answer can prove a link dead (404, 410, 400); a connection that fails or a guard
refusal leaves the link unchecked, since a closed network looks the same as a dead host.
"""

from __future__ import annotations

from urllib.parse import urljoin

from retrieval.citations.http import HttpClient, HttpPolicy, Reply, Unavailable
from retrieval.citations.safety import UnsafeUrl, UrlGuard
from retrieval.citations.types import Lookup, Outcome, WorkRecord

_DEAD = frozenset({400, 404, 410})
_HEAD_REFUSED = frozenset({403, 405, 501})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_HOPS = 5
_RANGE_BYTES = 4096


class UrlChecker:
    name = "url"
    kinds = frozenset({"url"})

    def __init__(self, policy: HttpPolicy, guard: UrlGuard) -> None:
        # A client of its own: the guard and pinning apply to these URLs, not to the APIs.
        self.http = HttpClient(policy, guard=guard)

    def lookup(self, kind: str, value: str) -> Lookup:
        query = f"url:{value}"
        try:
            reply = self._fetch(value, "HEAD")
            if reply.status in _HEAD_REFUSED:
                reply = self._fetch(value, "GET")
        except UnsafeUrl as refusal:
            return Lookup(self.name, query, Outcome.ERROR, detail=f"not fetched: {refusal}")
        except Unavailable as error:
            return Lookup(self.name, query, Outcome.ERROR, detail=str(error))
        if reply.status in _DEAD:
            return Lookup(self.name, query, Outcome.NOT_FOUND, detail=f"HTTP {reply.status}")
        if reply.status >= 400 and reply.status not in (401, 403):
            return Lookup(self.name, query, Outcome.ERROR, detail=f"HTTP {reply.status}")
        record = WorkRecord(source=self.name, url=reply.url)
        return Lookup(self.name, query, Outcome.FOUND, (record,), detail=f"HTTP {reply.status}")

    def _fetch(self, url: str, method: str) -> Reply:
        headers = {"Range": f"bytes=0-{_RANGE_BYTES - 1}"} if method == "GET" else {}
        for _ in range(_MAX_HOPS + 1):
            reply = self.http.get(
                url, headers=headers, follow_redirects=False, max_bytes=_RANGE_BYTES, method=method
            )
            location = reply.headers.get("Location") or reply.headers.get("location")
            if reply.status not in _REDIRECTS or not location:
                return Reply(reply.status, reply.body, reply.headers, url)
            url = urljoin(url, location)
        raise Unavailable(f"more than {_MAX_HOPS} redirects")
