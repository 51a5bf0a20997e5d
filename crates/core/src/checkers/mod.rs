//! Checkers that belong to no one protocol. A protocol's own checkers (one file per
//! property) live in its folder, `protocols/<name>/checkers/`.

/// Judges a finished client history, whatever the protocol that served it.
pub mod linearizability;
