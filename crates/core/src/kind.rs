//! A value's variant name, read through serde: what [`crate::protocol::Message::kind`]
//! answers by default (`AppendEntries` for `RaftMsg::AppendEntries { .. }`).

use serde::ser::{self, Impossible, Serialize};
use std::fmt;

/// The name of `value`'s enum variant (or, for a struct, the struct's name), as serde
/// sees it; `"message"` for anything else.
pub fn variant_name<T: Serialize + ?Sized>(value: &T) -> &'static str {
    match value.serialize(Names) {
        Ok(name) => name,
        Err(Unnamed) => "message",
    }
}

/// Serialises nothing but a name.
struct Names;

#[derive(Debug)]
struct Unnamed;

impl fmt::Display for Unnamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an enum variant or a named struct")
    }
}

impl std::error::Error for Unnamed {}

impl ser::Error for Unnamed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unnamed
    }
}

type Name = Result<&'static str, Unnamed>;

macro_rules! unnamed {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Name {
            Err(Unnamed)
        })*
    };
}

impl ser::Serializer for Names {
    type Ok = &'static str;
    type Error = Unnamed;
    type SerializeSeq = Impossible<&'static str, Unnamed>;
    type SerializeTuple = Impossible<&'static str, Unnamed>;
    type SerializeTupleStruct = Named;
    type SerializeTupleVariant = Named;
    type SerializeMap = Impossible<&'static str, Unnamed>;
    type SerializeStruct = Named;
    type SerializeStructVariant = Named;

    unnamed!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Name {
        value.serialize(self)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Name {
        Ok(name)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Name {
        Ok(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, _: &T) -> Name {
        Ok(name)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Name {
        Ok(variant)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unnamed> {
        Err(Unnamed)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unnamed> {
        Err(Unnamed)
    }

    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<Named, Unnamed> {
        Ok(Named(name))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Named, Unnamed> {
        Ok(Named(variant))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unnamed> {
        Err(Unnamed)
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Named, Unnamed> {
        Ok(Named(name))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Named, Unnamed> {
        Ok(Named(variant))
    }
}

/// A compound value's name; its fields are skipped.
struct Named(&'static str);

/// Each compound shape's serialiser for [`Named`]: fields skipped, the name at the end.
macro_rules! named {
    ($($shape:ident($($key:ty)?)),* $(,)?) => {$(
        impl ser::$shape for Named {
            type Ok = &'static str;
            type Error = Unnamed;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                $(_: $key,)?
                _: &T,
            ) -> Result<(), Unnamed> {
                Ok(())
            }
            fn end(self) -> Name {
                Ok(self.0)
            }
        }
    )*};
}

named!(
    SerializeStruct(&'static str),
    SerializeStructVariant(&'static str),
    SerializeTupleStruct(),
    SerializeTupleVariant(),
);

#[cfg(test)]
mod tests {
    use super::variant_name;
    use serde::Serialize;

    #[derive(Serialize)]
    enum Msg {
        Ping,
        Ack(u64),
        Pair(u64, u64),
        Vote { term: u64, granted: bool },
    }

    #[derive(Serialize)]
    struct Heartbeat {
        from: u32,
    }

    #[test]
    fn every_shape_of_message_is_named_by_its_variant() {
        assert_eq!(variant_name(&Msg::Ping), "Ping");
        assert_eq!(variant_name(&Msg::Ack(1)), "Ack");
        assert_eq!(variant_name(&Msg::Pair(1, 2)), "Pair");
        assert_eq!(
            variant_name(&Msg::Vote {
                term: 1,
                granted: true
            }),
            "Vote"
        );
        assert_eq!(variant_name(&Heartbeat { from: 0 }), "Heartbeat");
        assert_eq!(variant_name(&7u64), "message");
    }

    #[test]
    fn the_default_agrees_with_the_kinds_the_protocols_name_by_hand() {
        use crate::protocol::Message;
        use crate::protocols::paxos::{Ballot, PaxosMsg, Val};
        let ballot = Ballot {
            round: 1,
            proposer: 0,
        };
        for msg in [
            PaxosMsg::Prepare { ballot },
            PaxosMsg::Accepted {
                ballot,
                value: Val(1),
            },
            PaxosMsg::Ask,
        ] {
            assert_eq!(variant_name(&msg), msg.kind());
        }
    }
}
