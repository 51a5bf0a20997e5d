//! The claims a lesson makes of a service under load, each judged at the end of a run given
//! time to settle: it recovers ([`recovers`]), and its answers come within the clients'
//! timeout ([`latency`]).

mod latency;
mod recovers;

pub use latency::LatencyBounded;
pub use recovers::Recovers;

use super::OvNode;
use crate::check::EndProperty;
use crate::time::{Micros, MICROS_PER_SEC};

/// How long a service is given to recover once its trigger is over (the server at full
/// speed again, not paused, up), before these are judged; a run's settling gives 5 s, so a
/// pause that lasts into the settling may leave too little time, and is not judged.
pub const RECOVERY: Micros = 4 * MICROS_PER_SEC;

pub fn at_end() -> Vec<Box<dyn EndProperty<OvNode>>> {
    vec![Box::new(Recovers), Box::new(LatencyBounded)]
}
