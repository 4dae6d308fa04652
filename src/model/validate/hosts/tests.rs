use super::*;

#[test]
fn ipv6_follows_kongs_parser_not_the_rfc() {
    for good in [
        "::",
        "::1",
        "1::",
        "fe80::1",
        "FE80::A:b",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        // `::` standing for no group at all: Kong fills in none and finds eight.
        "1::2:3:4:5:6:7:8",
        "0001:0002::0003",
        "[::1]",
        "[::1]:8000",
        "[::1]:0080",
    ] {
        assert!(route_host(good).is_ok(), "{good}: {:?}", route_host(good));
    }
    for bad in [
        "::ffff:10.0.0.1",
        "[::ffff:10.0.0.1]:80",
        "64:ff9b::1.2.3.4",
        ":::1",
        "1::2::3",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9",
        "12345::1",
        "fe80::1%eth0",
        "g::1",
        "[::1]:",
        "[::1]x",
        "[::1]:99999",
        "[[::1]]",
        "[::1",
        "a:b:c",
    ] {
        assert!(route_host(bad).is_err(), "{bad}");
    }
}

#[test]
fn digits_and_dots_are_an_ipv4_address_and_anything_else_a_name() {
    for good in [
        "10.0.0.1",
        "010.000.000.001",
        "255.255.255.255:65535",
        "1.2.3.4:0",
    ] {
        assert!(route_host(good).is_ok(), "{good}");
    }
    for bad in [
        "1.2.3",
        "1.2.3.4.",
        "256.1.1.1",
        "1.2.3.4:",
        "1.2.3.4:70000",
        "123",
        ":80",
        "1234.1.1.1",
    ] {
        assert!(route_host(bad).is_err(), "{bad}");
    }
    for name in [
        "worker.01",
        "1.2.3.a",
        "a.1",
        "-lead.example",
        "_srv.example",
        "EXAMPLE.com.",
    ] {
        assert!(route_host(name).is_ok(), "{name}");
        assert_eq!(host(name), Ok(HostKind::Name), "{name}");
    }
    assert_eq!(host("1.2.3.4"), Ok(HostKind::Ipv4));
    assert_eq!(host("::1"), Ok(HostKind::Ipv6));
}

#[test]
fn a_service_host_has_no_port() {
    assert!(host("example.com:80")
        .expect_err("port")
        .contains("has a port"));
    assert!(host("example.com:99999")
        .expect_err("port")
        .contains("has a port"));
    assert!(host("[::1]:80").expect_err("port").contains("has a port"));
    assert!(host("[::1]").is_ok());
    assert!(host("bücher.de").expect_err("IDN").contains("punycode"));
    assert!(host("xn--bcher-kva.de").is_ok());
    assert!(host(&"a".repeat(300)).is_ok(), "Kong sets no length limit");
}

#[test]
fn route_host_wildcards_are_whole_edge_labels() {
    for good in [
        "*.example.com",
        "example.*",
        "*.example.com:8000",
        "*.",
        "*.1.2.3",
        "1.2.3.*",
    ] {
        assert!(route_host(good).is_ok(), "{good}: {:?}", route_host(good));
    }
    for bad in [
        "*",
        "*example.com",
        "example*",
        ".*",
        "example.*:8000",
        "*.*",
        "a.*.b",
    ] {
        assert!(route_host(bad).is_err(), "{bad}");
    }
}

#[test]
fn sni_names_are_names_without_port() {
    let why = |name: &str| sni_name(name).expect_err(name);
    assert!(why("::ffff:10.0.0.1").contains("IP address"));
    assert!(why("1.2.3").contains("IP address"));
    assert!(
        why("*example.com").contains("wrong place"),
        "stricter on purpose"
    );
    assert!(sni_name("worker.01").is_ok());
    assert!(
        sni_name("*.1.2.3.4").is_ok(),
        "a name once the wildcard is a label"
    );
}
