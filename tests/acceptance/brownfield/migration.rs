//! The migration guide's steps, tested on entities shaped as decK leaves them.

use serde_json::json;

use super::{edit_generated, generate_config, has_ownership_tag, only_plugin};
use crate::harness::Kong;

#[test]
fn entities_left_by_deck_are_adopted_and_its_select_tag_dropped_as_the_guide_says() {
    let kong = Kong::start();
    // decK (`_info.select_tags: [team-a]`) tags every entity it syncs, names them, and puts
    // plugins on the service.
    kong.send(
        "POST",
        "/services",
        json!({"name": "orders", "url": "http://orders.internal:8080/", "tags": ["team-a"]}),
    );
    kong.send(
        "POST",
        "/services/orders/routes",
        json!({"name": "orders", "paths": ["/orders"], "tags": ["team-a"]}),
    );
    let limit = kong.send(
        "POST",
        "/services/orders/plugins",
        json!({"name": "rate-limiting", "config": {"minute": 60}, "tags": ["team-a"]}),
    );

    let ws = kong.workspace();
    ws.write("import {\n  to = dispatch_api.orders\n  id = \"orders\"\n}\n");
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        generated.contains("tags                       = [\"team-a\"]"),
        "{generated}"
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);

    // The guide: drop decK's select tag so that decK no longer selects them, then apply.
    edit_generated(
        &ws,
        "tags                       = [\"team-a\"]",
        "tags                       = null",
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
    for path in ["/services/orders", "/routes/orders"] {
        let entity = kong.get(path);
        assert!(has_ownership_tag(&entity), "{entity}");
        assert!(!entity["tags"].to_string().contains("team-a"), "{entity}");
    }
    let written = only_plugin(&kong, "rate-limiting");
    assert_eq!(written["id"], limit["id"]);
    assert!(has_ownership_tag(&written), "{written}");
    assert!(!written["tags"].to_string().contains("team-a"), "{written}");
}
