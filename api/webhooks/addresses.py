"""Where a webhook may be sent: HTTPS to public addresses only.

Checked when the owner saves an endpoint and again before every delivery
(the name may resolve elsewhere by then), and the connection goes to the
address that was checked, so DNS cannot swap in an internal one between
the check and the request. Plain http is refused, except to a loopback
address when RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP is on (development and tests).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for the Host header and TLS)
    port: int
    address: str  # the checked IP address to connect to
    path: str  # path and query


def _local_allowed() -> bool:
    return bool(settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP)


def _unwrap(ip):
    # ::ffff:10.0.0.1 is 10.0.0.1 on the wire.
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def address_allowed(address: str) -> bool:
    ip = _unwrap(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip.is_loopback:
        return _local_allowed()
    return ip.is_global and not ip.is_multicast


def parse(url: str):
    """Split and check the URL's shape. Returns (scheme, host, port, path)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValidationError("Enter a valid URL.") from exc
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not host:
        raise ValidationError("Enter a full URL, starting with https://.")
    if parts.username or parts.password:
        raise ValidationError("Leave the user name and password out of the URL.")
    if parts.fragment:
        raise ValidationError("Leave out the # part of the URL.")
    if scheme == "http":
        if not (_local_allowed() and _is_loopback_name(host)):
            raise ValidationError("Use an https:// URL: deliveries carry signed practice data.")
    elif scheme != "https":
        raise ValidationError("Use an https:// URL.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _is_loopback_name(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return _unwrap(ipaddress.ip_address(host)).is_loopback
    except ValueError:
        return False


def resolve(url: str) -> Target:
    """The URL's checked target; ValidationError for a refused URL or address."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"The name {host} could not be found.") from exc
    addresses = [info[4][0] for info in infos]
    # Every address must pass: one private answer among public ones is still
    # a way in to the clinic's network.
    refused = [a for a in addresses if not address_allowed(a)]
    if refused or not addresses:
        raise ValidationError(
            f"{host} points to a private or local address ({refused[0] if refused else '-'}); "
            "webhooks go to public HTTPS addresses only."
        )
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
