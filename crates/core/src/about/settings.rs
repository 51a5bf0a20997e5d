//! A protocol's settings: their descriptions (name, kind, range, default, help), the
//! `name=value` pairs that links, the command line and the set-up panel carry, how those are
//! checked and normalised against the descriptions, and how a protocol reads them by type.

use super::About;
use crate::time::format_duration;
use crate::time::{parse_duration, DurationError, Micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// One setting of a protocol.
#[derive(Debug, Serialize)]
pub struct SettingDesc {
    pub name: &'static str,
    /// A short label for a form (`R`, `sloppy quorums`).
    pub label: &'static str,
    #[serde(flatten)]
    pub kind: SettingKind,
    /// The value when the setting is not given; `None` when it depends on the cluster
    /// (the help says how).
    pub default: Option<&'static str>,
    pub help: &'static str,
}

/// What values a setting takes.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SettingKind {
    /// A whole number in `min..=max`.
    Number { min: u64, max: u64 },
    /// A number of nodes: from `min` to the size of the cluster (quorum sizes, replicas).
    NodeCount { min: u64 },
    /// `1` (on) or `0` (off).
    Flag,
    /// One of a few named values.
    Choice { choices: &'static [Choice] },
    /// A duration such as `150ms` or `2s`, in `min..=max` microseconds.
    Duration { min_us: Micros, max_us: Micros },
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub meaning: &'static str,
    /// Other spellings read as this value (a setting that was once a flag keeps its old
    /// links: `1` and `0` still mean what they meant).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub also: &'static [&'static str],
}

/// A setting declared with what it reads as: a protocol writes each setting once, as a
/// constant of this type, lists its `desc` in its description, and reads it with
/// [`Values::get`], so a mistyped name is a compile error and the value comes back as the
/// kind the setting declares (a whole number, a flag, a duration, a choice), with the
/// declared default filled in.
///
/// The constructors check at compile time that the description's kind is the one the type
/// reads, and that a setting read without an `Option` has a default.
pub struct Setting<K> {
    pub desc: SettingDesc,
    reads: PhantomData<K>,
}

/// How a setting's checked text becomes a value of its kind.
pub trait Reads {
    type Value;
    /// `text` is the value given or the default, already checked and normalised against
    /// `desc` (`None`: neither given nor defaulted).
    fn read(desc: &SettingDesc, text: Option<&str>) -> Self::Value;
}

/// A whole number (a [`SettingKind::Number`] or [`SettingKind::NodeCount`]).
pub struct Number;
/// On or off.
pub struct Flag;
/// A duration in microseconds.
pub struct Duration;
/// One of the named choices (the canonical spelling).
pub struct Pick;
/// A setting whose default depends on the cluster: `None` when it is not given.
pub struct Maybe<K>(PhantomData<K>);

fn given<'a>(desc: &SettingDesc, text: Option<&'a str>) -> &'a str {
    text.unwrap_or_else(|| panic!("{} has a default, checked when declared", desc.name))
}

impl Reads for Number {
    type Value = u64;
    fn read(desc: &SettingDesc, text: Option<&str>) -> u64 {
        given(desc, text)
            .parse()
            .expect("checked as a whole number")
    }
}

impl Reads for Flag {
    type Value = bool;
    fn read(desc: &SettingDesc, text: Option<&str>) -> bool {
        given(desc, text) == "1"
    }
}

impl Reads for Duration {
    type Value = Micros;
    fn read(desc: &SettingDesc, text: Option<&str>) -> Micros {
        parse_duration(given(desc, text)).expect("checked as a duration")
    }
}

impl Reads for Pick {
    type Value = &'static str;
    fn read(desc: &SettingDesc, text: Option<&str>) -> &'static str {
        let text = given(desc, text);
        match &desc.kind {
            SettingKind::Choice { choices } => choices
                .iter()
                .find(|c| c.value == text)
                .map(|c| c.value)
                .expect("checked against the choices"),
            _ => unreachable!("a Pick is declared with SettingKind::Choice"),
        }
    }
}

impl<K: Reads> Reads for Maybe<K> {
    type Value = Option<K::Value>;
    fn read(desc: &SettingDesc, text: Option<&str>) -> Option<K::Value> {
        text.map(|t| K::read(desc, Some(t)))
    }
}

impl<K> Setting<K> {
    const fn declared(desc: SettingDesc, fits: bool, defaulted: bool) -> Self {
        assert!(fits, "the setting's kind is not what its type reads");
        assert!(
            defaulted == desc.default.is_some(),
            "a setting read without an Option needs a default, and one read as Maybe has none"
        );
        Setting {
            desc,
            reads: PhantomData,
        }
    }
}

impl Setting<Number> {
    pub const fn new(desc: SettingDesc) -> Self {
        let fits = matches!(
            desc.kind,
            SettingKind::Number { .. } | SettingKind::NodeCount { .. }
        );
        Setting::declared(desc, fits, true)
    }
}

impl Setting<Maybe<Number>> {
    pub const fn new(desc: SettingDesc) -> Self {
        let fits = matches!(
            desc.kind,
            SettingKind::Number { .. } | SettingKind::NodeCount { .. }
        );
        Setting::declared(desc, fits, false)
    }
}

impl Setting<Flag> {
    pub const fn new(desc: SettingDesc) -> Self {
        let fits = matches!(desc.kind, SettingKind::Flag);
        Setting::declared(desc, fits, true)
    }
}

impl Setting<Duration> {
    pub const fn new(desc: SettingDesc) -> Self {
        let fits = matches!(desc.kind, SettingKind::Duration { .. });
        Setting::declared(desc, fits, true)
    }
}

impl Setting<Pick> {
    pub const fn new(desc: SettingDesc) -> Self {
        let fits = matches!(desc.kind, SettingKind::Choice { .. });
        Setting::declared(desc, fits, true)
    }
}

/// A protocol's settings as `name=value` pairs, only those that differ from the default,
/// in a canonical text form (so equal settings compare equal).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Settings(BTreeMap<String, String>);

impl Settings {
    pub fn new() -> Self {
        Settings::default()
    }

    /// Sets `name` to `value` as given; [`check_settings`] validates and normalises.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Parses `name=value`.
    pub fn set_pair(&mut self, pair: &str) -> Result<(), SettingError> {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| SettingError::NotAPair(pair.to_string()))?;
        self.set(name.trim(), value.trim());
        Ok(())
    }
}

/// Why settings were refused: the sentence a person reads, naming the setting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("a setting is NAME=VALUE, not {0:?}")]
    NotAPair(String),
    #[error("{name} must be a whole number, not {value:?}")]
    NotANumber { name: String, value: String },
    #[error("{name} must be between {min} and {max}, not {value}")]
    OutOfRange {
        name: String,
        min: String,
        max: String,
        value: String,
    },
    #[error("{name} is 1 (on) or 0 (off), not {value:?}")]
    NotAFlag { name: String, value: String },
    /// `choices` lists each choice with its meaning.
    #[error("{name} is {choices}, not {value:?}")]
    NotAChoice {
        name: String,
        choices: String,
        value: String,
    },
    #[error("{name}: {error}")]
    Duration { name: String, error: DurationError },
    #[error("{name} is a setting of {owner}, not of {protocol}")]
    OfAnother {
        name: String,
        owner: &'static str,
        protocol: &'static str,
    },
    #[error("{protocol} has no setting called {name:?}")]
    NoSettings {
        protocol: &'static str,
        name: String,
    },
    #[error("{protocol} has no setting called {name:?}; its settings are {known}")]
    Unknown {
        protocol: &'static str,
        name: String,
        known: String,
    },
    /// Settings each fine alone but not together, in the protocol's words (a read quorum
    /// larger than the replicas).
    #[error("{0}")]
    Together(String),
}

pub(crate) fn normalise(desc: &SettingDesc, value: &str) -> Result<String, SettingError> {
    let name = desc.name.to_string();
    let not_a_number = || SettingError::NotANumber {
        name: name.clone(),
        value: value.to_string(),
    };
    let out_of_range =
        |min: &dyn std::fmt::Display, max: &dyn std::fmt::Display, n: &dyn std::fmt::Display| {
            SettingError::OutOfRange {
                name: name.clone(),
                min: min.to_string(),
                max: max.to_string(),
                value: n.to_string(),
            }
        };
    match &desc.kind {
        SettingKind::Number { min, max } => {
            let n: u64 = value.parse().map_err(|_| not_a_number())?;
            if n < *min || n > *max {
                return Err(out_of_range(min, max, &n));
            }
            Ok(n.to_string())
        }
        SettingKind::NodeCount { min } => {
            let n: u64 = value.parse().map_err(|_| not_a_number())?;
            let max = crate::ids::MAX_NODES as u64;
            if n < *min || n > max {
                return Err(out_of_range(min, &max, &n));
            }
            Ok(n.to_string())
        }
        SettingKind::Flag => match value {
            "1" | "true" | "on" => Ok("1".into()),
            "0" | "false" | "off" => Ok("0".into()),
            _ => Err(SettingError::NotAFlag {
                name,
                value: value.to_string(),
            }),
        },
        SettingKind::Choice { choices } => choices
            .iter()
            .find(|c| c.value == value || c.also.contains(&value))
            .map(|c| c.value.to_string())
            .ok_or_else(|| {
                let names: Vec<String> = choices
                    .iter()
                    .map(|c| format!("{} ({})", c.value, c.meaning))
                    .collect();
                SettingError::NotAChoice {
                    name: name.clone(),
                    choices: names.join(" or "),
                    value: value.to_string(),
                }
            }),
        SettingKind::Duration { min_us, max_us } => {
            let us = parse_duration(value).map_err(|error| SettingError::Duration {
                name: name.clone(),
                error,
            })?;
            if us < *min_us || us > *max_us {
                return Err(out_of_range(
                    &format_duration(*min_us),
                    &format_duration(*max_us),
                    &format_duration(us),
                ));
            }
            Ok(format_duration(us))
        }
    }
}

/// What a protocol's configuration may depend on besides its own settings.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    pub nodes: usize,
    /// Timeouts that must outlast a round trip are raised to at least three of these
    /// (0: keep the protocol's defaults).
    pub round_trip_us: Micros,
}

/// Checked settings and bugs, read by type in [`Described::configure`].
pub struct Values<'a> {
    pub(crate) about: &'static About,
    pub(crate) settings: &'a Settings,
    pub(crate) bugs: &'a [String],
}

impl<'a> Values<'a> {
    fn raw(&self, name: &str) -> Option<&str> {
        let desc = self
            .about
            .setting(name)
            .unwrap_or_else(|| panic!("{} reads an undeclared setting {name}", self.about.name));
        self.settings.get(name).or(desc.default)
    }

    /// Setting `setting`'s value: as given, or its default.
    pub fn get<K: Reads>(&self, setting: &Setting<K>) -> K::Value {
        K::read(&setting.desc, self.raw(setting.desc.name))
    }

    /// The bugs switched on, as the protocol's own type (names were checked against
    /// [`About::bugs`], so `parse` finds each).
    pub fn bugs<B>(&self, parse: impl Fn(&str) -> Option<B>) -> Vec<B> {
        self.bugs
            .iter()
            .map(|b| parse(b).expect("bug names are checked against the description"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::quorum::QuorumNode;
    use crate::registry::{check_settings, Described};

    #[test]
    fn settings_are_checked_and_normalised() {
        let about = QuorumNode::ABOUT;
        let mut s = Settings::new();
        s.set("r", "02");
        s.set("w", "1");
        s.set("sloppy", "on");
        let out = check_settings(about, &s).unwrap();
        assert_eq!(out.get("r"), Some("2"));
        assert_eq!(out.get("w"), None, "the default is dropped");
        assert_eq!(out.get("sloppy"), Some("1"));
        for (name, value, want) in [
            ("r", "x", "whole number"),
            ("conflict", "newest", "lww"),
            ("sync", "1", "setting of primary-backup"),
            ("colour", "red", "no setting called"),
        ] {
            let mut s = Settings::new();
            s.set(name, value);
            let err = check_settings(about, &s).unwrap_err().to_string();
            assert!(err.contains(want), "{name}={value}: {err}");
        }
    }

    const ROUNDS: Setting<Number> = Setting::<Number>::new(SettingDesc {
        name: "rounds",
        label: "rounds",
        kind: SettingKind::Number { min: 1, max: 9 },
        default: Some("3"),
        help: "",
    });

    const SPARE: Setting<Maybe<Number>> = Setting::<Maybe<Number>>::new(SettingDesc {
        name: "spare",
        label: "spare",
        kind: SettingKind::NodeCount { min: 0 },
        default: None,
        help: "",
    });

    #[test]
    fn typed_settings_read_as_their_kind_with_the_declared_default() {
        // The value given, else the declared default; `Maybe` has none.
        assert_eq!(Number::read(&ROUNDS.desc, ROUNDS.desc.default), 3);
        assert_eq!(Number::read(&ROUNDS.desc, Some("7")), 7);
        assert_eq!(<Maybe<Number>>::read(&SPARE.desc, SPARE.desc.default), None);
        assert_eq!(<Maybe<Number>>::read(&SPARE.desc, Some("2")), Some(2));
    }

    #[test]
    #[should_panic(expected = "not what its type reads")]
    fn a_setting_declared_with_another_kind_is_refused() {
        let _ = Setting::<Flag>::new(SettingDesc {
            name: "x",
            label: "x",
            kind: SettingKind::Number { min: 0, max: 1 },
            default: Some("0"),
            help: "",
        });
    }

    #[test]
    #[should_panic(expected = "needs a default")]
    fn a_setting_read_without_an_option_needs_a_default() {
        let _ = Setting::<Duration>::new(SettingDesc {
            name: "x",
            label: "x",
            kind: SettingKind::Duration {
                min_us: 0,
                max_us: 1,
            },
            default: None,
            help: "",
        });
    }
}
