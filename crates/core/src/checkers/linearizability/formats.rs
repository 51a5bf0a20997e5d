//! Histories written by other tools, read into client records for the checker:
//!
//! - **Jepsen / Knossos EDN**: one operation map per line or a vector of them, such as
//!   `{:type :invoke, :f :cas, :value [1 2], :process 3}`, with `:ok`, `:fail` and
//!   `:info` completions. `:f` is `:read`, `:write` or `:cas` on one register, or on
//!   keyed registers as Jepsen's independent checker writes them (`:value [k v]`, a
//!   compare-and-set `[k [old new]]`). Porcupine's key-value logs (`:f :get` / `:put`
//!   with a `:key`) are read the same way.
//! - **Jepsen's text log**, as Porcupine's etcd tests keep it: lines such as
//!   `INFO  jepsen.util - 3 :invoke :cas [1 2]` with tabs between process, type, function
//!   and value.
//!
//! Time is the operation's position in the history: an operation precedes another when
//! its completion comes before the other's invocation. What each completion means, as
//! Knossos reads it:
//! - `:ok`: the operation took effect once, with that result;
//! - `:fail`: it did not take effect. A failed compare-and-set also says the register did
//!   not hold the expected value (`CasRefused`): Jepsen's clients fail a `cas` when the
//!   value did not match;
//! - `:info`: unknown; it may take effect at any later time, or never. Its process is
//!   crashed, and Jepsen goes on with a new process number;
//! - no completion at all: unknown too.
//!
//! Operations of processes that are not numbers (the nemesis) are left out.

use crate::client::{ClientRecord, Key, KvOp, KvResult, Outcome, Value};
use crate::ids::{NodeId, RequestId};
use std::collections::BTreeMap;

/// The formats `read` understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// splitbrain's own JSON client records (read by the command line).
    Json,
    /// Jepsen's EDN operation maps (Knossos, Porcupine's key-value logs).
    Edn,
    /// Jepsen's tab-separated text log (Porcupine's etcd logs).
    JepsenLog,
}

impl Format {
    pub fn parse(name: &str) -> Result<Format, HistoryFileError> {
        match name {
            "json" => Ok(Format::Json),
            "edn" | "jepsen" | "knossos" | "porcupine-kv" => Ok(Format::Edn),
            "jepsen-log" | "porcupine-etcd" => Ok(Format::JepsenLog),
            other => Err(HistoryFileError::UnknownFormat(other.to_string())),
        }
    }

    /// The format a history's text is in, from its first characters.
    pub fn detect(text: &str) -> Format {
        let start = text.trim_start();
        if start.starts_with('{') && start[1..].trim_start().starts_with(':') {
            Format::Edn
        } else if start.starts_with('[') && start[1..].trim_start().starts_with('{') {
            // A vector of EDN maps, or a JSON array of records.
            let inner = start[1..].trim_start();
            if inner[1..].trim_start().starts_with(':') {
                Format::Edn
            } else {
                Format::Json
            }
        } else if start.contains("jepsen.util") || start.contains("\t:invoke\t") {
            Format::JepsenLog
        } else {
            Format::Json
        }
    }
}

/// An EDN value, as far as histories use them.
#[derive(Clone, Debug, PartialEq)]
enum Edn {
    Nil,
    Bool(bool),
    Int(i128),
    Str(String),
    Keyword(String),
    Symbol(String),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn skip_blank(&mut self) {
        while let Some(c) = self.text[self.at..].chars().next() {
            if c.is_whitespace() || c == ',' {
                self.at += c.len_utf8();
            } else if c == ';' {
                // A comment, to the end of the line.
                self.at += self.text[self.at..]
                    .find('\n')
                    .unwrap_or(self.text.len() - self.at);
            } else {
                break;
            }
        }
    }

    fn line(&self) -> usize {
        self.text[..self.at].matches('\n').count() + 1
    }

    fn error(&self, what: &str) -> String {
        format!("line {}: {what}", self.line())
    }

    fn value(&mut self) -> Result<Edn, String> {
        self.skip_blank();
        let rest = &self.text[self.at..];
        let c = rest
            .chars()
            .next()
            .ok_or_else(|| self.error("the history ends early"))?;
        match c {
            '{' | '[' | '(' => {
                let close = match c {
                    '{' => '}',
                    '[' => ']',
                    _ => ')',
                };
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blank();
                    match self.text[self.at..].chars().next() {
                        None => return Err(self.error(&format!("a '{c}' is never closed"))),
                        Some(d) if d == close => {
                            self.at += 1;
                            break;
                        }
                        Some(_) => items.push(self.value()?),
                    }
                }
                if c != '{' {
                    return Ok(Edn::Vector(items));
                }
                if items.len() % 2 != 0 {
                    return Err(self.error("a map with a key and no value"));
                }
                let mut pairs = Vec::new();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Ok(Edn::Map(pairs))
            }
            '"' => {
                let mut out = String::new();
                let mut chars = rest[1..].char_indices();
                loop {
                    match chars.next() {
                        None => return Err(self.error("a string is never closed")),
                        Some((i, '"')) => {
                            self.at += i + 2;
                            return Ok(Edn::Str(out));
                        }
                        Some((_, '\\')) => {
                            if let Some((_, e)) = chars.next() {
                                out.push(match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    other => other,
                                });
                            }
                        }
                        Some((_, ch)) => out.push(ch),
                    }
                }
            }
            '#' if rest.starts_with("#{") => Err(self.error("sets are not supported in histories")),
            _ => {
                let end = rest
                    .find(|ch: char| ch.is_whitespace() || ",{}[]()\"".contains(ch))
                    .unwrap_or(rest.len());
                let token = &rest[..end];
                self.at += end;
                Ok(atom(token).ok_or_else(|| self.error(&format!("cannot read \"{token}\"")))?)
            }
        }
    }
}

fn atom(token: &str) -> Option<Edn> {
    if token.is_empty() {
        return None;
    }
    Some(match token {
        "nil" => Edn::Nil,
        "true" => Edn::Bool(true),
        "false" => Edn::Bool(false),
        _ if token.starts_with(':') => Edn::Keyword(token[1..].to_string()),
        _ => match token.trim_end_matches('N').parse::<i128>() {
            Ok(n) => Edn::Int(n),
            Err(_) => Edn::Symbol(token.to_string()),
        },
    })
}

impl Edn {
    fn get(&self, key: &str) -> Option<&Edn> {
        match self {
            Edn::Map(pairs) => pairs.iter().find_map(|(k, v)| match k {
                Edn::Keyword(name) if name == key => Some(v),
                _ => None,
            }),
            _ => None,
        }
    }

    fn keyword(&self) -> Option<&str> {
        match self {
            Edn::Keyword(k) => Some(k),
            _ => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Edn::Nil => "nil".into(),
            Edn::Bool(b) => b.to_string(),
            Edn::Int(n) => n.to_string(),
            Edn::Str(s) => format!("{s:?}"),
            Edn::Keyword(k) => format!(":{k}"),
            Edn::Symbol(s) => s.clone(),
            Edn::Vector(v) => format!(
                "[{}]",
                v.iter().map(Edn::text).collect::<Vec<_>>().join(" ")
            ),
            Edn::Map(_) => "{…}".into(),
        }
    }
}

/// One line of a history, as read: who, what kind of line, which function, its value.
struct Line {
    at: u64,
    process: Option<u64>,
    kind: String,
    f: String,
    value: Edn,
    key: Option<Edn>,
}

/// Why a history file was refused, in words that name the line or the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HistoryFileError {
    #[error("unknown history format \"{0}\"; known: json, edn, jepsen-log")]
    UnknownFormat(String),
    /// The text does not read as operations of its format.
    #[error("{0}")]
    Unreadable(String),
    /// The operations read, but do not make a history (a completion with no invocation, a
    /// process that invokes again before it completes, a write of nothing).
    #[error("{0}")]
    Inconsistent(String),
}

/// Reads a Jepsen EDN history (Knossos's, Porcupine's key-value logs) into client records.
pub fn read_edn(text: &str) -> Result<Vec<ClientRecord>, HistoryFileError> {
    let lines = edn_lines(text).map_err(HistoryFileError::Unreadable)?;
    assemble(lines).map_err(HistoryFileError::Inconsistent)
}

/// Reads Jepsen's tab-separated text log (Porcupine's etcd logs) into client records.
pub fn read_jepsen_log(text: &str) -> Result<Vec<ClientRecord>, HistoryFileError> {
    let lines = log_lines(text).map_err(HistoryFileError::Unreadable)?;
    assemble(lines).map_err(HistoryFileError::Inconsistent)
}

fn edn_lines(text: &str) -> Result<Vec<Line>, String> {
    let mut reader = Reader { text, at: 0 };
    let mut maps = Vec::new();
    loop {
        reader.skip_blank();
        if reader.at >= text.len() {
            break;
        }
        match reader.value()? {
            Edn::Vector(items) if maps.is_empty() => maps.extend(items),
            m @ Edn::Map(_) => maps.push(m),
            other => {
                return Err(reader.error(&format!(
                    "expected an operation map such as {{:type :invoke, :f :read}}, not {}",
                    other.text()
                )))
            }
        }
    }
    maps.into_iter()
        .enumerate()
        .map(|(i, m)| {
            let field = |name: &str| {
                m.get(name)
                    .and_then(Edn::keyword)
                    .map(str::to_string)
                    .ok_or_else(|| format!("operation {}: no :{name} keyword", i + 1))
            };
            Ok(Line {
                at: i as u64,
                process: match m.get("process") {
                    Some(Edn::Int(p)) if *p >= 0 => Some(*p as u64),
                    _ => None,
                },
                kind: field("type")?,
                f: field("f")?,
                value: m.get("value").cloned().unwrap_or(Edn::Nil),
                key: m.get("key").cloned(),
            })
        })
        .collect()
}

fn log_lines(text: &str) -> Result<Vec<Line>, String> {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let body = raw.split_once("jepsen.util - ").map_or(raw, |(_, b)| b);
        let fields: Vec<&str> = body.split('\t').collect();
        if fields.len() < 4 || !fields[1].starts_with(':') {
            continue; // Not an operation line (a nemesis message, a blank line).
        }
        let joined = fields[3..].join("\t");
        let value = Reader {
            text: &joined,
            at: 0,
        }
        .value()
        .map_err(|e| format!("line {}: {e}", n + 1))?;
        lines.push(Line {
            at: lines.len() as u64,
            process: fields[0].trim().parse().ok(),
            kind: fields[1].trim_start_matches(':').to_string(),
            f: fields[2].trim().trim_start_matches(':').to_string(),
            value,
            key: None,
        });
    }
    if lines.is_empty() {
        return Err("no operation lines (process, :type, :f and value, tab-separated)".into());
    }
    Ok(lines)
}

/// Keys met so far, numbered in order of appearance.
#[derive(Default)]
struct Keys(BTreeMap<String, Key>);

impl Keys {
    fn of(&mut self, key: &Edn) -> Key {
        let n = self.0.len() as Key;
        *self.0.entry(key.text()).or_insert(n)
    }
}

fn number(v: &Edn, what: &str, at: u64) -> Result<Option<Value>, String> {
    match v {
        Edn::Nil => Ok(None),
        Edn::Int(n) if (0..=i128::from(u64::MAX)).contains(n) => Ok(Some(*n as Value)),
        Edn::Str(s) => s
            .parse::<Value>()
            .map(Some)
            .map_err(|_| format!("operation {}: {what} {s:?} is not a whole number", at + 1)),
        other => Err(format!(
            "operation {}: {what} {} is not a whole number (or nil)",
            at + 1,
            other.text()
        )),
    }
}

/// The key and the register's part of an operation's value: `[k v]` when the history is
/// keyed, else the whole value on key 0.
fn split_key<'a>(
    line: &'a Line,
    value: &'a Edn,
    keyed: bool,
    keys: &mut Keys,
) -> Result<(Key, &'a Edn), String> {
    if let Some(k) = &line.key {
        return Ok((keys.of(k), value));
    }
    if !keyed {
        return Ok((0, value));
    }
    match value {
        Edn::Vector(kv) if kv.len() == 2 => Ok((keys.of(&kv[0]), &kv[1])),
        other => Err(format!(
            "operation {}: a keyed history's value is [key value], not {}",
            line.at + 1,
            other.text()
        )),
    }
}

fn assemble(lines: Vec<Line>) -> Result<Vec<ClientRecord>, String> {
    // Keyed as Jepsen's independent checker writes it: a write of [k v], or a cas whose
    // value holds a vector.
    let keyed = lines.iter().any(|l| match (&*l.f, &l.value) {
        ("write" | "read", Edn::Vector(v)) => v.len() == 2,
        ("cas", Edn::Vector(v)) => v.len() == 2 && matches!(v[1], Edn::Vector(_)),
        _ => false,
    });
    let mut keys = Keys::default();
    let mut open: BTreeMap<u64, (u64, String, Edn, Option<Edn>)> = BTreeMap::new();
    let mut records = Vec::new();
    let mut finish = |process: u64,
                      invoke: (u64, String, Edn, Option<Edn>),
                      done: Option<&Line>,
                      keys: &mut Keys|
     -> Result<(), String> {
        let (at, f, value, key) = invoke;
        let inv = Line {
            at,
            process: Some(process),
            kind: "invoke".into(),
            f: f.clone(),
            value: value.clone(),
            key,
        };
        let (key, reg) = split_key(&inv, &value, keyed, keys)?;
        let op = match &*f {
            "read" | "get" => KvOp::Get { key },
            "write" | "put" => KvOp::Put {
                key,
                value: number(reg, "the value written", at)?
                    .ok_or_else(|| format!("operation {}: a write of nil", at + 1))?,
            },
            "cas" => match reg {
                Edn::Vector(v) if v.len() == 2 => KvOp::Cas {
                    key,
                    expect: number(&v[0], "the expected value", at)?,
                    new: number(&v[1], "the new value", at)?
                        .ok_or_else(|| format!("operation {}: a cas to nil", at + 1))?,
                },
                other => {
                    return Err(format!(
                        "operation {}: a cas value is [expected new], not {}",
                        at + 1,
                        other.text()
                    ))
                }
            },
            other => {
                return Err(format!(
                "operation {}: :{other} is not a register operation (read, write, cas; get, put)",
                at + 1
            ))
            }
        };
        let (outcome, completed_at) = match done.map(|d| (d, &*d.kind)) {
            Some((d, "ok")) => {
                let result = match op {
                    KvOp::Get { .. } => {
                        let (_, v) = split_key(d, &d.value, keyed && d.key.is_none(), keys)?;
                        KvResult::Value {
                            value: number(v, "the value read", d.at)?,
                        }
                    }
                    _ => KvResult::Written,
                };
                (Outcome::Done { result }, Some(d.at))
            }
            Some((d, "fail")) => {
                let result = match op {
                    KvOp::Cas { .. } => KvResult::CasRefused,
                    _ => KvResult::Unavailable,
                };
                (Outcome::Done { result }, Some(d.at))
            }
            Some((_, "info")) => (Outcome::TimedOut, None),
            Some((d, other)) => {
                return Err(format!("operation {}: unknown :type :{other}", d.at + 1))
            }
            None => (Outcome::Pending, None),
        };
        records.push(ClientRecord {
            id: RequestId(records.len() as u64),
            node: NodeId(process as u32),
            op,
            invoked_at: at,
            completed_at,
            outcome,
        });
        Ok(())
    };
    for line in &lines {
        let Some(process) = line.process else {
            continue;
        };
        if line.kind == "invoke" {
            if let Some(earlier) = open.remove(&process) {
                return Err(format!(
                    "operation {}: process {process} invokes again before operation {} completed",
                    line.at + 1,
                    earlier.0 + 1
                ));
            }
            open.insert(
                process,
                (
                    line.at,
                    line.f.clone(),
                    line.value.clone(),
                    line.key.clone(),
                ),
            );
        } else {
            let invoke = open.remove(&process).ok_or_else(|| {
                format!(
                    "operation {}: process {process} completes an operation it never invoked",
                    line.at + 1
                )
            })?;
            finish(process, invoke, Some(line), &mut keys)?;
        }
    }
    for (process, invoke) in std::mem::take(&mut open) {
        finish(process, invoke, None, &mut keys)?;
    }
    crate::sort::by_key(&mut records, |r| r.invoked_at);
    for (i, r) in records.iter_mut().enumerate() {
        r.id = RequestId(i as u64);
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
