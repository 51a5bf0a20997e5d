//! A run as text: its set-up and its actions in the form of a URL query
//! (`nodes=5&seed=1&bugs=forget-vote&load=5&net=...&actions=1.5s@crash:2:keep,...`; the
//! action format is the core's `recipe`). The page keeps the current run in the tab's
//! session storage after every change, so that after a crash the overlay can start the
//! same run again: a panic aborts the WebAssembly instance, so nothing can be read out of
//! it afterwards.

use splitbrain_core::recipe::LinkError;
pub use splitbrain_core::recipe::Recipe;

const RECIPE: &str = "splitbrain.recipe";
/// Set by the error overlay (`panic_overlay.rs`, in JavaScript): the next load restores the
/// saved recipe.
const RESTORE: &str = "splitbrain.restore-after-error";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn save(recipe: &Recipe) {
    if let Some(storage) = storage() {
        storage.set_item(RECIPE, &recipe.to_query()).ok();
    }
}

/// The recipe to restore after an error, if the last load ended in one. A saved recipe
/// that does not read back is reported, not trusted.
pub fn take_restore() -> Option<Result<Recipe, LinkError>> {
    let storage = storage()?;
    storage.get_item(RESTORE).ok()??;
    storage.remove_item(RESTORE).ok();
    let text = storage.get_item(RECIPE).ok()??;
    Some(Recipe::from_query(&text))
}

pub fn forget() {
    if let Some(storage) = storage() {
        storage.remove_item(RECIPE).ok();
        storage.remove_item(RESTORE).ok();
    }
}
