//! A protocol's settings: their descriptions (name, kind, range, default, help), the
//! `name=value` pairs that links, the command line and the set-up panel carry, how those are
//! checked and normalised against the descriptions, and how a protocol reads them by type.

use super::About;
use crate::time::format_duration;
use crate::time::{parse_duration, Micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub fn set_pair(&mut self, pair: &str) -> Result<(), String> {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("a setting is NAME=VALUE, not {pair:?}"))?;
        self.set(name.trim(), value.trim());
        Ok(())
    }
}

pub(crate) fn normalise(desc: &SettingDesc, value: &str) -> Result<String, String> {
    let name = desc.name;
    match &desc.kind {
        SettingKind::Number { min, max } => {
            let n: u64 = value
                .parse()
                .map_err(|_| format!("{name} must be a whole number, not {value:?}"))?;
            if n < *min || n > *max {
                return Err(format!("{name} must be between {min} and {max}, not {n}"));
            }
            Ok(n.to_string())
        }
        SettingKind::NodeCount { min } => {
            let n: u64 = value
                .parse()
                .map_err(|_| format!("{name} must be a whole number, not {value:?}"))?;
            let max = crate::ids::MAX_NODES as u64;
            if n < *min || n > max {
                return Err(format!("{name} must be between {min} and {max}, not {n}"));
            }
            Ok(n.to_string())
        }
        SettingKind::Flag => match value {
            "1" | "true" | "on" => Ok("1".into()),
            "0" | "false" | "off" => Ok("0".into()),
            _ => Err(format!("{name} is 1 (on) or 0 (off), not {value:?}")),
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
                format!("{name} is {}, not {value:?}", names.join(" or "))
            }),
        SettingKind::Duration { min_us, max_us } => {
            let us = parse_duration(value).map_err(|e| format!("{name}: {e}"))?;
            if us < *min_us || us > *max_us {
                return Err(format!(
                    "{name} must be between {} and {}, not {}",
                    format_duration(*min_us),
                    format_duration(*max_us),
                    format_duration(us)
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

    /// A number setting (its default if not given).
    pub fn number(&self, name: &str) -> u64 {
        self.optional_number(name)
            .unwrap_or_else(|| panic!("{name} has no default"))
    }

    /// A number setting whose default depends on the cluster (`None` if not given).
    pub fn optional_number(&self, name: &str) -> Option<u64> {
        self.raw(name).map(|v| v.parse().expect("checked"))
    }

    pub fn flag(&self, name: &str) -> bool {
        self.raw(name) == Some("1")
    }

    pub fn choice(&self, name: &str) -> &str {
        self.raw(name).expect("a choice has a default")
    }

    /// A duration setting, if given or defaulted.
    pub fn duration(&self, name: &str) -> Option<Micros> {
        self.raw(name).map(|v| parse_duration(v).expect("checked"))
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
            let err = check_settings(about, &s).unwrap_err();
            assert!(err.contains(want), "{name}={value}: {err}");
        }
    }
}
