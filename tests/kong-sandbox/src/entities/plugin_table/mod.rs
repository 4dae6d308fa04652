//! Plugin schemas written as data: a small indented notation that mirrors Kong's own schema
//! tables (K:plugins/<name>/schema.lua), read once at start-up into [`Schema`]s, so that the
//! ~40 bundled plugins are tables rather than hand-written validators. Rules that Kong writes as
//! Lua functions are named in the table and written in Rust in `plugin_rules`.
//!
//! ```text
//! # K:plugins/key-auth/schema.lua (Kong 3.9.3)
//! plugin key-auth 1250 protocols=http no_consumer
//!   key_names: array<header_name> required default=["apikey"]
//!   realm: string
//!   algorithms: array default=["a","b"]
//!     []: string one_of=["a","b"]
//!   headers: map
//!     keys: header_name
//!     values: string
//!   redis: record                       # records are required unless `optional`,
//!     host: host                        # as Entity.new_subschema makes them (K:db/schema/entity.lua)
//!   check at_least_one_of a b           # an entity check of the record it is in
//!   shorthand old_name: string => new.path
//! check conditional config.a eq=true => config.b required err="..."
//! ```
//!
//! A field line is `name: type attributes`. Types are Kong's (`string`, `integer`, `number`,
//! `boolean`, `record`, `array`, `set`, `map`, with `<elements>` or `<keys,values>` when those
//! need no attributes) or a typedef of K:db/schema/typedefs.lua by name (`host`, `port`, ...).
//! Attributes are Kong's: `required`, `optional` (a record's `required = false`), `auto`,
//! `default=JSON`, `eq=JSON`, `one_of=JSON`, `not_one_of=JSON`, `between=[a,b]`, `gt=N`,
//! `len_eq=N`, `len_min=N`, `len_max=N`, `starts_with="s"`, `is_regex`, `match=RULE`,
//! `custom=RULE` and `err="message"`, RULE naming a rule of `plugin_rules`.

mod attrs;

use super::plugin_rules as rules;
use crate::schema::{Check, EntityCheck, Field, Obj, Schema, Shorthand};
use attrs::{apply, attributes, json_str, matcher, split_type, typed, Attr};
use serde_json::{json, Value};
use std::sync::Arc;

/// A plugin read from a table.
pub struct TablePlugin {
    /// Plugin name.
    pub name: &'static str,
    /// Handler priority (K:plugins/<name>/handler.lua `PRIORITY`).
    pub priority: i32,
    /// The plugin's subschema of the plugins entity.
    pub schema: Arc<Schema>,
}

#[derive(Clone, Copy)]
struct Line {
    no: usize,
    indent: usize,
    text: &'static str,
}

/// A parse error: `file:line: message`.
fn err(file: &str, line: &Line, msg: impl std::fmt::Display) -> String {
    format!("{file}:{}: {msg}", line.no)
}

/// Reads every plugin of a table.
pub fn parse(file: &str, src: &'static str) -> Result<Vec<TablePlugin>, String> {
    let mut lines = Vec::new();
    for (i, raw) in src.lines().enumerate() {
        let text = raw.trim_end();
        let body = text.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        lines.push(Line {
            no: i + 1,
            indent: text.len() - body.len(),
            text: body,
        });
    }
    let mut p = Parser {
        file,
        lines,
        pos: 0,
        fragments: Default::default(),
    };
    let mut out = Vec::new();
    while let Some(line) = p.peek() {
        match line.text.strip_prefix("fragment ") {
            Some(name) => {
                p.pos += 1;
                let start = p.pos;
                while p.peek().is_some_and(|l| l.indent > 0) {
                    p.pos += 1;
                }
                p.fragments
                    .insert(name.trim(), p.lines[start..p.pos].to_vec());
            }
            None => out.push(p.plugin()?),
        }
    }
    Ok(out)
}

struct Parser<'f> {
    file: &'f str,
    lines: Vec<Line>,
    pos: usize,
    /// `fragment NAME` blocks: their lines, children at indent 2.
    fragments: std::collections::HashMap<&'static str, Vec<Line>>,
}

/// What a record body holds.
#[derive(Default)]
struct Body {
    fields: Vec<(&'static str, Field)>,
    checks: Vec<EntityCheck>,
    shorthands: Vec<Shorthand>,
}

impl<'f> Parser<'f> {
    fn peek(&self) -> Option<Line> {
        self.lines.get(self.pos).copied()
    }

    fn plugin(&mut self) -> Result<TablePlugin, String> {
        let line = self.lines[self.pos];
        self.pos += 1;
        let mut words = line.text.split_whitespace();
        if line.indent != 0 || words.next() != Some("plugin") {
            return Err(err(self.file, &line, "expected `plugin NAME PRIORITY ...`"));
        }
        let name = word_at(line.text, 1).ok_or_else(|| err(self.file, &line, "no name"))?;
        let priority: i32 = words
            .nth(1)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| err(self.file, &line, "no priority"))?;
        let mut protocols = None;
        let mut config_custom = None;
        let mut protocols_default = None;
        let mut top: Vec<(&'static str, Field)> = Vec::new();
        let attrs = attributes(line.text.splitn(4, ' ').nth(3).unwrap_or(""))
            .map_err(|e| err(self.file, &line, e))?;
        for (k, v) in attrs {
            match (k, v) {
                ("protocols", Attr::Word(w)) => protocols = Some(w),
                ("protocols_default", Attr::Json(j)) => protocols_default = Some(j),
                ("config_custom", Attr::Word(rule)) => {
                    config_custom = Some(
                        rules::validator(rule)
                            .ok_or_else(|| err(self.file, &line, format!("unknown rule {rule}")))?,
                    )
                }
                ("no_consumer", Attr::Flag) => top.push(("consumer", no_fk("consumers"))),
                ("no_route", Attr::Flag) => top.push(("route", no_fk("routes"))),
                ("no_service", Attr::Flag) => top.push(("service", no_fk("services"))),
                (k, _) => {
                    return Err(err(
                        self.file,
                        &line,
                        format!("unknown plugin attribute {k}"),
                    ))
                }
            }
        }
        let choices: &[&str] = match protocols {
            Some("http") => &super::plugins::HTTP_PROTOCOLS,
            Some("all") => &super::core::PROTOCOLS,
            _ => return Err(err(self.file, &line, "protocols=http|all is required")),
        };
        let default = protocols_default.unwrap_or_else(|| json!(super::plugins::HTTP_PROTOCOLS));
        top.push((
            "protocols",
            Field::set(Field::string().one_of(choices))
                .required()
                .default(default),
        ));
        let body = self.body(2)?;
        let mut config = Schema::new(body.fields).with_checks(body.checks);
        config.shorthands = body.shorthands;
        let mut config = Field::record(config).required();
        if let Some(rule) = config_custom {
            config = config.check(Check::Custom(rule));
        }
        top.push(("config", config));
        let mut checks = Vec::new();
        while let Some(l) = self.peek() {
            if l.indent != 0 || !l.text.starts_with("check ") {
                break;
            }
            self.pos += 1;
            checks.push(self.check(&l)?);
        }
        Ok(TablePlugin {
            name,
            priority,
            schema: Arc::new(Schema::new(top).with_checks(checks)),
        })
    }

    /// The lines of a record at `indent`.
    fn body(&mut self, indent: usize) -> Result<Body, String> {
        let mut body = Body::default();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(err(self.file, &line, "unexpected indentation"));
            }
            self.pos += 1;
            if line.text.starts_with("check ") {
                body.checks.push(self.check(&line)?);
            } else if let Some(name) = line.text.strip_prefix("include ") {
                let mut lines = self
                    .fragments
                    .get(name.trim())
                    .cloned()
                    .ok_or_else(|| err(self.file, &line, format!("no fragment {name}")))?;
                for l in lines.iter_mut() {
                    l.indent = l.indent - 2 + indent;
                }
                let mut sub = Parser {
                    file: self.file,
                    lines,
                    pos: 0,
                    fragments: self.fragments.clone(),
                };
                let inc = sub.body(indent)?;
                body.fields.extend(inc.fields);
                body.checks.extend(inc.checks);
                body.shorthands.extend(inc.shorthands);
            } else if let Some(rest) = line.text.strip_prefix("shorthand ") {
                body.shorthands.push(self.shorthand(&line, rest)?);
            } else {
                let (name, spec) = line
                    .text
                    .split_once(": ")
                    .ok_or_else(|| err(self.file, &line, "expected `name: type ...`"))?;
                let field = self.field(&line, spec, indent)?;
                body.fields.push((name, field));
            }
        }
        Ok(body)
    }

    /// A field from `type attributes`, reading its child lines when it has any.
    fn field(&mut self, line: &Line, spec: &'static str, indent: usize) -> Result<Field, String> {
        let (ty, rest) = split_type(spec);
        let attrs = attributes(rest).map_err(|e| err(self.file, line, e))?;
        let optional = attrs.iter().any(|(k, _)| *k == "optional");
        let mut field = match ty {
            "record" => {
                let body = self.body(indent + 2)?;
                let mut s = Schema::new(body.fields).with_checks(body.checks);
                s.shorthands = body.shorthands;
                let f = Field::record(s);
                // K:db/schema/entity.lua make_records_required
                if optional {
                    f
                } else {
                    f.required()
                }
            }
            "array" | "set" | "map" => self.container(line, ty, indent)?,
            _ => typed(ty).ok_or_else(|| err(self.file, line, format!("unknown type {ty}")))?,
        };
        for (k, v) in attrs {
            field = apply(field, k, v).map_err(|e| err(self.file, line, e))?;
        }
        Ok(field)
    }

    /// `array`, `set` or `map` whose elements are given on the next lines.
    fn container(&mut self, line: &Line, ty: &str, indent: usize) -> Result<Field, String> {
        let child = |p: &mut Self, label: &str| -> Result<Field, String> {
            let l = p
                .peek()
                .filter(|l| l.indent == indent + 2)
                .ok_or_else(|| err(p.file, line, format!("{ty} needs a `{label}` line")))?;
            let spec = l
                .text
                .strip_prefix(label)
                .and_then(|s| s.strip_prefix(": "))
                .ok_or_else(|| err(p.file, &l, format!("expected `{label}: type`")))?;
            p.pos += 1;
            p.field(&l, spec, indent + 2)
        };
        Ok(match ty {
            "array" => Field::array(child(self, "[]")?),
            "set" => Field::set(child(self, "[]")?),
            _ => {
                let k = child(self, "keys")?;
                Field::map(k, child(self, "values")?)
            }
        })
    }

    fn shorthand(&self, line: &Line, rest: &'static str) -> Result<Shorthand, String> {
        let (decl, target) = rest
            .split_once(" => ")
            .ok_or_else(|| err(self.file, line, "expected `shorthand name: type => target`"))?;
        let (name, spec) = decl
            .split_once(": ")
            .ok_or_else(|| err(self.file, line, "expected `name: type`"))?;
        let (ty, attrs) = split_type(spec);
        let mut field = typed(ty).ok_or_else(|| err(self.file, line, "unknown type"))?;
        // `deprecated`: a deprecation whose replaced_with is the target; `deprecated_bare`: one
        // without replaced_with (the target still wins over it).
        let (mut deprecated, mut replaced) = (false, false);
        for (k, v) in attributes(attrs).map_err(|e| err(self.file, line, e))? {
            match k {
                "deprecated" => (deprecated, replaced) = (true, true),
                "deprecated_bare" => deprecated = true,
                _ => field = apply(field, k, v).map_err(|e| err(self.file, line, e))?,
            }
        }
        let func: crate::schema::ShorthandFn = match target.strip_prefix("rule:") {
            Some(rule) => rules::shorthand(rule)
                .ok_or_else(|| err(self.file, line, format!("unknown shorthand rule {rule}")))?,
            None => {
                let path: Vec<&'static str> = target.split('.').collect();
                Arc::new(move |v: &Value| nest(&path, v.clone()))
            }
        };
        Ok(Shorthand {
            name,
            field,
            func,
            deprecated,
            replaced_with: replaced.then_some(target),
        })
    }

    /// `check KIND ...`
    fn check(&self, line: &Line) -> Result<EntityCheck, String> {
        let text = line.text.strip_prefix("check ").unwrap_or("");
        let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
        let names = || rest.split_whitespace().collect::<Vec<&'static str>>();
        let e = |m: &str| err(self.file, line, m);
        Ok(match kind {
            "at_least_one_of" => EntityCheck::AtLeastOneOf(names()),
            "only_one_of" => EntityCheck::OnlyOneOf(names()),
            "mutually_required" => EntityCheck::MutuallyRequired(names()),
            "mutually_exclusive" => EntityCheck::MutuallyExclusive(names()),
            "conditional" | "conditional_at_least_one_of" => {
                let (if_part, then_part) = rest
                    .split_once(" => ")
                    .ok_or_else(|| e("expected `IF ... => THEN ...`"))?;
                let (if_field, if_attrs) = if_part.split_once(' ').unwrap_or((if_part, ""));
                let if_match = matcher(if_attrs).map_err(|m| e(&m))?;
                let (then_words, then_err) = match then_part.split_once(" err=") {
                    Some((w, msg)) => (w, Some(json_str(msg).map_err(|m| e(&m))?)),
                    None => (then_part, None),
                };
                if kind == "conditional" {
                    let (then_field, then_attrs) =
                        then_words.split_once(' ').unwrap_or((then_words, ""));
                    EntityCheck::Conditional {
                        if_field,
                        if_match,
                        then_field,
                        then_match: matcher(then_attrs).map_err(|m| e(&m))?,
                        then_err,
                    }
                } else {
                    EntityCheck::ConditionalAtLeastOneOf {
                        if_field,
                        if_match,
                        then: then_words.split_whitespace().collect(),
                        then_err,
                        else_match: None,
                        else_then: vec![],
                        else_err: None,
                    }
                }
            }
            "custom" => {
                let mut w = names().into_iter();
                let rule = w.next().ok_or_else(|| e("custom needs a rule"))?;
                let f = rules::entity_check(rule)
                    .ok_or_else(|| e(&format!("unknown entity check rule {rule}")))?;
                EntityCheck::Custom {
                    sources: w.collect(),
                    run_with_missing: false,
                    f,
                }
            }
            other => return Err(e(&format!("unknown check {other}"))),
        })
    }
}

/// The n-th whitespace-separated word, as a slice of the static text.
fn word_at(text: &'static str, n: usize) -> Option<&'static str> {
    text.split_whitespace().nth(n)
}

fn no_fk(entity: &'static str) -> Field {
    // typedefs.no_consumer / no_route / no_service: `eq = null`
    Field::foreign(entity).eq_null(None)
}

/// `{a: {b: value}}` for the path `a.b`.
fn nest(path: &[&str], value: Value) -> Obj {
    let mut v = value;
    for key in path.iter().skip(1).rev() {
        let mut o = Obj::new();
        o.insert(key.to_string(), v);
        v = Value::Object(o);
    }
    let mut out = Obj::new();
    if let Some(first) = path.first() {
        out.insert(first.to_string(), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Ty;

    #[test]
    fn reads_fields_children_checks_and_shorthands() {
        let src = "# a comment\n\
plugin demo 7 protocols=http no_consumer\n  \
a: array<header_name> required default=[\"x y\"]\n  \
b: array default=[\"p\"]\n    \
[]: string one_of=[\"p\",\"q\"]\n  \
r: record\n    \
port: port default=6379\n    \
check at_least_one_of port\n  \
o: record optional\n    \
s: string\n  \
shorthand old: integer => r.port\n\
check conditional config.a required => config.b len_min=1 err=\"no b\"\n";
        let p = parse("demo", src).expect("parses");
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name, p[0].priority), ("demo", 7));
        let cfg = match &p[0].schema.field("config").expect("config").ty {
            Ty::Record(s) => s.clone(),
            _ => panic!("config is a record"),
        };
        let names: Vec<&str> = cfg.fields.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b", "r", "o"]);
        assert_eq!(
            cfg.field("a").and_then(|f| f.default.clone()),
            Some(json!(["x y"]))
        );
        assert!(cfg.field("r").map(|f| f.required).unwrap_or(false));
        assert!(!cfg.field("o").map(|f| f.required).unwrap_or(true));
        assert_eq!(cfg.shorthands.len(), 1);
        let expanded = (cfg.shorthands[0].func)(&json!(5));
        assert_eq!(Value::Object(expanded), json!({ "r": { "port": 5 } }));
        assert_eq!(p[0].schema.checks.len(), 1);
        assert!(p[0]
            .schema
            .field("consumer")
            .map(|f| f.eq_null)
            .unwrap_or(false));
    }

    #[test]
    fn reports_the_line_of_a_mistake() {
        let e = parse("t", "plugin x 1 protocols=http\n  a: strng\n").err();
        assert_eq!(e.as_deref(), Some("t:2: unknown type strng"));
        let e = parse(
            "t",
            "plugin x 1 protocols=http\n  a: string\n      b: string\n",
        )
        .err();
        assert_eq!(e.as_deref(), Some("t:3: unexpected indentation"));
    }
}
