"""The SSRF guard for URLs taken from checked text.

A URL in an answer is attacker-controlled: fetching it from inside a network could reach an
internal service or a cloud metadata endpoint. Every URL (and every redirect target) is
resolved first and refused when any address it resolves to is loopback, private, link-local,
reserved, multicast or a metadata address, unless an allowlist of hosts or CIDRs permits it.
The check and the connection resolve the name separately, so a DNS answer that changes in
between (rebinding) is not caught; redirects are re-checked hop by hop.
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

    def check(self, url: str) -> None:
        """Raise UnsafeUrl unless ``url`` is http(s) to a public address or an allowed one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UnsafeUrl(f"scheme {parts.scheme!r} is not fetched")
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeUrl("no host")
        if host in self._hosts:
            return
        if host in _METADATA_HOSTS:
            raise UnsafeUrl(f"{host} is a cloud metadata host")
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self._resolve(host)]
            except OSError as error:
                raise UnsafeUrl(f"{host} does not resolve") from error
        for address in addresses:
            if not self._allowed(address):
                raise UnsafeUrl(f"{host} resolves to {address}, a {_kind(address)} address")

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
