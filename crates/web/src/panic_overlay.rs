//! A panic must never leave a blank page: this hook puts a message on top of whatever is
//! there, with a way to start again.

use wasm_bindgen::JsCast;

pub fn install() {
    // Through Yew, which otherwise replaces any hook with its own when it renders.
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        crate::recovery::restore_on_next_load();
        web_sys::console::error_1(&message.clone().into());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(overlay) = document.create_element("div") else {
            return;
        };
        overlay.set_class_name("panic-overlay");
        overlay.set_attribute("role", "alertdialog").ok();
        let title = document.create_element("h2").ok();
        let body = document.create_element("pre").ok();
        let again = document.create_element("button").ok();
        let fresh = document.create_element("button").ok();
        if let (Some(title), Some(body), Some(again), Some(fresh)) = (title, body, again, fresh) {
            title.set_text_content(Some("Something went wrong in the simulator"));
            // Shown as text, never as markup.
            body.set_text_content(Some(&message));
            again.set_text_content(Some("Start again with the same seed and actions"));
            again.set_attribute("onclick", "location.reload()").ok();
            fresh.set_text_content(Some("Start a fresh run"));
            fresh
                .set_attribute(
                    "onclick",
                    "sessionStorage.removeItem('splitbrain.restore-after-error');location.reload()",
                )
                .ok();
            overlay.append_child(&title).ok();
            overlay.append_child(&body).ok();
            overlay.append_child(&again).ok();
            overlay.append_child(&fresh).ok();
        }
        if let Some(body) = document.body() {
            body.append_child(overlay.unchecked_ref()).ok();
        }
    }));
}

/// Panics on purpose, so that the browser tests can check that the overlay appears and
/// that the run can be started again. Exported to JavaScript, not used by the page.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = splitbrainSelfTestPanic)]
pub fn self_test_panic() {
    panic!("self-test: a deliberate panic");
}
