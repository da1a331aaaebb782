"""The SSRF guard: which addresses a webhook may reach, and the address it connects to."""

from __future__ import annotations

import ipaddress

import pytest

from app.services.webhooks import ssrf
from tests.helpers import set_config


@pytest.fixture
def config(app, app_ctx, monkeypatch):
    """The app's config, changeable for one test."""
    return lambda key, value: set_config(monkeypatch, app, key, value)


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
    ("172.31.255.1", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("fc00::1", "private"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("100.64.0.1", "not a public"), ("198.18.0.1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a00:1", "private"), ("2002:c0a8:0101::", "private"),
    ("fec0::1", "site-local"), ("feff:ffff::1", "site-local"),
])
def test_non_public_addresses_are_refused_with_a_reason(address, reason):
    found = ssrf.forbidden_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700::1111",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert ssrf.forbidden_reason(ipaddress.ip_address(address)) is None


def test_every_resolved_address_is_checked(config):
    """`localhost` is a name: it is resolved and its loopback address refused."""
    with pytest.raises(ssrf.UnsafeUrl) as refused:
        ssrf.check_url("https://localhost:8443/hook")
    assert "loopback" in refused.value.reason and "127.0.0.1" not in str(refused.value)


def test_the_allow_list_admits_its_networks_only(config):
    config("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8, 10.9.0.0/16")
    assert ssrf.check_url("https://localhost/hook").addresses == ("127.0.0.1",)
    assert ssrf.check_url("https://10.9.1.1/hook").addresses == ("10.9.1.1",)
    with pytest.raises(ssrf.UnsafeUrl) as private:
        ssrf.check_url("https://10.8.1.1/hook")
    assert "private" in private.value.reason
    with pytest.raises(ssrf.UnsafeUrl) as link_local:
        ssrf.check_url("https://169.254.169.254/latest/meta-data/")
    assert "link-local" in link_local.value.reason


def test_plain_http_only_when_the_setting_allows_it(config):
    with pytest.raises(ssrf.UnsafeUrl, match="https"):
        ssrf.check_url("http://93.184.215.14/hook")
    config("WEBHOOK_ALLOW_HTTP", True)
    assert ssrf.check_url("http://93.184.215.14/hook").host == "93.184.215.14"


def test_credentials_in_the_url_are_refused(config):
    with pytest.raises(ssrf.UnsafeUrl, match="user name or password"):
        ssrf.check_url("https://me:secret@93.184.215.14/hook")


def test_an_unresolvable_host_is_refused(config):
    with pytest.raises(ssrf.UnsafeUrl, match=ssrf.NOT_PUBLIC) as refused:
        ssrf.check_url("https://nothing-here.invalid/hook")
    assert "does not resolve" in refused.value.reason


def test_only_the_configured_ports_are_allowed(config):
    with pytest.raises(ssrf.UnsafeUrl, match="port 443 or 8443"):
        ssrf.check_url("https://93.184.215.14:22/hook")
    assert ssrf.check_url("https://93.184.215.14:8443/hook").addresses == ("93.184.215.14",)
    config("WEBHOOK_ALLOWED_PORTS", "*")
    assert ssrf.check_url("https://93.184.215.14:22/hook").addresses == ("93.184.215.14",)


@pytest.mark.parametrize("url", ["https://xn--zz.example/hook", "https://xn--a.example/",
                                 "https://xn--ls8h.example/"])
def test_an_invalid_idna_host_is_an_invalid_url(config, url):
    with pytest.raises(ssrf.UnsafeUrl, match="is not a valid URL"):
        ssrf.check_url(url)


def test_the_request_goes_to_the_checked_address_under_the_original_name(config):
    config("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    target = ssrf.check_url("https://localhost:8443/hooks/a?b=1")
    url, headers, extensions = ssrf.pinned(target)
    assert str(url) == "https://127.0.0.1:8443/hooks/a?b=1"
    assert headers == {"Host": "localhost:8443"}
    assert extensions == {"sni_hostname": "localhost"}


def test_an_ipv6_address_is_pinned_in_brackets(config):
    target = ssrf.check_url("https://[2606:4700::1111]/hook")
    url, headers, _ = ssrf.pinned(target)
    assert str(url) == "https://[2606:4700::1111]/hook"
    assert headers == {"Host": "[2606:4700::1111]"}
