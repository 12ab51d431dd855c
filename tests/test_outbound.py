"""The SSRF guard of outbound requests (providers/outbound.py), against a real local server."""

import ipaddress

import pytest
import requests
from conftest import free_port
from receivers import Receiver, Reply, fake_dns

from providers import outbound


@pytest.fixture
def receiver():
    with Receiver() as found:
        yield found


@pytest.fixture
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]


REFUSED = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.10", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "not a public address"),
    ("168.63.129.16", "metadata"),  # Azure's wire server
    # IPv6 forms that carry a refused IPv4 address.
    ("2002:7f00:1::", "loopback"),  # 6to4
    ("2002:a9fe:a9fe::", "metadata"),
    ("2002:a00:1::", "private"),
    ("64:ff9b::7f00:1", "loopback"),  # NAT64
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("::ffff:169.254.169.254", "metadata"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo itself
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_it_refuses_addresses_that_are_not_public(settings, address, reason):
    settings.OUTBOUND_ALLOW = []
    assert reason in outbound.refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2002:808:808::",  # 6to4 of a public address
        "64:ff9b::808:808",  # NAT64 of a public address: how IPv6-only networks reach IPv4
    ],
)
def test_it_lets_public_addresses_through(settings, address):
    settings.OUTBOUND_ALLOW = []
    assert outbound.refusal(ipaddress.ip_address(address)) == ""


def test_the_allow_list_opens_only_its_networks(loopback_allowed):
    assert outbound.refusal(ipaddress.ip_address("127.0.0.1")) == ""
    assert outbound.refusal(ipaddress.ip_address("::ffff:127.0.0.2")) == ""
    assert outbound.refusal(ipaddress.ip_address("::1"))  # IPv6 loopback is not in 127/8
    assert outbound.refusal(ipaddress.ip_address("10.0.0.1"))
    assert outbound.refusal(ipaddress.ip_address("169.254.169.254"))


def test_the_allow_list_opens_what_embeds_its_networks(loopback_allowed):
    assert outbound.refusal(ipaddress.ip_address("64:ff9b::7f00:1")) == ""
    assert outbound.refusal(ipaddress.ip_address("2002:a9fe:a9fe::"))


def test_named_hosts_may_be_allowed_with_or_without_a_port(settings, receiver):
    settings.OUTBOUND_ALLOW = []
    settings.OUTBOUND_ALLOW_HOSTS = ["LocalHost.", f"127.0.0.1:{receiver.port + 1}"]
    assert outbound.request("GET", f"http://localhost:{receiver.port}/").status == 200
    with pytest.raises(outbound.Refused, match="loopback"):
        outbound.request("GET", receiver.url)  # 127.0.0.1 only on another port
    settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{receiver.port}"]
    assert outbound.request("GET", receiver.url).status == 200
    assert [r.path for r in receiver.received] == ["/", "/"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("smtp.internal", ("smtp.internal", None)),
        ("erp.local:8443", ("erp.local", 8443)),
        ("[::1]:25", ("::1", 25)),
        ("fd00::25", ("fd00::25", None)),
        ("Mail.Example.", ("mail.example", None)),
    ],
)
def test_allowed_hosts_are_names_with_an_optional_port(entry, expected):
    assert outbound._hosts((entry,)) == [expected]


def test_a_refusal_reads_the_same_whether_the_port_is_open_or_not(settings, receiver):
    settings.OUTBOUND_ALLOW = []
    messages = set()
    for port in (receiver.port, free_port()):
        with pytest.raises(outbound.Refused) as refused:
            outbound.connect("127.0.0.1", port, timeout=1)
        messages.add(str(refused.value))
    assert len(messages) == 1 and str(receiver.port) not in messages.pop()


def test_a_request_to_loopback_is_refused_unless_allowed(settings, receiver):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(outbound.Refused, match="loopback"):
        outbound.request("GET", receiver.url)
    assert receiver.received == []
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    assert outbound.request("GET", receiver.url + "/ping").status == 200
    assert receiver.received[0].path == "/ping"


def test_a_name_is_resolved_and_checked_too(settings, receiver):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(outbound.Refused, match="localhost is a loopback address"):
        outbound.request("GET", f"http://localhost:{receiver.port}/")


def test_only_http_urls_are_requested():
    for url in ("file:///etc/passwd", "gopher://example.com/", "http:///nohost", "example.com"):
        with pytest.raises(outbound.Refused, match="not an http"):
            outbound.request("GET", url)


def test_a_redirect_to_a_refused_address_is_not_followed(settings, receiver):
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with Receiver("127.0.0.2") as inner:
        receiver.reply(Reply(302, headers={"Location": inner.url + "/secret"}))
        with pytest.raises(outbound.Refused, match="127.0.0.2"):
            outbound.request("GET", receiver.url)
        assert inner.received == []


def test_a_redirect_to_an_allowed_address_is_followed(loopback_allowed, receiver):
    with Receiver("127.0.0.2") as inner:
        receiver.reply(Reply(307, headers={"Location": inner.url + "/moved"}))
        answer = outbound.request("POST", receiver.url, data=b"x")
    assert answer.status == 200
    assert [r.path for r in inner.received] == ["/moved"]


def test_redirect_loops_end(loopback_allowed, receiver):
    receiver.reply(*[Reply(302, headers={"Location": "/again"}) for _ in range(10)])
    with pytest.raises(requests.TooManyRedirects):
        outbound.request("GET", receiver.url)


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch, settings, receiver):
    """DNS rebinding: a second lookup would answer a private address; there is none."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]
    looked_up = fake_dns(monkeypatch, {"erp.test": [["127.0.0.1"], ["10.0.0.1"]]})
    answer = outbound.request("GET", f"http://erp.test:{receiver.port}/x")
    assert answer.status == 200
    assert looked_up == ["erp.test"]
    assert receiver.received[0].headers["Host"] == f"erp.test:{receiver.port}"


def test_of_several_addresses_the_first_allowed_one_is_used(monkeypatch, settings, receiver):
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]
    fake_dns(monkeypatch, {"mixed.test": [["10.0.0.1", "127.0.0.1"]]})
    assert outbound.request("GET", f"http://mixed.test:{receiver.port}/").status == 200
    fake_dns(monkeypatch, {"private.test": [["10.0.0.1", "192.168.0.1"]]})
    with pytest.raises(outbound.Refused, match="private.test"):
        outbound.request("GET", f"http://private.test:{receiver.port}/")


def test_proxies_from_the_environment_are_ignored(monkeypatch, loopback_allowed, receiver):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert outbound.request("GET", receiver.url).status == 200


def test_a_slow_answer_is_a_timeout(monkeypatch, loopback_allowed, receiver):
    receiver.reply(Reply(delay=1.0))
    with pytest.raises(requests.Timeout):
        outbound.request("GET", receiver.url, timeout=(1, 0.2))


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ({"retry_in": 42}, {}, 42.0),
        ({"retry_in": 42}, {"Retry-After": "7"}, 42.0),
        ({}, {"Retry-After": "7"}, 7.0),
        ({}, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"retry_in": "soon"}, {}, None),
        (b"not json", {}, None),
    ],
)
def test_retry_in_comes_from_the_answer(body, headers, expected):
    data = body if isinstance(body, bytes) else outbound.json.dumps(body).encode()
    answer = outbound.Answer(503, requests.structures.CaseInsensitiveDict(headers), data)
    assert outbound.retry_in(answer) == expected
