//! Node information: `GET /` (K:api/routes/kong.lua), `GET /status`
//! (K:api/routes/health.lua) and `GET /plugins/enabled`.

use super::App;
use crate::Edition;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;

/// The version string of an edition, which `GET /` reports unless the sandbox was started with
/// another (`SandboxConfig::version`).
pub fn version(edition: Edition) -> &'static str {
    match edition {
        Edition::Community => "3.9.3",
        Edition::Enterprise => "3.10.0.1",
    }
}

/// `GET /`
pub fn root(app: &App) -> Value {
    let ver = app.version.as_str();
    let mut available = Map::new();
    for (name, prio) in &app.schemas.plugins {
        available.insert(
            name.to_string(),
            json!({ "version": ver, "priority": prio }),
        );
    }
    let names: Vec<&str> = app.schemas.plugins.iter().map(|(n, _)| *n).collect();
    let enterprise = app.edition == Edition::Enterprise;
    json!({
        "tagline": "Welcome to kong",
        "version": ver,
        "edition": if enterprise { "enterprise" } else { "community" },
        "hostname": "kong-sandbox",
        "node_id": app.node_id,
        "lua_version": "LuaJIT 2.1.0-20231117",
        "timers": { "running": 0, "pending": 1 },
        "plugins": {
            "available_on_server": available,
            "enabled_in_cluster": [],
        },
        "configuration": {
            "database": "postgres",
            "role": "traditional",
            "router_flavor": "traditional_compatible",
            "admin_listen": ["127.0.0.1:8001"],
            "proxy_listen": ["0.0.0.0:8000", "0.0.0.0:8443 ssl"],
            "loaded_plugins": names.iter().map(|n| (n.to_string(), Value::Bool(true))).collect::<Map<String, Value>>(),
            "plugins": names,
            "enforce_rbac": if enterprise && app.admin_token.is_some() { "on" } else { "off" },
            "pg_password": "******",
        },
        "pids": { "master": 1, "workers": [2, 3] },
    })
}

/// `GET /status`
pub fn status(app: &App) -> Value {
    let total = app.total_requests.load(Ordering::Relaxed);
    json!({
        "database": { "reachable": true },
        "memory": {
            "workers_lua_vms": [{ "pid": 2, "http_allocated_gc": "40.00 MiB" }],
            "lua_shared_dicts": { "kong": { "allocated_slabs": "0.04 MiB", "capacity": "5.00 MiB" } },
        },
        "server": {
            "total_requests": total,
            "connections_active": 1,
            "connections_accepted": total,
            "connections_handled": total,
            "connections_reading": 0,
            "connections_writing": 1,
            "connections_waiting": 0,
        },
    })
}

/// `GET /plugins/enabled`
pub fn enabled(app: &App) -> Value {
    let names: Vec<&str> = app.schemas.plugins.iter().map(|(n, _)| *n).collect();
    json!({ "enabled_plugins": names })
}
