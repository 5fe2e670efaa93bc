"""A requests transport adapter that connects to the address the SSRF guard approved.

Without it the guard resolves a name, approves the address, and urllib3 then resolves the
name again to connect: a DNS server that answers a public address first and a private one
second (rebinding) gets the request inside. Here the name is resolved once, by the guard, and
the connection pool is opened to that address; the Host header and, for https, the TLS server
name and certificate check keep the original name, so virtual hosts and certificates work as
before. Pools are keyed by address and name, so two names on one address never share one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from retrieval.citations.safety import UrlGuard

if TYPE_CHECKING:  # the stubs' names for requests' pool-key dictionaries
    from requests.adapters import _HostParams, _PoolKwargs


class PinnedAdapter(HTTPAdapter):
    def __init__(self, guard: UrlGuard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        """Called for every request before a connection is taken: where the guard is asked."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        name = str(host_params["host"]).strip("[]")
        address = self.guard.pin(str(request.url))
        if address != name:
            host_params["host"] = f"[{address}]" if ":" in address else address
            if host_params["scheme"] == "https":
                # urllib3 pool keys that the stubs' TypedDict does not list.
                tls = cast(dict[str, Any], pool_kwargs)
                tls["server_hostname"] = name
                tls["assert_hostname"] = name
        return host_params, pool_kwargs

    def add_headers(self, request: PreparedRequest, **kwargs: Any) -> None:
        """The Host header names the site, not the address connected to."""
        netloc = urlsplit(str(request.url)).netloc.rsplit("@", 1)[-1]
        request.headers.setdefault("Host", netloc)
