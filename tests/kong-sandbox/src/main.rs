//! `kong-sandbox`: serves the sandbox Admin API until killed, plus a control
//! listener (plain HTTP JSON) for the request log, faults, latency, bulk seeding and a reset
//! (`POST /reset`: every entity, counter, fault and the latency dropped).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use kong_sandbox::{
    Controls, Edition, FaultAction, FaultRule, PagingFault, Reset, Sandbox, SandboxConfig, Seeder,
    TlsConfig,
};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

const USAGE: &str = "usage: kong-sandbox [--listen 127.0.0.1:8001] [--control-listen 127.0.0.1:8002] \
[--edition community|enterprise] [--kong-version V] [--admin-token T] [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]";

struct Args {
    listen: SocketAddr,
    control: SocketAddr,
    edition: Edition,
    version: Option<String>,
    token: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    ca: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8001)),
        control: SocketAddr::from(([127, 0, 0, 1], 8002)),
        edition: Edition::Community,
        version: None,
        token: None,
        cert: None,
        key: None,
        ca: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        let val = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--listen" => a.listen = val.parse().map_err(|e| format!("--listen: {e}"))?,
            "--control-listen" => {
                a.control = val.parse().map_err(|e| format!("--control-listen: {e}"))?
            }
            "--edition" => {
                a.edition = match val.as_str() {
                    "community" => Edition::Community,
                    "enterprise" => Edition::Enterprise,
                    other => return Err(format!("unknown edition {other}")),
                }
            }
            "--kong-version" if val.trim().is_empty() => {
                return Err(format!(
                    "--kong-version needs a version, such as 3.9.3\n{USAGE}"
                ))
            }
            "--kong-version" => a.version = Some(val),
            "--admin-token" => a.token = Some(val),
            "--tls-cert" => a.cert = Some(val),
            "--tls-key" => a.key = Some(val),
            "--tls-client-ca" => a.ca = Some(val),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn fault_from_json(v: &Value) -> Result<FaultRule, String> {
    let action = match v.get("action") {
        Some(Value::String(s)) if s == "reset" => FaultAction::Reset,
        Some(Value::Object(o)) => {
            if let Some(s) = o.get("status").and_then(|x| x.as_u64()) {
                FaultAction::Status {
                    status: s as u16,
                    retry_after_secs: o.get("retry_after_secs").and_then(|x| x.as_u64()),
                }
            } else if let Some(s) = o.get("status_after_apply").and_then(|x| x.as_u64()) {
                FaultAction::StatusAfterApply { status: s as u16 }
            } else if let Some(ms) = o.get("delay_ms").and_then(|x| x.as_u64()) {
                FaultAction::Delay(Duration::from_millis(ms))
            } else if o.contains_key("reset") {
                FaultAction::Reset
            } else if let Some(kind) = o.get("paging").and_then(|x| x.as_str()) {
                FaultAction::Paging(match kind {
                    "drop_offset" => PagingFault::DropOffset,
                    "fresh_offset" => PagingFault::FreshOffset,
                    "fresh_entities" => PagingFault::FreshEntities,
                    other => {
                        return Err(format!(
                        "paging: expected drop_offset, fresh_offset or fresh_entities, not {other}"
                    ))
                    }
                })
            } else if let Some(bytes) = o.get("huge_body_bytes").and_then(|x| x.as_u64()) {
                FaultAction::HugeBody {
                    bytes,
                    declared: o.get("declared").and_then(|x| x.as_bool()).unwrap_or(true),
                }
            } else {
                return Err(
                    "action: expected status, status_after_apply, delay_ms, reset, paging or huge_body_bytes".into(),
                );
            }
        }
        _ => return Err("action: expected an object or \"reset\"".into()),
    };
    Ok(FaultRule {
        method: v
            .get("method")
            .and_then(|x| x.as_str())
            .map(|s| s.to_string()),
        path_contains: v
            .get("path_contains")
            .and_then(|x| x.as_str())
            .map(|s| s.to_string()),
        skip: v.get("skip").and_then(|x| x.as_u64()).unwrap_or(0) as usize,
        times: v.get("times").and_then(|x| x.as_u64()).unwrap_or(1) as usize,
        action,
    })
}

fn reply(status: u16, v: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

async fn control(
    req: Request<hyper::body::Incoming>,
    c: Controls,
    reset: Reset,
    seeder: Seeder,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().trim_end_matches('/').to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let body = req.into_body().collect().await?.to_bytes();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok(match (method.as_str(), path.as_str()) {
        ("GET", "/requests") => {
            let recs = c.requests();
            let mut by_method = serde_json::Map::new();
            for r in &recs {
                let e = by_method.entry(r.method.clone()).or_insert(json!(0));
                *e = json!(e.as_u64().unwrap_or(0) + 1);
            }
            let mut out = json!({ "count": recs.len(), "by_method": by_method });
            if query.split('&').any(|p| p == "records=true") {
                out["records"] = recs
                    .iter()
                    .map(|r| json!({ "method": r.method, "path": r.path, "query": r.query, "status": r.status }))
                    .collect();
            }
            reply(200, out)
        }
        ("DELETE", "/requests") => {
            c.reset_requests();
            reply(200, json!({ "ok": true }))
        }
        ("POST", "/faults") => match fault_from_json(&parsed) {
            Ok(rule) => {
                c.inject(rule);
                reply(201, json!({ "ok": true }))
            }
            Err(e) => reply(400, json!({ "message": e })),
        },
        ("DELETE", "/faults") => {
            c.clear_faults();
            reply(200, json!({ "ok": true }))
        }
        ("POST", "/reset") => {
            reset.reset();
            reply(200, json!({ "ok": true }))
        }
        ("PUT", "/latency") => match parsed.get("ms").and_then(|x| x.as_u64()) {
            Some(ms) => {
                c.set_latency(Duration::from_millis(ms));
                reply(200, json!({ "ok": true }))
            }
            None => reply(400, json!({ "message": "expected {\"ms\": N}" })),
        },
        ("POST", "/seed") => match Seeder::requests_from_json(&parsed) {
            // Runs on a blocking thread: tens of thousands of writes hold the store for a while.
            Ok(requests) => match tokio::task::spawn_blocking(move || seeder.seed(&requests)).await
            {
                Ok(Ok(applied)) => reply(200, json!({ "applied": applied })),
                Ok(Err(e)) => reply(
                    400,
                    json!({ "message": e.to_string(), "index": e.index, "status": e.status, "body": e.body }),
                ),
                Err(e) => reply(500, json!({ "message": e.to_string() })),
            },
            Err(e) => reply(400, json!({ "message": e })),
        },
        _ => reply(404, json!({ "message": "Not found" })),
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let tls = match (&args.cert, &args.key) {
        (Some(c), Some(k)) => {
            let load = || -> Result<TlsConfig, String> {
                Ok(TlsConfig {
                    cert_pem: read(c)?,
                    key_pem: read(k)?,
                    client_ca_pem: match &args.ca {
                        Some(p) => Some(read(p)?),
                        None => None,
                    },
                })
            };
            match load() {
                Ok(t) => Some(t),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(2);
                }
            }
        }
        (None, None) => None,
        _ => {
            eprintln!("--tls-cert and --tls-key go together\n{USAGE}");
            std::process::exit(2);
        }
    };
    let cfg = SandboxConfig {
        edition: args.edition,
        admin_token: args.token.clone(),
        tls,
        bind: args.listen,
        version: args.version.clone(),
    };
    let sandbox = match Sandbox::spawn(cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kong-sandbox: {e}");
            std::process::exit(1);
        }
    };
    let controls = sandbox.controls();
    let resetter = sandbox.resetter();
    let seeder = sandbox.seeder();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kong-sandbox: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.control).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("kong-sandbox: control listener: {e}");
                std::process::exit(1);
            }
        };
        let control_addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        println!(
            "kong-sandbox listening on {} (control on http://{control_addr})",
            sandbox.url()
        );
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let c = controls.clone();
            let r = resetter.clone();
            let seeder = seeder.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    control(req, c.clone(), r.clone(), seeder.clone())
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
}
