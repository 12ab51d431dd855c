"""Connections to addresses that users choose (webhook, http.request, a workspace's SMTP
connections, its VERI*FACTU endpoints), guarded against server-side request forgery.

A workflow author or a workspace owner could otherwise point the console at its own network:
the database, Redis, the cloud's metadata service. So every connection checks the address it
is about to use: the host is resolved, loopback, private, link-local, multicast, reserved and
metadata addresses are refused unless settings.OUTBOUND_ALLOW lists their network (or
OUTBOUND_ALLOW_HOSTS names the host), and the socket connects to exactly the address that was
checked. IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, NAT64, Teredo) are
judged by that address too. A refusal is decided before any packet is sent, so its message
is the same whether something listens on the port or not. The check sits where the
connection is opened (not before the request), which gives two guarantees at once:

- a redirect opens a new connection, so it is checked like the first request;
- the name is resolved once per connection, so a DNS answer that changes between the check
  and the connection (DNS rebinding) cannot slip a private address in.

The host name itself stays in place for the Host header, TLS SNI and certificate checks.
Proxies from the environment are ignored: a proxy would make the checked address the proxy's.
"""

import ipaddress
import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from .base import Outcome, err, ko

# Refused by default. Most of these are not "global" anyway; listed so the reason is clear.
# Azure's wire server (168.63.129.16) is in public space but answers only the cloud's VMs.
METADATA = [
    ipaddress.ip_network(cidr)
    for cidr in ("169.254.169.254/32", "fd00:ec2::254/128", "168.63.129.16/32")
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the last 32 bits are v4
COMPATIBLE = ipaddress.ip_network("::/96")  # the deprecated IPv4-compatible form, ::a.b.c.d
MAX_REDIRECTS = 5
MAX_ANSWER_BYTES = 1024 * 1024  # what is kept of an answer: providers read small JSON answers
TIMEOUT = (5.0, 30.0)  # connect, read


class Refused(Exception):
    """The address may not be reached. Not an OSError on purpose: requests and urllib3 wrap
    those into connection errors (retried); a refusal must reach the provider as it is."""


@dataclass
class Answer:
    status: int
    headers: dict = field(default_factory=dict)  # case-insensitive (requests' structure)
    body: bytes = b""
    url: str = ""

    def json(self):
        """The answer's JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    method: str, url: str, *, timeout=None, max_bytes=MAX_ANSWER_BYTES, **options
) -> Answer:
    """Send one request through the guard, following up to MAX_REDIRECTS redirects; the
    answer's body is kept up to `max_bytes`.

    Raises Refused for a forbidden address or URL, and requests' exceptions for the rest
    (requests.Timeout, requests.ConnectionError, requests.TooManyRedirects)."""
    check_url(url)
    timeout = timeout or TIMEOUT
    with (
        guarded_session() as session,
        session.request(method, url, timeout=timeout, stream=True, **options) as response,
    ):
        body = _capped(response, max_bytes)
        return Answer(response.status_code, response.headers, body, response.url)


def _capped(response, max_bytes: int) -> bytes:
    """The answer's body, up to `max_bytes` (iter_content, unlike response.raw, turns a read
    timeout into requests' own exception)."""
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) >= max_bytes:
            break
    return bytes(body[:max_bytes])


FAILURES = (Refused, requests.RequestException)


def failure(exc: Exception, host: str) -> Outcome:
    """The outcome of a request that got no answer: a refused address is final, the rest is
    retried (a timeout, a lost connection), but for endless redirects."""
    if isinstance(exc, Refused):
        return ko(str(exc), "address-refused")
    if isinstance(exc, requests.TooManyRedirects):
        return ko(f"{host} redirects too many times", "too-many-redirects")
    if isinstance(exc, requests.Timeout):
        return err(f"{host} did not answer in time", "timeout")
    return err(f"{host} cannot be reached: {exc}", "unreachable")


def retry_in(answer: Answer) -> float | None:
    """When the server wants to be asked again: `retry_in` seconds of a JSON answer (as
    Invopop's webhooks honour), else its Retry-After header (seconds or an HTTP date)."""
    data = answer.json()
    wanted = data.get("retry_in") if isinstance(data, dict) else None
    if isinstance(wanted, int | float) and not isinstance(wanted, bool) and wanted >= 0:
        return float(wanted)
    header = (answer.headers.get("Retry-After") or "").strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is in GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:200]!r}")


def guarded_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies, no .netrc: see the module's docstring
    session.max_redirects = MAX_REDIRECTS
    adapter = GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def connect(host: str, port: int, timeout: float, source_address=None) -> socket.socket:
    """A TCP connection to the checked address of `host` (for protocols other than HTTP,
    such as SMTP); Refused before connecting when it may not be reached."""
    address = checked_address(host, port)
    return socket.create_connection((address, port), timeout, source_address=source_address)


def checked_address(host: str, port: int) -> str:
    """The first address of `host` that may be reached; Refused when none may."""
    reason = ""
    named = host_allowed(host, port)
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = sockaddr[0]
        reason = "" if named else refusal(ipaddress.ip_address(address))
        if not reason:
            return address
    raise Refused(f"{host} is {reason}: outbound connections may not reach it")


def host_allowed(host: str, port: int) -> bool:
    """Whether OUTBOUND_ALLOW_HOSTS names the host ("smtp.internal"), or the host and this
    port ("127.0.0.1:8790"). A name, not the addresses it resolves to: the deployment
    vouches for its own names."""
    name = _host_name(host)
    return any(
        allowed == name and allowed_port in (None, port)
        for allowed, allowed_port in _hosts(tuple(settings.OUTBOUND_ALLOW_HOSTS))
    )


@cache
def _hosts(entries: tuple) -> list[tuple[str, int | None]]:
    hosts = []
    for entry in entries:
        name, _, port = entry.strip().rpartition(":")
        if not name or not port.isdigit() or (":" in name and not name.endswith("]")):
            name, port = entry.strip(), ""  # no port, or a bare IPv6 address
        hosts.append((_host_name(name), int(port) if port else None))
    return hosts


def _host_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def refusal(ip) -> str:
    """Why the address may not be reached ("" when it may)."""
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed_networks()):
        return ""
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = refusal(inner)
        if reason:
            return f"{reason[:-1]} inside {ip})"
        if ip in NAT64:  # the translator connects to the IPv4 address, which may be reached
            return ""
    if any(ip in network for network in METADATA):
        return f"a cloud metadata address ({ip})"
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address ({ip})"
    if not ip.is_global:
        return f"not a public address ({ip})"
    return ""


def embedded_ipv4(ip):
    """The IPv4 address that an IPv6 address carries and may end up reaching, or None:
    IPv4-compatible (::a.b.c.d), 6to4 (2002:aabb:ccdd::), NAT64 (64:ff9b::a.b.c.d) or
    Teredo (2001:0::, its client address)."""
    if ip.version != 6:
        return None
    if ip in NAT64 or (ip in COMPATIBLE and int(ip) > 1):  # :: and ::1 are themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def allowed_networks() -> list:
    return _networks(tuple(settings.OUTBOUND_ALLOW))


@cache
def _networks(cidrs: tuple) -> list:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


class _Guarded:
    """Connects to the checked address of the host instead of letting the socket layer
    resolve the name again (urllib3's own _new_conn, with that one change)."""

    def _new_conn(self):
        try:
            address = checked_address(self._dns_host, self.port)
            return connection.create_connection(
                (address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"connecting to {self.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"cannot connect to {self.host}: {exc}") from exc


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }
