//! Remote procedure calls over a lossy network, and what it takes for a call to take
//! effect exactly once.
//!
//! The clients are nodes of the cluster (every node but the last), and so is the server
//! (the last node), which keeps an account. Each client makes `calls` calls one after the
//! other, each "deposit 10", and its requests and the server's replies cross the network
//! like any other message: a lost request, a lost reply and a server that crashes between
//! applying a call and answering it are different runs, and the client cannot tell them
//! apart. All it sees is silence.
//!
//! The correct form gives exactly-once effect: the client retries a call until it is
//! answered, and every call carries an idempotency key (the client's name and the call's
//! number), which the server records, on disk and together with the effect, in a table of
//! the answers it gave. A retry of a call already applied is answered from the table and
//! not applied again. The bugs are the weaker semantics and a classic slip:
//! - `no-retry` sends each call once and gives up after a timeout: at-most-once. A lost
//!   request is a call that never happens, and the client does not know whether it did.
//! - `no-dedup` retries without the table: at-least-once. A lost reply makes the retry
//!   deposit again.
//! - `forget-keys` keeps the table only in memory: a server that crashes and restarts
//!   answers a retry as if it were new.
//!
//! Two settings take the server's steps and the client's choice apart, for the course's
//! table of reissue strategies against the order of a server's steps and its crash:
//! - `steps`: the server applies a call and sends its completion message together (the
//!   default), or sends the completion first and applies the call `work` later
//!   (`reply-first`, M before P), or applies it first and answers `work` later
//!   (`effect-first`, P before M); a crash between the two loses the second.
//! - `reissue`: `key` (the default: retry after a timeout, with idempotency keys), or one
//!   of the strategies of a client that has no keys and no timeout and learns only that the
//!   server restarted (a restarted server says so to every client): reissue the last call
//!   `always`, `never`, only `when-acked` (the completion message came), or only
//!   `when-not-acked`. Without keys the server applies every request it receives.

/// Its roles, by code (the codes are part of every trace). The names are the page's
/// colour classes.
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const CLIENT: Role = Role(0);
    pub const SERVER: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "server",
            label: "server (keeps the account)",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "client",
            label: "client (calls the server)",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
mod checkers;
mod msg;
mod node;

pub use msg::{CallId, RpcDisk, RpcMsg, RpcNote, RpcTimer, RpcWrite};
pub use node::RpcNode;

use crate::time::{Micros, MICROS_PER_MS};

/// How much each call deposits.
pub const AMOUNT: u64 = 10;

crate::bugs! {
    /// A deliberate departure from exactly-once calls.
    pub enum RpcBug {
        /// At-most-once: each call is sent once; after the timeout the client gives up.
        NoRetry = "no-retry": "at-most-once: each call is sent once and given up after the timeout, so a lost request never takes effect and the client cannot know",
        /// At-least-once: the server applies every request it receives, retries included.
        NoDedup = "no-dedup": "at-least-once: the server applies every request it receives, so the retry after a lost reply deposits again",
        /// The server's table of answered calls is kept in memory only, so a restart forgets it.
        ForgetKeys = "forget-keys": "the server keeps its table of answered calls in memory only, so after a restart it applies a retried call again",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcConfig {
    /// Calls each client makes.
    pub calls: u32,
    /// How long a client waits for an answer before it retries (or gives up).
    pub timeout_us: Micros,
    /// The pause between one call's answer and the next call.
    pub pause_us: Micros,
    /// The order of the server's two steps for a call.
    pub steps: Steps,
    /// How long the server works on a call between its two steps (not with `Together`).
    pub work_us: Micros,
    /// What a client does about its calls: retry with keys, or a strategy without them.
    pub reissue: Reissue,
    pub bugs: Vec<RpcBug>,
}

/// The order of a server's two steps for a call: P, applying it, and M, sending the
/// completion message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Steps {
    /// Both at once, as one step.
    Together,
    /// M, then P `work` later.
    ReplyFirst,
    /// P, then M `work` later.
    EffectFirst,
}

/// What a client does when it cannot know whether its call took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reissue {
    /// Retry after a timeout, under the same idempotency key, which the server records.
    Key,
    /// No keys and no timeout: when the server announces a restart, send the last call again.
    Always,
    /// ... never send it again.
    Never,
    /// ... send it again only if its completion message came.
    WhenAcked,
    /// ... send it again only if its completion message did not come.
    WhenNotAcked,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            calls: 30,
            timeout_us: 200 * MICROS_PER_MS,
            pause_us: 200 * MICROS_PER_MS,
            steps: Steps::Together,
            work_us: 50 * MICROS_PER_MS,
            reissue: Reissue::Key,
            bugs: Vec::new(),
        }
    }
}

impl RpcConfig {
    pub fn has(&self, bug: RpcBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether calls carry idempotency keys the server records and clients retry after a
    /// timeout (the default), rather than one of the keyless strategies.
    pub fn keyed(&self) -> bool {
        self.reissue == Reissue::Key
    }
}

#[cfg(test)]
mod tests;
