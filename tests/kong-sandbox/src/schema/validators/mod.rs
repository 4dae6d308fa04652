//! Kong's custom validators (K:db/schema/typedefs.lua, K:tools/utils.lua
//! `normalize_ip`/`check_hostname`, K:tools/uri.lua `normalize`, socket.url).

mod hosts;
mod names;
mod paths;
mod urls;

pub use hosts::{
    at_most_one_wildcard, normalize_ip, validate_host, validate_host_with_wildcards,
    validate_ip_or_cidr, validate_sni, validate_wildcard_host, wildcard_at_edge_label, HostInfo,
};
pub use names::{tag_byte_ok, validate_header_name, validate_tag, validate_utf8_name};
pub use paths::{normalize_uri, pcre_check, validate_path, validate_router_path, PathErr};
pub use urls::{socket_url_parse, validate_url, ParsedUrl};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_cases() {
        assert_eq!(normalize_uri("/a/./b", true), "/a/b");
        assert_eq!(normalize_uri("/a/../b", true), "/b");
        assert_eq!(normalize_uri("/a/b/..", true), "/a/");
        assert_eq!(normalize_uri("/%41bc", true), "/Abc");
        assert_eq!(normalize_uri("/a%2fb", true), "/a%2Fb");
        assert_eq!(normalize_uri("/a/b.c", true), "/a/b.c");
        assert_eq!(normalize_uri("/..", true), "/");
    }

    #[test]
    fn url_parse() {
        let p = socket_url_parse("http://example.test:443").unwrap();
        assert_eq!(p.scheme.as_deref(), Some("http"));
        assert_eq!(p.host.as_deref(), Some("example.test"));
        assert_eq!(p.port.as_deref(), Some("443"));
        assert_eq!(p.path, None);
        let p = socket_url_parse("https://s/").unwrap();
        assert_eq!(p.path.as_deref(), Some("/"));
    }

    #[test]
    fn hosts() {
        assert!(validate_host("example.com").is_ok());
        assert_eq!(
            validate_host("example.com:80"),
            Err("must not have a port".into())
        );
        assert_eq!(
            validate_host("exa mple"),
            Err("invalid value: exa mple".into())
        );
        assert!(validate_host("10.0.0.1").is_ok());
        assert_eq!(validate_sni("10.0.0.1"), Err("must not be an IP".into()));
    }

    #[test]
    fn paths() {
        assert!(validate_path("/a%20b").is_ok());
        assert_eq!(
            validate_path("/a%2"),
            Err(PathErr::Percent("invalid url-encoded value: '%2'".into()))
        );
        assert_eq!(
            validate_router_path("/a/../b"),
            Err("non-normalized path, consider use '/b' instead".into())
        );
        assert!(validate_router_path("~/a(b").is_err());
    }
}
