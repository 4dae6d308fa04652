//! A `tracing` layer that writes each event as one JSON object on one line, the way go-plugin
//! reads a plugin's stderr (hashicorp/go-plugin `log_entry.go`, `parseJSON`, and `client.go`,
//! `logStderr`): `@message` and `@level` are strings, `@timestamp` is parsed with the layout
//! `2006-01-02T15:04:05.000000Z07:00` (exactly six fractional digits, or the line is not read
//! as JSON at all), and every other key becomes a field of the line in Terraform's log. A line
//! longer than go-plugin's buffer (64 KiB, `PluginLogBufferSize`) would be cut into raw pieces
//! logged at debug, so long values are shortened.
//!
//! `@module` follows terraform-plugin-log's naming: the provider's name (`dispatch`), then the
//! part of the provider the line comes from (`dispatch.kong`, `dispatch.apply`, ...).

use std::io::Write;

use serde_json::{Map, Value};
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::{OWN_CRATE, TRANSPORT_CRATES};

/// The provider's name in `@module`.
const MODULE: &str = "dispatch";

/// The longest value written in a line, in bytes; with the rest of a line it stays well under
/// go-plugin's 64 KiB.
pub const MAX_VALUE_BYTES: usize = 32 * 1024;

/// Writes events as go-plugin JSON lines to what `make_writer` gives.
pub struct JsonLayer<W> {
    make_writer: W,
}

impl<W> JsonLayer<W> {
    /// A layer writing to `make_writer` (`std::io::stderr` in the provider).
    pub fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

/// The fields of a span, kept in its extensions for the events inside it.
struct SpanFields(Map<String, Value>);

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(SpanFields(fields.map));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(map)) = extensions.get_mut::<SpanFields>() {
            let mut fields = Fields {
                map: std::mem::take(map),
                message: None,
            };
            values.record(&mut fields);
            *map = fields.map;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        let mut spans = Vec::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                spans.push(span.name());
                if let Some(SpanFields(map)) = span.extensions().get::<SpanFields>() {
                    line.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        if !spans.is_empty() {
            // Which operation the line belongs to (`kong_request`), outermost first.
            line.insert("span".into(), Value::String(spans.join(":")));
        }
        let mut fields = Fields {
            map: line,
            message: None,
        };
        event.record(&mut fields);
        let metadata = event.metadata();
        let mut line = fields.map;
        line.insert(
            "@message".into(),
            Value::String(shorten(fields.message.unwrap_or_default())),
        );
        line.insert("@level".into(), Value::String(level(metadata).into()));
        line.insert("@module".into(), Value::String(module(metadata.target())));
        line.insert("@timestamp".into(), Value::String(timestamp()));
        let Ok(mut bytes) = serde_json::to_vec(&line) else {
            return;
        };
        bytes.push(b'\n');
        // One write per line, so that lines of different threads never interleave.
        let _ = self.make_writer.make_writer().write_all(&bytes);
    }
}

/// The level go-plugin reads (hclog's names). Transport crates are always at trace.
fn level(metadata: &tracing::Metadata<'_>) -> &'static str {
    if is_transport(metadata.target()) {
        return "trace";
    }
    match *metadata.level() {
        tracing::Level::TRACE => "trace",
        tracing::Level::DEBUG => "debug",
        tracing::Level::INFO => "info",
        tracing::Level::WARN => "warn",
        tracing::Level::ERROR => "error",
    }
}

fn crate_of(target: &str) -> &str {
    target.split("::").next().unwrap_or(target)
}

fn is_transport(target: &str) -> bool {
    TRANSPORT_CRATES.contains(&crate_of(target))
}

/// `dispatch_provider::kong::client` → `dispatch.kong`; another crate's target → `dispatch.<crate>`.
fn module(target: &str) -> String {
    let mut parts = target.split("::");
    let first = parts.next().unwrap_or_default();
    if first != OWN_CRATE {
        return format!("{MODULE}.{first}");
    }
    match parts.next() {
        Some(part) => format!("{MODULE}.{part}"),
        None => MODULE.to_string(),
    }
}

/// Now, in UTC, with the six fractional digits go-plugin's layout requires.
fn timestamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_default()
}

/// `value`, cut at [`MAX_VALUE_BYTES`] (on a character boundary) with a note of its length.
fn shorten(mut value: String) -> String {
    if value.len() <= MAX_VALUE_BYTES {
        return value;
    }
    let total = value.len();
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value.truncate(end);
    value.push_str(&format!("… (cut: {total} bytes in all)"));
    value
}

/// Collects fields as JSON values; `message` is kept apart.
#[derive(Default)]
struct Fields {
    map: Map<String, Value>,
    message: Option<String>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.map.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, serde_json::json!(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(shorten(value.to_string())));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::String(shorten(format!("{value:?}"))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt;

    /// Collects what the layer writes.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Sink {
        type Writer = Sink;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines_of(run: impl FnOnce()) -> Vec<Map<String, Value>> {
        let sink = Sink::default();
        let subscriber = tracing_subscriber::registry().with(JsonLayer::new(sink.clone()));
        tracing::subscriber::with_default(subscriber, run);
        let bytes = sink.0.lock().expect("sink").clone();
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.ends_with('\n'));
        text.lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn each_event_is_one_line_go_plugin_reads() {
        let lines = lines_of(|| {
            let span = tracing::info_span!("kong_request", method = "PUT", attempt = 1u64);
            let _entered = span.enter();
            tracing::info!(status = 200u16, ok = true, "Admin API call\nsecond line");
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "Admin API call\nsecond line");
        assert_eq!(line["@module"], "dispatch.logging");
        assert_eq!(line["method"], "PUT", "span fields are on the line");
        assert_eq!(line["span"], "kong_request", "and the span's name");
        assert_eq!(line["attempt"], 1);
        assert_eq!(line["status"], 200);
        assert_eq!(line["ok"], true);
        // go-plugin: time.Parse("2006-01-02T15:04:05.000000Z07:00", ...)
        let stamp = line["@timestamp"].as_str().expect("string");
        assert_eq!(stamp.len(), "2026-01-02T03:04:05.123456Z".len(), "{stamp}");
        assert_eq!(&stamp[19..20], ".");
        assert!(stamp[20..26].bytes().all(|b| b.is_ascii_digit()), "{stamp}");
        assert!(stamp.ends_with('Z'));
    }

    #[test]
    fn modules_and_levels_follow_terraform_plugin_logs_naming() {
        assert_eq!(module("dispatch_provider"), "dispatch");
        assert_eq!(module("dispatch_provider::kong::client"), "dispatch.kong");
        assert_eq!(module("h2::codec::framed_write"), "dispatch.h2");
        let lines = lines_of(|| {
            tracing::debug!(target: "h2::proto", "frame");
            tracing::error!(target: "tonic::transport::server", "failed serving connection");
            tracing::warn!("careful");
        });
        let levels: Vec<&str> = lines
            .iter()
            .map(|l| l["@level"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            levels,
            ["trace", "trace", "warn"],
            "transport crates only at trace"
        );
    }

    #[test]
    fn long_values_are_shortened_to_fit_go_plugins_line_buffer() {
        let body = "é".repeat(40_000);
        let lines = lines_of(|| tracing::trace!(body = %body, "Kong answer body"));
        let text = serde_json::to_string(&lines[0]).expect("json");
        assert!(text.len() < 64 * 1024, "{}", text.len());
        assert!(lines[0]["body"]
            .as_str()
            .expect("body")
            .contains("80000 bytes in all"));
    }
}
