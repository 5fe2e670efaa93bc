"""The SSRF guard for URLs taken from checked text.

A URL in an answer is attacker-controlled: fetching it from inside a network could reach an
internal service or a cloud metadata endpoint. Every URL (and every redirect target) is
resolved first and refused when any address it resolves to is loopback, private, link-local,
reserved, multicast or a metadata address, unless an allowlist of hosts or CIDRs permits it.
``pin`` returns the address it checked, and ``pinning.PinnedAdapter`` connects to that address
(Host header and TLS name kept), so the name is resolved once per request: a DNS answer that
changes between the check and the connection (rebinding) is never used. Redirects are
checked hop by hop, each hop being a request of its own.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str], list[str]]

_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


class UnsafeUrl(Exception):
    """A URL that may not be fetched."""


def resolve(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


class UrlGuard:
    def __init__(self, allowlist: Iterable[str] = (), resolver: Resolve = resolve) -> None:
        self._hosts: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in (a.strip().lower() for a in allowlist):
            if not item:
                continue
            try:
                self._networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self._hosts.add(item)
        self._resolve = resolver

    def pin(self, url: str) -> str:
        """The address to connect to for ``url``; raise UnsafeUrl unless it is http(s) to a
        public address or an allowed one. A host the allowlist names is returned as it is."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UnsafeUrl(f"scheme {parts.scheme!r} is not fetched")
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeUrl("no host")
        if host in self._hosts:
            return host
        if host in _METADATA_HOSTS:
            raise UnsafeUrl(f"{host} is a cloud metadata host")
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self._resolve(host)]
            except OSError as error:
                raise UnsafeUrl(f"{host} does not resolve") from error
        if not addresses:
            raise UnsafeUrl(f"{host} does not resolve")
        for address in addresses:
            if not self._allowed(address):
                raise UnsafeUrl(f"{host} resolves to {address}, a {_kind(address)} address")
        return str(addresses[0])

    def _allowed(self, address: Address) -> bool:
        if any(address in network for network in self._networks):
            return True
        return _kind(address) == ""


def _kind(address: Address) -> str:
    """Why an address is not public, or '' when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _kind(address.ipv4_mapped)
    if address in _METADATA_ADDRESSES:
        return "cloud metadata"
    for name in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    if not address.is_global:
        return "non-public"
    return ""
