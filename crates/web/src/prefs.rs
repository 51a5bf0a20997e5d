//! The reader's own choices, kept in the browser's local storage across visits: whether the
//! page narrates, and whether the first-visit hint was dismissed. Nothing here changes a
//! run, so none of it belongs in a link.

const PREFIX: &str = "splitbrain.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A yes-or-no choice, `default` until the reader makes it (or if storage is blocked).
pub fn flag(name: &str, default: bool) -> bool {
    storage()
        .and_then(|s| s.get_item(&format!("{PREFIX}{name}")).ok().flatten())
        .map_or(default, |v| v == "1")
}

pub fn set_flag(name: &str, on: bool) {
    if let Some(s) = storage() {
        s.set_item(&format!("{PREFIX}{name}"), if on { "1" } else { "0" })
            .ok();
    }
}
