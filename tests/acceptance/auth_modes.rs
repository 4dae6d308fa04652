//! Every switch between authentication modes (public, basic, oidc), with a no-change plan after
//! each, Kong holding exactly the plugins of the new mode, and the issuer's consumer gone once
//! no API uses it; and a `TF_LOG=trace` run that must not print any password or token.

use kong_sandbox::{Edition, SandboxConfig};
use serde_json::Value as Json;

use crate::harness::{needs_sandbox, Kong, Workspace};
use crate::idp::{FakeIdp, Key};

fn api(mode: &str, issuer: &str) -> String {
    let settings = match mode {
        "basic" => "  basic_auth {\n    allowed_groups = [\"staff\"]\n  }\n".to_string(),
        "oidc" => format!("  oidc {{\n    issuer = \"{issuer}\"\n  }}\n"),
        _ => String::new(),
    };
    let mode_line = if mode == "public" {
        String::new()
    } else {
        format!("  authentication = \"{mode}\"\n")
    };
    format!(
        "resource \"dispatch_api\" \"orders\" {{\n  name     = \"orders\"\n  function = \"orders-fn\"\n{mode_line}{settings}}}\n"
    )
}

fn plugin_names(kong: &Kong, ws: &Workspace) -> Vec<String> {
    let id = ws.resource("dispatch_api.orders").expect("in state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut names: Vec<String> = kong.get(&format!("/services/{id}/plugins"))["data"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|p: &Json| p["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn every_switch_between_modes_leaves_exactly_the_new_modes_plugins() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    // public→basic, basic→oidc, oidc→public, public→oidc, oidc→basic, basic→public.
    let steps: [(&str, &[&str]); 7] = [
        ("public", &[]),
        ("basic", &["acl", "basic-auth"]),
        ("oidc", &["acl", "jwt"]),
        ("public", &[]),
        ("oidc", &["acl", "jwt"]),
        ("basic", &["acl", "basic-auth"]),
        ("public", &[]),
    ];
    let mut previous = None;
    for (mode, plugins) in steps {
        ws.write(&api(mode, &idp.issuer()));
        ws.apply().success();
        let context = format!("{previous:?} → {mode}");
        assert_eq!(plugin_names(&kong, &ws), *plugins, "{context}");
        let state = ws.resource("dispatch_api.orders").expect("in state");
        assert_eq!(state["authentication"], mode, "{context}");
        let plan = ws.plan();
        assert_eq!(plan.code, 0, "{context}: {}", plan.output());
        let issuer_consumers = kong.list("consumers").len();
        assert_eq!(issuer_consumers, usize::from(mode == "oidc"), "{context}");
        assert_eq!(
            kong.list("jwts").len(),
            if mode == "oidc" { 2 } else { 0 },
            "{context}"
        );
        previous = Some(mode);
    }
}

#[test]
fn switching_issuers_moves_the_api_and_releases_the_old_issuer() {
    let first = FakeIdp::start();
    let second = FakeIdp::with_keys(vec![Key::rsa("second-rsa")]);
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api("oidc", &first.issuer()));
    ws.apply().success();
    ws.write(&api("oidc", &second.issuer()));
    ws.apply().success();
    let consumers = kong.list("consumers");
    assert_eq!(consumers.len(), 1, "the first issuer's consumer is gone");
    assert_eq!(
        consumers[0]["username"],
        format!("dispatch-oidc:{}", second.issuer())
    );
    let keys: Vec<String> = kong
        .list("jwts")
        .iter()
        .map(|s| s["key"].as_str().expect("key").to_string())
        .collect();
    assert_eq!(keys, vec!["second-rsa"]);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_key_id_held_by_another_consumer_is_refused_and_nothing_is_left() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let other = kong.send(
        "POST",
        "/consumers",
        serde_json::json!({"username": "legacy-app"}),
    );
    kong.send(
        "POST",
        &format!("/consumers/{}/jwt", other["id"].as_str().expect("id")),
        serde_json::json!({"key": "rsa-1", "algorithm": "HS256", "secret": "s"}),
    );
    let ws = kong.workspace();
    ws.write(&api("oidc", &idp.issuer()));
    let output = ws.apply().failure().output();
    assert!(
        output.contains("OIDC key id already used in Kong"),
        "{output}"
    );
    assert!(output.contains("`rsa-1`"), "{output}");
    assert!(kong.list("services").is_empty());
    assert_eq!(
        kong.list("consumers").len(),
        1,
        "only the unmanaged consumer remains"
    );
    assert_eq!(kong.list("jwts").len(), 1);
}

#[test]
fn a_trace_log_holds_no_password_or_token() {
    if needs_sandbox("an Enterprise sandbox with an admin token") {
        return;
    }
    let idp = FakeIdp::start();
    let token = "admin-token-5f1c9e";
    let kong = Kong::with(SandboxConfig {
        edition: Edition::Enterprise,
        admin_token: Some(token.into()),
        ..SandboxConfig::default()
    });
    let ws = kong.workspace();
    let password = "p4ssw0rd-that-must-not-leak";
    let body = format!(
        "{}\n{}\nresource \"dispatch_basic_auth_user\" \"alice\" {{\n  username = \"alice\"\n  password = \"{password}\"\n  groups   = [\"staff\"]\n}}\n",
        api("basic", &idp.issuer()),
        api("oidc", &idp.issuer()).replace("\"orders\"", "\"tokens\"")
    );
    ws.write_with_provider(&format!("  kong_admin_token = \"{token}\""), &body);
    let env = [("TF_LOG", "trace")];
    let apply = ws.run_with_env(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &env,
    );
    assert_eq!(apply.code, 0, "{}", apply.output());
    let user_id = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let hash = kong
        .call("GET", &format!("/consumers/{user_id}/basic-auth"), None)
        .1["data"][0]["password"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let plan = ws.run_with_env(&["plan", "-input=false", "-no-color"], &env);
    let destroy = ws.run_with_env(
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
        &env,
    );
    assert_eq!(destroy.code, 0, "{}", destroy.output());
    for run in [&apply, &plan, &destroy] {
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.len() > 10_000, "a trace log was written");
        assert!(!all.contains(password), "the password leaked");
        assert!(!all.contains(token), "the admin token leaked");
        assert!(
            hash.is_empty() || !all.contains(&hash),
            "the password hash leaked"
        );
    }
    assert!(
        apply.stderr.contains("kong_request"),
        "the provider's own spans are in the log"
    );
}

#[test]
fn a_failed_switch_of_issuer_keeps_the_old_one_and_leaves_nothing_of_the_new() {
    let first = FakeIdp::start();
    let second = FakeIdp::with_keys(vec![Key::ec("a-second-ec"), Key::rsa("taken")]);
    let kong = Kong::start();
    let legacy = kong.send(
        "POST",
        "/consumers",
        serde_json::json!({"username": "legacy-app"}),
    );
    kong.send(
        "POST",
        &format!("/consumers/{}/jwt", legacy["id"].as_str().expect("id")),
        serde_json::json!({"key": "taken", "algorithm": "HS256", "secret": "s"}),
    );
    let ws = kong.workspace();
    ws.write(&api("oidc", &first.issuer()));
    ws.apply().success();

    ws.write(&api("oidc", &second.issuer()));
    let output = ws.apply().failure().output();
    assert!(
        output.contains("OIDC key id already used in Kong"),
        "{output}"
    );
    let mut usernames: Vec<String> = kong
        .list("consumers")
        .iter()
        .map(|c| c["username"].as_str().expect("username").to_string())
        .collect();
    usernames.sort();
    assert_eq!(
        usernames,
        vec![
            format!("dispatch-oidc:{}", first.issuer()),
            "legacy-app".to_string()
        ],
        "the new issuer's half-written consumer is gone"
    );
    let state = ws.resource("dispatch_api.orders").expect("in state");
    assert_eq!(state["oidc"][0]["issuer"], first.issuer());
    assert_eq!(plugin_names(&kong, &ws), vec!["acl", "jwt"]);
    ws.write(&api("oidc", &first.issuer()));
    assert_eq!(ws.plan().code, 0);
}
