//! What a protocol hands the engine to carry, trace and show (a message, a timer, a note),
//! behind object-safe traits, so that the engine is compiled once for every protocol.
//!
//! The engine never looks inside a payload: it asks the payload to hash itself (the same
//! postcard bytes a typed value would give, so trace hashes do not depend on the erasure),
//! to describe itself in words, and, for a message, to corrupt itself. Only the typed layer
//! behind the engine's boundary (and tests) takes the protocol's own type back out, with
//! [`AnyMsg::get`] and friends.

use crate::about::Described;
use crate::protocol::{Message, Note, Protocol};
use crate::rng::SimRng;
use crate::trace::StableHasher;
use std::any::Any;
use std::fmt::Debug;
use std::rc::Rc;

/// A message of some protocol, as the engine carries it: shared, so that the trace, a
/// duplicate and the copy in flight are one allocation.
pub type Msg = Rc<dyn AnyMsg>;

// The traits below have no `Debug` supertrait: a trait object's table would keep every
// protocol's derived `Debug` code in the page. Their `Debug` is written once, in words.

/// A protocol's message with its type erased.
pub trait AnyMsg {
    /// Its type's label (`AppendEntries`), from [`Message::kind`].
    fn kind(&self) -> &'static str;
    /// Its contents in words, field by field (see [`Message::fields`]).
    fn fields(&self) -> Vec<(&'static str, String)>;
    /// Which of the protocol's four message colours it has.
    fn colour(&self) -> u8;
    /// Folds its postcard encoding into `h`.
    fn hash_into(&self, h: &mut StableHasher);
    /// A damaged copy (see [`Message::corrupt`]).
    fn corrupt(&self, rng: &mut SimRng) -> Msg;
    fn as_any(&self) -> &dyn Any;
}

impl Debug for dyn AnyMsg + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.kind(), self.fields())
    }
}

impl<'a> dyn AnyMsg + 'a {
    /// The message as protocol `P`'s type, if it is one of `P`'s.
    pub fn get<P: Protocol>(&self) -> Option<&P::Msg> {
        self.as_any().downcast_ref::<MsgOf<P>>().map(|m| &m.0)
    }

    /// Its fields as one line (`term 3 · granted yes`), each value cut at `max` characters.
    pub fn fields_text(&self, max: usize) -> String {
        let parts: Vec<String> = self
            .fields()
            .into_iter()
            .map(|(name, value)| {
                let value = if value.chars().count() > max {
                    let cut: String = value.chars().take(max).collect();
                    format!("{cut}…")
                } else {
                    value
                };
                format!("{name} {value}")
            })
            .collect();
        parts.join(" · ")
    }

    /// The fields that differ in `after`, as "field old → new" (for showing what
    /// corruption changed), read from the protocol's own description of its messages.
    pub fn changes_to(&self, after: &dyn AnyMsg) -> String {
        if self.kind() != after.kind() {
            return format!("{} became {}", self.kind(), after.kind());
        }
        let (a, b) = (self.fields(), after.fields());
        let diffs: Vec<String> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x != y)
            .map(|((field, old), (_, new))| format!("{field} {old} → {new}"))
            .collect();
        if diffs.is_empty() {
            "no visible change".into()
        } else {
            diffs.join(", ")
        }
    }
}

/// Protocol `P`'s message, behind [`AnyMsg`].
#[derive(Debug)]
pub struct MsgOf<P: Protocol>(pub P::Msg);

impl<P: Described> MsgOf<P> {
    pub fn wrap(msg: P::Msg) -> Msg {
        Rc::new(MsgOf::<P>(msg))
    }
}

impl<P: Described> AnyMsg for MsgOf<P> {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        self.0.fields()
    }

    fn colour(&self) -> u8 {
        P::colour_of(&self.0)
    }

    fn hash_into(&self, h: &mut StableHasher) {
        h.write_value(&self.0);
    }

    fn corrupt(&self, rng: &mut SimRng) -> Msg {
        Self::wrap(self.0.corrupt(rng))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A timer that fired, as a recorded trace keeps it.
pub trait AnyTimer {
    /// What it is for, in words (see [`Protocol::timer_text`]).
    fn text(&self) -> String;
    fn hash_into(&self, h: &mut StableHasher);
    fn as_any(&self) -> &dyn Any;
}

/// Protocol `P`'s timer, behind [`AnyTimer`].
#[derive(Debug)]
pub struct TimerOf<P: Protocol>(pub P::Timer);

impl<P: Protocol> AnyTimer for TimerOf<P> {
    fn text(&self) -> String {
        P::timer_text(&self.0)
    }

    fn hash_into(&self, h: &mut StableHasher) {
        h.write_value(&self.0);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Debug for dyn AnyTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timer {}", self.text())
    }
}

impl dyn AnyTimer {
    /// The timer as protocol `P`'s type, if it is one of `P`'s.
    pub fn get<P: Protocol>(&self) -> Option<&P::Timer> {
        self.as_any().downcast_ref::<TimerOf<P>>().map(|t| &t.0)
    }
}

/// A protocol's note with its type erased.
pub trait AnyNote {
    /// The note in words (see [`Note::text`]).
    fn text(&self) -> String;
    /// Whether it is routine (see [`Note::is_routine`]).
    fn is_routine(&self) -> bool;
    /// Whether the diagram marks it (see [`Note::is_mark`]).
    fn is_mark(&self) -> bool;
    /// Its point on a line across the diagram (see [`Note::cut`]).
    fn cut(&self) -> Option<crate::protocol::CutPoint>;
    fn hash_into(&self, h: &mut StableHasher);
    fn as_any(&self) -> &dyn Any;
}

impl<N: Note + 'static> AnyNote for N {
    fn text(&self) -> String {
        Note::text(self)
    }

    fn is_routine(&self) -> bool {
        Note::is_routine(self)
    }

    fn is_mark(&self) -> bool {
        Note::is_mark(self)
    }

    fn cut(&self) -> Option<crate::protocol::CutPoint> {
        Note::cut(self)
    }

    fn hash_into(&self, h: &mut StableHasher) {
        h.write_value(self);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Debug for dyn AnyNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "note {}", self.text())
    }
}

impl dyn AnyNote {
    /// The note as type `N` (a protocol's `Note` type), if it is one.
    pub fn get<N: 'static>(&self) -> Option<&N> {
        self.as_any().downcast_ref::<N>()
    }
}

#[cfg(test)]
mod tests {
    use super::MsgOf;
    use crate::protocols::raft::{RaftMsg, RaftNode};

    #[test]
    fn a_changed_field_is_named_with_both_values() {
        let wrap = MsgOf::<RaftNode>::wrap;
        let a = wrap(RaftMsg::Vote {
            term: 3,
            granted: true,
        });
        let b = wrap(RaftMsg::Vote {
            term: 7,
            granted: false,
        });
        assert_eq!(a.changes_to(b.as_ref()), "term 3 → 7, granted yes → no");
        assert_eq!(a.changes_to(a.as_ref()), "no visible change");
        let c = wrap(RaftMsg::AppendReply {
            term: 3,
            success: true,
            match_index: 4,
        });
        assert_eq!(a.changes_to(c.as_ref()), "Vote became AppendReply");
        assert_eq!(a.fields_text(40), "term 3 · granted yes");
    }
}
