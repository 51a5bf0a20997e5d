//! The network model: one `LinkConfig` per directed link, partitions as groups of nodes, and
//! one-way cuts. The world asks it two questions: may a message cross `from -> to` now, and
//! how long does it take.

use crate::ids::NodeId;
use crate::rng::{Ppm, SimRng};
use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

/// Everything that can go wrong on one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// Fixed one-way latency.
    pub latency_us: Micros,
    /// Extra latency drawn uniformly from `0..=jitter_us`; jitter larger than the gap
    /// between two sends reorders them.
    pub jitter_us: Micros,
    /// Probability that a message is lost.
    pub loss: Ppm,
    /// Probability that a message is delivered twice.
    pub duplicate: Ppm,
    /// Probability that a message is damaged in flight.
    pub corrupt: Ppm,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency_us: 5 * MICROS_PER_MS,
            jitter_us: 2 * MICROS_PER_MS,
            loss: Ppm::NEVER,
            duplicate: Ppm::NEVER,
            corrupt: Ppm::NEVER,
        }
    }
}

impl LinkConfig {
    pub fn validate(&self) -> Result<(), NetworkError> {
        for (name, p) in [
            ("loss", self.loss),
            ("duplicate", self.duplicate),
            ("corrupt", self.corrupt),
        ] {
            if !p.is_valid() {
                return Err(NetworkError::Probability { name, ppm: p.0 });
            }
        }
        if self.latency_us > 3_600_000_000 || self.jitter_us > 3_600_000_000 {
            return Err(NetworkError::TooSlow);
        }
        Ok(())
    }

    /// Draws the delivery delay of one message.
    pub fn draw_latency(&self, rng: &mut SimRng) -> Micros {
        self.latency_us + rng.below(self.jitter_us + 1)
    }
}

/// Why link settings were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("{name} probability {ppm} ppm is above 1000000 (100%)")]
    Probability { name: &'static str, ppm: u32 },
    #[error("latency and jitter must be at most one hour")]
    TooSlow,
}

/// Why a link refuses a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Blocked {
    /// The two ends are in different partition groups.
    Partition,
    /// The link was cut by hand (possibly in one direction only).
    Cut,
}

#[derive(Clone, Debug)]
pub struct Network {
    n: usize,
    links: Vec<LinkConfig>,
    /// Partition group of each node; all zero when the network is whole.
    group: Vec<u32>,
    cut: Vec<bool>,
    /// Whether receivers verify checksums (and so discard corrupted messages).
    pub checksums: bool,
}

impl Network {
    pub fn new(n: usize, link: LinkConfig) -> Self {
        Network {
            n,
            links: vec![link; n * n],
            group: vec![0; n],
            cut: vec![false; n * n],
            checksums: true,
        }
    }

    fn at(&self, from: NodeId, to: NodeId) -> usize {
        from.index() * self.n + to.index()
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        &self.links[self.at(from, to)]
    }

    pub fn set_link(&mut self, from: NodeId, to: NodeId, config: LinkConfig) {
        let i = self.at(from, to);
        self.links[i] = config;
    }

    pub fn set_all_links(&mut self, config: LinkConfig) {
        self.links.iter_mut().for_each(|l| *l = config);
    }

    /// Splits the nodes into groups; nodes left out of every group form one more group.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let leftover = groups.len() as u32 + 1;
        self.group.iter_mut().for_each(|g| *g = leftover);
        for (i, members) in groups.iter().enumerate() {
            for node in members {
                self.group[node.index()] = i as u32 + 1;
            }
        }
    }

    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        let i = self.at(from, to);
        self.cut[i] = cut;
    }

    /// Removes every partition and cut (link settings stay).
    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.cut.iter_mut().for_each(|c| *c = false);
    }

    pub fn blocked(&self, from: NodeId, to: NodeId) -> Option<Blocked> {
        if self.cut[self.at(from, to)] {
            Some(Blocked::Cut)
        } else if self.group[from.index()] != self.group[to.index()] {
            Some(Blocked::Partition)
        } else {
            None
        }
    }

    /// The partition groups, as lists of nodes (one list when the network is whole).
    pub fn groups(&self) -> Vec<Vec<NodeId>> {
        let mut keys: Vec<u32> = self.group.clone();
        crate::sort::natural(&mut keys);
        keys.dedup();
        keys.iter()
            .map(|k| {
                (0..self.n)
                    .filter(|&i| self.group[i] == *k)
                    .map(|i| NodeId(i as u32))
                    .collect()
            })
            .collect()
    }

    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[self.at(from, to)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_one_way_cuts() {
        let mut net = Network::new(5, LinkConfig::default());
        assert_eq!(net.blocked(NodeId(0), NodeId(4)), None);
        net.partition(&[vec![NodeId(0), NodeId(1)]]);
        assert_eq!(net.blocked(NodeId(0), NodeId(1)), None);
        assert_eq!(net.blocked(NodeId(0), NodeId(2)), Some(Blocked::Partition));
        assert_eq!(net.blocked(NodeId(3), NodeId(4)), None);
        assert_eq!(net.groups().len(), 2);
        net.heal();
        net.set_cut(NodeId(2), NodeId(3), true);
        assert_eq!(net.blocked(NodeId(2), NodeId(3)), Some(Blocked::Cut));
        assert_eq!(net.blocked(NodeId(3), NodeId(2)), None);
        net.heal();
        assert_eq!(net.blocked(NodeId(2), NodeId(3)), None);
    }

    #[test]
    fn bad_probabilities_are_rejected() {
        let link = LinkConfig {
            loss: Ppm(2_000_000),
            ..LinkConfig::default()
        };
        assert!(link.validate().unwrap_err().to_string().contains("loss"));
    }
}
