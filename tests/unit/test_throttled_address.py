"""Failed authentications are counted per IPv4 address and per IPv6 /64."""

from services.api.access import throttled_address


def test_ipv6_addresses_of_one_slash_64_count_together() -> None:
    assert throttled_address("2001:db8:1:2::1") == throttled_address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert throttled_address("2001:db8:1:3::1") != throttled_address("2001:db8:1:2::1")


def test_ipv4_addresses_count_alone() -> None:
    assert throttled_address("192.0.2.7") == "192.0.2.7" != throttled_address("192.0.2.8")
    assert throttled_address("testclient") == "testclient"
