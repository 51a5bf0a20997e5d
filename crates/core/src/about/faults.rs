//! The kinds of fault the fuzzer injects, by name (as Maelstrom names its nemeses), so that a
//! protocol can say which its promises allow ([`crate::about::Described::faults`]) and a fuzz
//! can choose some (`splitbrain fuzz --faults partition,crash`).

use serde::{Deserialize, Serialize};

/// A kind of fault the fuzzer can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The network split into groups (also around the node that leads).
    Partition,
    /// One direction of one link cut.
    Cut,
    /// Crashes and restarts with the disk kept (also at a disk write, and of the node that
    /// leads).
    Crash,
    /// A node stops for a while and carries on (a long garbage-collection stall).
    Pause,
    /// A node takes extra time for every input.
    Slow,
    /// A node's clock jumps forwards or backwards.
    ClockStep,
    /// A node's clock runs fast or slow.
    ClockDrift,
    /// Every link's loss, delay, jitter, duplication and corruption changed.
    Network,
}

impl FaultKind {
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Partition,
        FaultKind::Cut,
        FaultKind::Crash,
        FaultKind::Pause,
        FaultKind::Slow,
        FaultKind::ClockStep,
        FaultKind::ClockDrift,
        FaultKind::Network,
    ];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::Cut => "cut",
            FaultKind::Crash => "crash",
            FaultKind::Pause => "pause",
            FaultKind::Slow => "slow",
            FaultKind::ClockStep => "clock-step",
            FaultKind::ClockDrift => "clock-drift",
            FaultKind::Network => "network",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of fault kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Faults(u16);

impl Faults {
    /// Every kind.
    pub const ALL: Faults = Faults((1 << FaultKind::ALL.len()) - 1);
    /// No fault at all.
    pub const NONE: Faults = Faults(0);

    /// The set of `kinds`.
    pub const fn of(kinds: &[FaultKind]) -> Faults {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << (kinds[i] as u16);
            i += 1;
        }
        Faults(bits)
    }

    pub fn has(self, kind: FaultKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The kinds in both sets.
    pub fn and(self, other: Faults) -> Faults {
        Faults(self.0 & other.0)
    }

    /// Every kind in this set except `kind`.
    pub const fn without(self, kind: FaultKind) -> Faults {
        Faults(self.0 & !(1 << (kind as u16)))
    }

    /// The kinds in the set, in the order of [`FaultKind::ALL`].
    pub fn kinds(self) -> impl Iterator<Item = FaultKind> {
        FaultKind::ALL.into_iter().filter(move |k| self.has(*k))
    }

    /// A comma-separated list of kinds (`partition,crash`), as the command line takes it.
    pub fn parse(text: &str) -> Result<Faults, String> {
        let mut set = Faults::NONE;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind = FaultKind::ALL
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| format!("no fault kind {name:?}; the kinds are {}", Faults::ALL))?;
            set = Faults(set.0 | kind.bit());
        }
        Ok(set)
    }
}

impl std::fmt::Display for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.kinds().map(FaultKind::name).collect();
        f.write_str(&names.join(", "))
    }
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Faults({self})")
    }
}

impl Serialize for Faults {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.kinds())
    }
}

impl<'de> Deserialize<'de> for Faults {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Faults, D::Error> {
        let kinds = Vec::<FaultKind>::deserialize(d)?;
        Ok(Faults::of(&kinds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_names_is_a_set_and_back() {
        let set = Faults::parse("crash, partition,clock-step").unwrap();
        assert!(set.has(FaultKind::Crash) && set.has(FaultKind::ClockStep));
        assert!(!set.has(FaultKind::Pause));
        assert_eq!(set.to_string(), "partition, crash, clock-step");
        assert_eq!(Faults::parse("").unwrap(), Faults::NONE);
        let err = Faults::parse("partition,meteor").unwrap_err();
        assert!(
            err.contains("\"meteor\"") && err.contains("clock-drift"),
            "{err}"
        );
        assert_eq!(Faults::ALL.kinds().count(), FaultKind::ALL.len());
        assert_eq!(
            Faults::ALL.without(FaultKind::ClockStep).and(set),
            Faults::of(&[FaultKind::Partition, FaultKind::Crash])
        );
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["partition","crash","clock-step"]"#);
        assert_eq!(serde_json::from_str::<Faults>(&json).unwrap(), set);
    }
}
