//! A protocol's deliberate bugs, declared once: [`bugs!`](crate::bugs) makes the enum the
//! protocol's code matches on and the table its description lists, from one list of
//! (variant, name, what breaks).

/// Declares a protocol's bug enum and its description's table from one list, so that a
/// bug's name and what it breaks are written once:
///
/// ```
/// splitbrain_core::bugs! {
///     /// Deliberate departures from the paper.
///     pub enum LeaseBug {
///         /// The holder keeps acting after its lease ran out.
///         Overstay = "overstay": "a node keeps acting as holder after its lease expired",
///     }
/// }
/// assert_eq!(LeaseBug::parse("overstay"), Some(LeaseBug::Overstay));
/// assert_eq!(LeaseBug::TABLE[0].breaks, "a node keeps acting as holder after its lease expired");
/// ```
///
/// The enum gets `ALL` (every bug, in order), `TABLE` (the `BugDesc`s for `About::bugs`),
/// `name`, `breaks` and `parse` (for `Values::bugs`); it serializes as its names.
#[macro_export]
macro_rules! bugs {
    (
        $(#[$meta:meta])*
        $vis:vis enum $enum:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $name:literal: $breaks:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $enum {
            $(
                $(#[$vmeta])*
                #[serde(rename = $name)]
                $variant,
            )+
        }

        impl $enum {
            /// Every bug, in the order the description lists them.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            /// The bugs as the protocol's description lists them (`About::bugs`).
            pub const TABLE: &'static [$crate::about::BugDesc] = &[$(
                $crate::about::BugDesc { name: $name, breaks: $breaks }
            ),+];

            /// The bug's name in links and on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name),+
                }
            }

            /// What breaks when the bug is switched on.
            pub fn breaks(self) -> &'static str {
                match self {
                    $($enum::$variant => $breaks),+
                }
            }

            /// The bug named `name`, if it is one of these.
            pub fn parse(name: &str) -> Option<$enum> {
                Self::ALL.iter().copied().find(|b| b.name() == name)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::bugs! {
        /// Two bugs for the test.
        pub enum TestBug {
            /// The first.
            First = "first-bug": "the first breaks",
            Second = "second": "the second breaks",
        }
    }

    #[test]
    fn one_list_makes_the_enum_and_the_table() {
        assert_eq!(TestBug::ALL, [TestBug::First, TestBug::Second]);
        let names: Vec<&str> = TestBug::TABLE.iter().map(|b| b.name).collect();
        assert_eq!(names, ["first-bug", "second"]);
        for (&bug, desc) in TestBug::ALL.iter().zip(TestBug::TABLE) {
            assert_eq!(bug.name(), desc.name);
            assert_eq!(bug.breaks(), desc.breaks);
            assert_eq!(TestBug::parse(desc.name), Some(bug));
        }
        assert_eq!(TestBug::parse("First"), None);
        assert_eq!(
            serde_json::to_string(&TestBug::First).unwrap(),
            "\"first-bug\"",
            "serialized by its name"
        );
    }
}
