//! The core's errors, one type per concern, each declared in its own module:
//! - [`crate::time::DurationError`]: a duration (`1.5s`);
//! - [`crate::about::SettingError`]: a protocol's settings;
//! - [`crate::network::NetworkError`], [`crate::client::WorkloadError`] and
//!   [`crate::action::ActionError`]: link settings, a client workload, an action for a
//!   cluster and a protocol;
//! - [`crate::run::RunError`]: a run (protocol, nodes, bugs, settings, actions);
//! - [`crate::registry::RegisterError`]: a protocol registered from outside;
//! - [`crate::recipe::LinkError`]: a link, or a recipe read from one;
//! - [`crate::checkers::linearizability::formats::HistoryFileError`]: a history file;
//! - [`crate::export::TraceFileError`]: an exported trace file;
//! - [`crate::lesson::LessonError`]: a lesson's text;
//! - [`crate::cap::CapError`]: a CAP experiment.
//!
//! Each one's `Display` is the sentence a person reads. Callers that need to know which
//! kind of input was wrong match on the type: a link's error wraps a run's, which wraps a
//! setting's or an action's.
//!
//! Where an error becomes part of a larger sentence that is still plain text (a checker's
//! verdict, a protocol's own check of its configuration), it converts into a `String`.

/// `impl From<E> for String` for each error type, so that `?` turns an error into its
/// sentence where the caller's error is itself a sentence.
macro_rules! into_sentence {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for String {
            fn from(error: $error) -> String {
                error.to_string()
            }
        })*
    };
}

into_sentence!(
    crate::time::DurationError,
    crate::about::SettingError,
    crate::network::NetworkError,
    crate::client::WorkloadError,
    crate::action::ActionError,
    crate::run::RunError,
    crate::registry::RegisterError,
    crate::recipe::LinkError,
    crate::lesson::LessonError,
    crate::cap::CapError,
    crate::export::TraceFileError,
    crate::checkers::linearizability::formats::HistoryFileError,
);
