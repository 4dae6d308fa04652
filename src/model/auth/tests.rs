use super::*;
use crate::kong::{ForeignKey, Plugin, PluginFields};
use crate::model::issuer;
use crate::model::Severity;
use serde_json::json;

fn naming(org: Option<&str>) -> Naming {
    Naming::new(org.map(str::to_string))
}

fn oidc(issuer: &str, mechanism: Mechanism) -> Oidc {
    Oidc {
        issuer: issuer.into(),
        audiences: vec!["api://shop".into()],
        jwks_url: None,
        mechanism,
        signing_key_ids: vec![],
    }
}

const TAGS: [&str; 1] = ["managed-by:terraform-provider-dispatch"];

fn tags() -> Vec<String> {
    TAGS.iter().map(|t| t.to_string()).collect()
}

/// Plays Kong: the plugins it answers after storing `fields`, with its defaults filled in.
fn stored(fields: &[PluginFields]) -> Vec<Plugin> {
    fields
        .iter()
        .map(|f| {
            let mut config = f.config.clone();
            let defaults = match f.name.as_str() {
                BASIC_AUTH_PLUGIN => json!({"anonymous": null, "realm": "service", "hide_credentials": false}),
                ACL_PLUGIN => json!({"deny": null, "hide_groups_header": false}),
                JWT_PLUGIN => json!({"anonymous": null, "secret_is_base64": false, "run_on_preflight": true, "maximum_expiration": 0}),
                _ => json!({"scopes": ["openid"], "verify_signature": true}),
            };
            for (key, value) in defaults.as_object().expect("object") {
                if config.get(key).is_none() {
                    config[key] = value.clone();
                }
            }
            Plugin {
                id: format!("{}-id", f.name),
                name: f.name.clone(),
                service: f.service.clone(),
                route: None,
                consumer: None,
                config,
                enabled: f.enabled,
                tags: Some(f.tags.clone()),
            }
        })
        .collect()
}

fn names(plugins: &[PluginFields]) -> Vec<&str> {
    plugins.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn public_needs_no_plugin() {
    assert!(plugins(&Authentication::Public, &naming(None), "s", &tags()).is_empty());
    assert!(!involves_plugins(&Authentication::Public));
}

#[test]
fn basic_hides_credentials_and_allows_the_organizations_groups() {
    let auth = Authentication::Basic {
        allowed_groups: vec!["admins".into(), "staff".into()],
    };
    let plugins = plugins(&auth, &naming(Some("shop")), "s", &tags());
    assert_eq!(
        names(&plugins),
        vec![ACL_PLUGIN, BASIC_AUTH_PLUGIN],
        "acl first"
    );
    assert_eq!(
        plugins[0].config,
        json!({"allow": ["shop.admins", "shop.staff"]})
    );
    assert_eq!(plugins[1].config, json!({"hide_credentials": true}));
    assert_eq!(plugins[1].service, Some(ForeignKey::new("s")));

    let any_user = Authentication::Basic {
        allowed_groups: vec![],
    };
    assert_eq!(
        names(&super::plugins(&any_user, &naming(None), "s", &tags())),
        vec![BASIC_AUTH_PLUGIN]
    );
}

#[test]
fn oidc_on_open_source_is_jwt_by_kid_restricted_to_the_issuer() {
    let auth = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let plugins = plugins(&auth, &naming(Some("shop")), "s", &tags());
    assert_eq!(names(&plugins), vec![ACL_PLUGIN, JWT_PLUGIN]);
    assert_eq!(
        plugins[0].config,
        json!({"allow": ["dispatch-oidc:https://idp.example.com"]}),
        "the issuer's group is not prefixed: its consumer is shared by organizations"
    );
    assert_eq!(plugins[1].config["key_claim_name"], "kid");
    assert_eq!(plugins[1].config["claims_to_verify"], json!(["exp"]));
    assert_eq!(plugins[1].config["uri_param_names"], json!([]));
    let issuer_tag = issuer::issuer_tag("https://idp.example.com");
    assert!(plugins.iter().all(|p| p.tags.contains(&issuer_tag)));
}

#[test]
fn oidc_on_enterprise_is_openid_connect_with_audiences() {
    let mut settings = oidc("https://idp.example.com", Mechanism::OpenIdConnect);
    settings.jwks_url = Some("https://idp.example.com/keys".into());
    let plugins = plugins(&Authentication::Oidc(settings), &naming(None), "s", &tags());
    assert_eq!(names(&plugins), vec![OPENID_CONNECT_PLUGIN]);
    assert_eq!(
        plugins[0].config,
        json!({
            "issuer": "https://idp.example.com",
            "auth_methods": ["bearer"],
            "bearer_token_param_type": ["header"],
            "audience_required": ["api://shop"],
            "extra_jwks_uris": ["https://idp.example.com/keys"],
        })
    );
}

#[test]
fn every_mode_reads_back_as_declared() {
    let cases = [
        Authentication::Public,
        Authentication::Basic {
            allowed_groups: vec![],
        },
        Authentication::Basic {
            allowed_groups: vec!["admins".into(), "staff".into()],
        },
        Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt)),
        Authentication::Oidc(oidc("https://idp.example.com", Mechanism::OpenIdConnect)),
    ];
    for org in [None, Some("shop")] {
        let naming = naming(org);
        for auth in &cases {
            let kong = stored(&plugins(auth, &naming, "s", &tags()));
            assert_eq!(
                &read_back(&kong, Some(auth), &naming),
                auth,
                "{org:?} {auth:?}"
            );
        }
    }
}

#[test]
fn import_recovers_what_kong_holds() {
    let naming = naming(Some("shop"));
    let basic = Authentication::Basic {
        allowed_groups: vec!["admins".into()],
    };
    let kong = stored(&plugins(&basic, &naming, "s", &tags()));
    assert_eq!(read_back(&kong, None, &naming), basic);

    let jwt = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    let Authentication::Oidc(imported) = read_back(&kong, None, &naming) else {
        panic!("oidc expected");
    };
    assert_eq!(imported.issuer, "https://idp.example.com");
    assert!(
        imported.audiences.is_empty(),
        "open-source Kong does not hold audiences"
    );
}

#[test]
fn a_plugin_weakened_in_kong_counts_as_absent() {
    let naming = naming(None);
    let basic = Authentication::Basic {
        allowed_groups: vec!["admins".into()],
    };
    let mut kong = stored(&plugins(&basic, &naming, "s", &tags()));
    kong[1].config["hide_credentials"] = json!(false);
    assert_eq!(
        read_back(&kong, Some(&basic), &naming),
        Authentication::Public
    );

    let mut kong = stored(&plugins(&basic, &naming, "s", &tags()));
    kong[1].config["anonymous"] = json!("guest");
    assert_eq!(
        read_back(&kong, Some(&basic), &naming),
        Authentication::Public
    );

    let mut kong = stored(&plugins(&basic, &naming, "s", &tags()));
    kong.remove(0);
    assert_eq!(
        read_back(&kong, Some(&basic), &naming),
        Authentication::Basic {
            allowed_groups: vec![]
        },
        "a deleted acl shows as every user allowed"
    );

    let mut kong = stored(&plugins(&basic, &naming, "s", &tags()));
    kong[1].enabled = false;
    assert_eq!(
        read_back(&kong, Some(&basic), &naming),
        Authentication::Public
    );
}

#[test]
fn jwt_without_its_issuer_restriction_reads_back_without_issuer() {
    let naming = naming(None);
    let jwt = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong.remove(0);
    let read = read_back(&kong, Some(&jwt), &naming);
    let Authentication::Oidc(read) = read else {
        panic!("oidc expected");
    };
    assert_eq!(read.issuer, "", "tokens of any issuer would pass: drift");
    assert_eq!(Authentication::Oidc(read).jwt_issuer(), None);

    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong[1].config["key_claim_name"] = json!("iss");
    assert_eq!(
        read_back(&kong, Some(&jwt), &naming),
        Authentication::Public
    );

    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong[1].config["uri_param_names"] = json!(["jwt"]);
    assert_eq!(
        read_back(&kong, Some(&jwt), &naming),
        Authentication::Public
    );

    for headers in [json!(["x-token"]), json!(["authorization", "x-token"])] {
        let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
        kong[1].config["header_names"] = headers;
        assert_eq!(
            read_back(&kong, Some(&jwt), &naming),
            Authentication::Public,
            "tokens read from another header: drift"
        );
    }
    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong[1].config["header_names"] = json!(["Authorization"]);
    assert_eq!(
        read_back(&kong, Some(&jwt), &naming),
        jwt,
        "header names ignore case"
    );
}

#[test]
fn another_issuers_group_reads_back_as_that_issuer() {
    let naming = naming(None);
    let jwt = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong[0].config["allow"] = json!(["dispatch-oidc:https://other.example.com"]);
    let Authentication::Oidc(read) = read_back(&kong, Some(&jwt), &naming) else {
        panic!("oidc expected");
    };
    assert_eq!(read.issuer, "https://other.example.com");
    assert!(
        read.audiences.is_empty(),
        "audiences belong to the prior issuer"
    );
}

#[test]
fn openid_connect_with_other_auth_methods_has_no_issuer() {
    let naming = naming(None);
    let auth = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::OpenIdConnect));
    let mut kong = stored(&plugins(&auth, &naming, "s", &tags()));
    kong[0].config["auth_methods"] = json!(["bearer", "password"]);
    let Authentication::Oidc(read) = read_back(&kong, Some(&auth), &naming) else {
        panic!("oidc expected");
    };
    assert_eq!(read.issuer, "");
}

#[test]
fn an_import_reads_jwt_without_a_recognised_issuer_group_as_no_oidc() {
    // A jwt plugin made by hand, with the provider's settings but without the acl restricting
    // tokens to one issuer: `oidc { issuer = "" }` would be no declaration, so an import reads
    // what the rest expresses and `not_expressed` names the plugin.
    let naming = naming(None);
    let jwt = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong.remove(0);
    assert_eq!(read_back(&kong, None, &naming), Authentication::Public);
    for prior in [
        Authentication::Public,
        Authentication::Basic {
            allowed_groups: vec![],
        },
    ] {
        assert_eq!(
            read_back(&kong, Some(&prior), &naming),
            Authentication::Public,
            "{prior:?}"
        );
    }
    for allow in [
        json!(["staff"]),
        json!([
            "dispatch-oidc:https://a.example.com",
            "dispatch-oidc:https://b.example.com"
        ]),
        json!(["dispatch-oidc:not a url"]),
        json!(["dispatch-oidc:http://idp.example.com"]),
    ] {
        let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
        kong[0].config["allow"] = allow.clone();
        assert_eq!(
            read_back(&kong, None, &naming),
            Authentication::Public,
            "{allow}"
        );
    }
    // With basic-auth beside it, the API reads as what basic-auth and the acl express.
    let mut kong = stored(&plugins(&jwt, &naming, "s", &tags()));
    kong.remove(0);
    let basic = Authentication::Basic {
        allowed_groups: vec![],
    };
    kong.extend(stored(&plugins(&basic, &naming, "s", &tags())));
    assert_eq!(read_back(&kong, None, &naming), basic);
}

#[test]
fn an_import_reads_openid_connect_not_shaped_as_the_providers_as_no_oidc() {
    let naming = naming(None);
    let auth = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::OpenIdConnect));
    let cases = [
        ("auth_methods", json!(["bearer", "password"])),
        (
            "bearer_token_param_type",
            json!(["header", "query", "body"]),
        ),
        ("issuer", json!("http://idp.example.com")),
    ];
    for (field, value) in cases {
        let mut kong = stored(&plugins(&auth, &naming, "s", &tags()));
        kong[0].config[field] = value.clone();
        assert_eq!(
            read_back(&kong, None, &naming),
            Authentication::Public,
            "{field} = {value}"
        );
    }
    let kong = stored(&plugins(&auth, &naming, "s", &tags()));
    let Authentication::Oidc(read) = read_back(&kong, None, &naming) else {
        panic!("the provider's shape imports as oidc");
    };
    assert_eq!(read.issuer, "https://idp.example.com");
}

#[test]
fn openid_connect_reading_tokens_elsewhere_is_drift_without_issuer() {
    let naming = naming(None);
    let auth = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::OpenIdConnect));
    let mut kong = stored(&plugins(&auth, &naming, "s", &tags()));
    kong[0].config["bearer_token_param_type"] = json!(["header", "query"]);
    let Authentication::Oidc(read) = read_back(&kong, Some(&auth), &naming) else {
        panic!("oidc expected");
    };
    assert_eq!(read.issuer, "", "tokens from the query string: drift");
}

#[test]
fn an_acl_alone_imports_as_public() {
    let naming = naming(None);
    let basic = Authentication::Basic {
        allowed_groups: vec!["staff".into()],
    };
    let mut kong = stored(&plugins(&basic, &naming, "s", &tags()));
    kong.remove(1);
    assert_eq!(read_back(&kong, None, &naming), Authentication::Public);
}

fn draft(mode: Option<&str>) -> AuthDraft {
    AuthDraft {
        authentication: mode.map_or(Field::Null, |m| Field::Value(m.to_string())),
        basic_auth: Field::Null,
        oidc: Field::Null,
    }
}

fn oidc_draft(issuer: &str) -> Field<OidcDraft> {
    Field::Value(OidcDraft {
        issuer: Field::Value(issuer.into()),
        audiences: Field::Null,
        jwks_url: Field::Null,
    })
}

fn paths(issues: &[Issue]) -> Vec<String> {
    issues.iter().map(|i| i.path.to_string()).collect()
}

#[test]
fn blocks_must_match_the_mode() {
    assert!(check_draft(&draft(None)).is_empty());
    assert_eq!(
        paths(&check_draft(&draft(Some("kerberos")))),
        vec!["authentication"]
    );

    let basic_block = Field::Value(BasicDraft::default());
    let public_with_basic = AuthDraft {
        basic_auth: basic_block.clone(),
        ..draft(None)
    };
    assert_eq!(paths(&check_draft(&public_with_basic)), vec!["basic_auth"]);

    let basic_with_oidc = AuthDraft {
        oidc: oidc_draft("https://idp.example.com"),
        ..draft(Some("basic"))
    };
    assert_eq!(paths(&check_draft(&basic_with_oidc)), vec!["oidc"]);

    let oidc_without_block = draft(Some("oidc"));
    let issues = check_draft(&oidc_without_block);
    assert_eq!(paths(&issues), vec!["oidc"]);
    assert_eq!(issues[0].summary, "Missing OIDC issuer");

    let basic_ok = AuthDraft {
        basic_auth: basic_block,
        ..draft(Some("basic"))
    };
    assert!(check_draft(&basic_ok).is_empty());

    let unknown_mode = AuthDraft {
        basic_auth: Field::Value(BasicDraft::default()),
        ..AuthDraft {
            authentication: Field::Unknown,
            ..draft(None)
        }
    };
    assert!(
        check_draft(&unknown_mode).is_empty(),
        "decided at apply time"
    );
}

#[test]
fn the_issuer_and_jwks_url_must_be_https_except_on_loopback() {
    let ok = AuthDraft {
        oidc: oidc_draft("https://idp.example.com"),
        ..draft(Some("oidc"))
    };
    assert!(check_draft(&ok).is_empty());
    let local = AuthDraft {
        oidc: oidc_draft("http://127.0.0.1:9000"),
        ..draft(Some("oidc"))
    };
    assert!(check_draft(&local).is_empty());

    let plain = AuthDraft {
        oidc: Field::Value(OidcDraft {
            issuer: Field::Value("http://idp.example.com".into()),
            audiences: Field::Value(vec![Some("".into()), None]),
            jwks_url: Field::Value("ftp://idp.example.com/keys".into()),
        }),
        ..draft(Some("oidc"))
    };
    let issues = check_draft(&plain);
    assert_eq!(
        paths(&issues),
        vec!["oidc[0].issuer", "oidc[0].jwks_url", "oidc[0].audiences"]
    );
    assert!(issues.iter().all(|i| i.severity == Severity::Error));
    assert!(issues[0].detail.contains("must use https"));

    let missing = AuthDraft {
        oidc: Field::Value(OidcDraft::default()),
        ..draft(Some("oidc"))
    };
    assert_eq!(paths(&check_draft(&missing)), vec!["oidc[0].issuer"]);
}

#[test]
fn groups_are_checked_on_allowed_groups() {
    let bad = AuthDraft {
        basic_auth: Field::Value(BasicDraft {
            allowed_groups: Field::Value(vec![Some("ok-group".into()), Some("a,b".into())]),
        }),
        ..draft(Some("basic"))
    };
    assert_eq!(
        paths(&check_draft(&bad)),
        vec!["basic_auth[0].allowed_groups"]
    );
    assert!(group_name("team.a_b-c@x").is_ok());
    assert!(group_name("-x").is_err());
    assert!(group_name("").is_err());
    assert!(
        group_name("dispatch-oidc:https://x").is_err(),
        "issuer groups cannot be declared"
    );
}

#[test]
fn audiences_on_open_source_are_a_warning() {
    let jwt = Authentication::Oidc(oidc("https://idp.example.com", Mechanism::Jwt));
    let issues = edition_issues(&jwt);
    assert_eq!(paths(&issues), vec!["oidc[0].audiences"]);
    assert_eq!(issues[0].severity, Severity::Warning);
    let enterprise =
        Authentication::Oidc(oidc("https://idp.example.com", Mechanism::OpenIdConnect));
    assert!(edition_issues(&enterprise).is_empty());
    let mut no_audience = oidc("https://idp.example.com", Mechanism::Jwt);
    no_audience.audiences.clear();
    assert!(edition_issues(&Authentication::Oidc(no_audience)).is_empty());
}

#[test]
fn modes_and_mechanisms_parse_what_they_print() {
    for mode in AuthMode::ALL {
        assert_eq!(AuthMode::parse(mode.as_str()), Some(mode));
    }
    assert_eq!(Mechanism::parse("jwt"), Some(Mechanism::Jwt));
    assert_eq!(
        Mechanism::parse("openid-connect"),
        Some(Mechanism::OpenIdConnect)
    );
    assert_eq!(Mechanism::for_edition(true), Mechanism::OpenIdConnect);
    assert_eq!(Mechanism::for_edition(false), Mechanism::Jwt);
}
