//! A panic must never leave a blank page: this hook puts a message on top of whatever is
//! there, with a way to start again.

use wasm_bindgen::JsCast;

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
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
        let reload = document.create_element("button").ok();
        if let (Some(title), Some(body), Some(reload)) = (title, body, reload) {
            title.set_text_content(Some("Something went wrong in the simulator"));
            // Shown as text, never as markup.
            body.set_text_content(Some(&message));
            reload.set_text_content(Some("Reload the playground"));
            reload.set_attribute("onclick", "location.reload()").ok();
            overlay.append_child(&title).ok();
            overlay.append_child(&body).ok();
            overlay.append_child(&reload).ok();
        }
        if let Some(body) = document.body() {
            body.append_child(overlay.unchecked_ref()).ok();
        }
    }));
}
