//! Settings of an adopted plugin that `dispatch_api` does not declare are kept by every write and
//! named at the import and at every plan, secrets by name only.

use serde_json::json;

use super::{edit_generated, generate_config, legacy_service, only_plugin, IMPORT_LEGACY};
use crate::harness::Kong;

const REDIS_PASSWORD: &str = "hunter2-redis-secret";

#[track_caller]
fn assert_names_the_kept_settings(output: &str, plugin_id: &str) {
    let expected = format!(
        "plugin `rate-limiting` (id {plugin_id}) on the API's service: settings dispatch_api does not declare, not Kong's defaults: hide_client_headers = true, policy = \"redis\", redis.host = \"redis.internal\", redis.password (value not shown). Terraform apply keeps them as they are"
    );
    assert!(output.contains(&expected), "{expected}\nin:\n{output}");
    assert_eq!(
        output
            .matches("Warning: Kong entities outside the declaration")
            .count(),
        1,
        "one warning for the API: {output}"
    );
    assert!(!output.contains(REDIS_PASSWORD), "{output}");
}

#[test]
fn unmodelled_settings_of_an_adopted_plugin_are_named_and_kept() {
    let kong = Kong::start();
    legacy_service(&kong);
    let limit = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "rate-limiting",
               "config": {"minute": 100, "policy": "redis", "hide_client_headers": true,
                          "redis": {"host": "redis.internal", "password": REDIS_PASSWORD}}}),
    );
    let id = limit["id"].as_str().expect("id");

    let ws = kong.workspace();
    ws.write(IMPORT_LEGACY);
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert_names_the_kept_settings(&plan, id);
    assert!(!generated.contains(REDIS_PASSWORD), "{generated}");

    ws.apply().success();
    let after_import = ws.plan();
    assert_eq!(after_import.code, 0, "{}", after_import.output());
    assert_names_the_kept_settings(&after_import.output(), id);

    edit_generated(&ws, "per_minute  = 100", "per_minute  = 200");
    let applied = ws.apply().success();
    assert!(!applied.output().contains(REDIS_PASSWORD));
    let written = only_plugin(&kong, "rate-limiting");
    assert_eq!(written["id"], limit["id"]);
    assert_eq!(written["config"]["minute"], 200);
    assert_eq!(written["config"]["policy"], "redis", "{written}");
    assert_eq!(written["config"]["redis"]["host"], "redis.internal");
    assert_eq!(written["config"]["redis"]["password"], REDIS_PASSWORD);
    assert_eq!(written["config"]["hide_client_headers"], true);

    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());
    assert_names_the_kept_settings(&replan.output(), id);
}
