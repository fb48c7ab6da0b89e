"""Which addresses outbound HTTP may reach: only globally routable ones, unless allowed.

A name is resolved once and refused when ANY of its addresses is internal, so a DNS answer
mixing a public and a private address cannot smuggle a request inside."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.platforms.base import PlatformError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) -> the IP addresses the host resolves to; raises OSError when it cannot."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NEVER_GLOBAL_V6 = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated), unspecified, loopback
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
    ipaddress.ip_network("fec0::/10"),  # site-local (deprecated)
)


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer, the same one a plain connect would have used."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_refused(ip: IPAddress) -> bool:
    """True for anything an attacker could use to reach an internal network."""
    embedded = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return _not_global(ip) or (embedded is not None and _not_global(embedded))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a translation or tunnelling prefix would deliver the packet to."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo is not None else None


def _not_global(ip: IPAddress) -> bool:
    if not ip.is_global or ip.is_multicast:
        return True
    return isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in _NEVER_GLOBAL_V6)


@dataclass(frozen=True)
class AddressGuard:
    """Resolves a host and vets every address before anything connects to it."""

    resolver: Resolver = system_resolver
    allow_private_network: bool = False

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, all vetted; a bad one raises `PlatformError` instead."""
        ips = _resolve(host, port, self.resolver)
        if not self.allow_private_network:
            for ip in ips:
                if is_refused(ip):
                    log.warning("refused outbound connection to %s (%s)", host, ip)
                    raise blocked_address(host, ip)
        return [str(ip) for ip in ips]


def blocked_address(host: str, ip: IPAddress | str) -> PlatformError:
    return PlatformError(
        "blocked_address",
        f"{host} resolves to a private or reserved address ({ip}); "
        "connections to internal networks are refused.",
        {"host": host, "address": str(ip)},
    )


def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    literal = _ip_literal(host)
    if literal is not None:
        return [literal]
    try:
        answers = resolver(host, port)
    except (OSError, UnicodeError):
        answers = []
    ips = [ip for ip in map(_ip_literal, answers) if ip is not None]
    if not ips:
        raise PlatformError(
            "dns_failure",
            f"The name {host} could not be resolved; check the address is spelled right "
            "and that its domain exists.",
            {"host": host},
        )
    return ips


def _ip_literal(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
