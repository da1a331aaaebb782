"""Server-side request forgery guard for webhook URLs.

A webhook URL is the partner's to choose, so it could name our own network: the cloud
metadata service, a database, an admin port on localhost. A URL passes only when it uses
https (http when `WEBHOOK_ALLOW_HTTP` is set, for tests), carries no credentials, names a
port of `WEBHOOK_ALLOWED_PORTS` (443 and 8443 by default; `*` for any), and every address
its host resolves to (all A and AAAA records) is a public internet address, unless the
address is inside `WEBHOOK_ALLOWED_NETWORKS` (comma-separated CIDRs).

A refusal never tells the partner what our resolver answered (an internal name's address,
or whether it exists at all): the message is the same generic one, and the precise reason
is kept on the exception (`reason`) for our own logs.

The check runs when an endpoint is created or changed and again before every attempt, and
the attempt then connects to the very address that was checked (`pinned()`), so a DNS
answer that changes between the check and the connection cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from flask import current_app

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# NAT64 (RFC 6052) embeds an IPv4 address in the last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# The one answer for an unresolvable host or a non-public address: no DNS answer leaks out.
NOT_PUBLIC = "must name a host that resolves only to public internet addresses"


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why, in terms a partner can act on.

    `reason` carries the detail for our logs only (it may name internal addresses).
    """

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class Target:
    """A checked URL and the addresses its host resolved to, all of them allowed."""

    url: str
    host: str  # ASCII (IDNA) form, without brackets
    addresses: tuple[str, ...]


def check_url(url: str) -> Target:
    """Parse, resolve and check a webhook URL; raise UnsafeUrl when it may not be called."""
    try:
        parsed = httpx.URL(url)
        # `.host` decodes an `xn--` label: an invalid one raises idna's UnicodeError here.
        has_host = bool(parsed.host)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeError):  # UnicodeError: bad IDNA
        raise UnsafeUrl("is not a valid URL (check the host name)") from None
    allowed_schemes = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else (
        "https",)
    if parsed.scheme not in allowed_schemes:
        raise UnsafeUrl("must use https")
    if not has_host:
        raise UnsafeUrl("has no host")
    if parsed.userinfo:
        raise UnsafeUrl("must not contain a user name or password")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    ports = allowed_ports()
    if ports is not None and parsed.scheme == "http":
        ports = ports | {80}  # plain http exists for local tests only (WEBHOOK_ALLOW_HTTP)
    if ports is not None and port not in ports:
        raise UnsafeUrl("must use port " + " or ".join(str(p) for p in sorted(ports)))
    addresses = resolve(host, port)
    allowed = allowed_networks()
    for address in addresses:
        reason = forbidden_reason(address)
        if reason and not any(address in network for network in allowed):
            raise UnsafeUrl(NOT_PUBLIC, reason=f"{host} resolves to {address}, {reason}")
    return Target(url, host, tuple(str(a) for a in addresses))


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of a host (the host itself when it is an IP literal)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(NOT_PUBLIC, reason=f"host {host} does not resolve") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0])
                                   for info in infos))
    if not addresses:
        raise UnsafeUrl(NOT_PUBLIC, reason=f"host {host} does not resolve")
    return addresses


def forbidden_reason(address: IPAddress) -> str | None:
    """Why an address is not a public internet address, or None when it is one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = forbidden_reason(embedded)
            return f"which embeds {embedded}, {reason}" if reason else None
    for flag, reason in (("is_loopback", "a loopback address"),
                         ("is_link_local", "a link-local address"),
                         # fec0::/10, deprecated (RFC 3879) yet still routed inside some
                         # networks; Python counts it as global.
                         ("is_site_local", "a site-local address"),
                         ("is_multicast", "a multicast address"),
                         ("is_unspecified", "an unspecified address"),
                         ("is_reserved", "a reserved address"),
                         ("is_private", "a private address")):
        if getattr(address, flag, False):  # is_site_local: IPv6 only
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of `WEBHOOK_ALLOWED_NETWORKS` (for tests and on-premises receivers)."""
    return current_app.config["WEBHOOK_ALLOWED_NETWORKS"]


def allowed_ports() -> frozenset[int] | None:
    """The ports of `WEBHOOK_ALLOWED_PORTS`, or None when it is `*` (any port)."""
    ports = current_app.config["WEBHOOK_ALLOWED_PORTS"]
    return None if ports is None else frozenset(ports)


def pinned(target: Target) -> tuple[httpx.URL, dict[str, str], dict]:
    """The request URL, headers and extensions that connect to the checked address.

    The URL names the address itself; `Host` and, for https, the TLS server name (SNI and
    certificate check) stay the original host's.
    """
    original = httpx.URL(target.url)
    address = target.addresses[0]
    url = original.copy_with(host=address)
    netloc = original.netloc.decode("ascii")
    extensions = {}
    if original.scheme == "https":
        extensions["sni_hostname"] = target.host
    return url, {"Host": netloc}, extensions
