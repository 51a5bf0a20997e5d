//! A failure must never leave a blank or frozen page: a message goes on top of whatever is
//! there, with a way to start again.
//!
//! Two kinds of failure reach here. A Rust panic goes through the panic hook. A trap of the
//! WebAssembly instance that is not a panic (running out of memory aborts without one)
//! surfaces only as an uncaught `WebAssembly.RuntimeError` in the browser. After either, the
//! instance may be in any state (a `RefCell` left borrowed, an allocator that cannot give
//! more), so the overlay is drawn by plain JavaScript made while the module was healthy, and
//! nothing in it calls back into WebAssembly.

use wasm_bindgen::JsValue;

/// The overlay, as a JavaScript function of the message: shown once (a second failure, or
/// the click that meets a poisoned instance, leaves the first message in place), and the
/// next load restores the run (the flag `recovery.rs` reads).
const SHOW: &str = r#"
if (document.querySelector('.panic-overlay')) return;
try { sessionStorage.setItem('splitbrain.restore-after-error', '1'); } catch (e) {}
const overlay = document.createElement('div');
overlay.className = 'panic-overlay';
overlay.setAttribute('role', 'alertdialog');
const title = document.createElement('h2');
title.textContent = 'Something went wrong in the simulator';
const body = document.createElement('pre');
body.textContent = message;
const again = document.createElement('button');
again.textContent = 'Start again with the same seed and actions';
again.onclick = () => location.reload();
const fresh = document.createElement('button');
fresh.textContent = 'Start a fresh run';
fresh.onclick = () => {
  try { sessionStorage.removeItem('splitbrain.restore-after-error'); } catch (e) {}
  location.reload();
};
overlay.append(title, body, again, fresh);
(document.body || document.documentElement).append(overlay);
"#;

/// Listens for traps that are not panics. `show` is the function above.
const LISTEN: &str = r#"
const trapped = (error) => error instanceof WebAssembly.RuntimeError;
const words = (error) => /unreachable/.test(String(error.message))
  ? 'The simulator stopped (' + error.message + '). This usually means the page ran out of memory.'
  : 'The simulator stopped: ' + error.message;
window.addEventListener('error', (e) => { if (trapped(e.error)) show(words(e.error)); });
window.addEventListener('unhandledrejection', (e) => { if (trapped(e.reason)) show(words(e.reason)); });
"#;

pub fn install() {
    let show = js_sys::Function::new_with_args("message", SHOW);
    js_sys::Function::new_with_args("show", LISTEN)
        .call1(&JsValue::NULL, &show)
        .ok();
    // Through Yew, which otherwise replaces any hook with its own when it renders.
    yew::set_custom_panic_hook(Box::new(move |info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.clone().into());
        show.call1(&JsValue::NULL, &message.into()).ok();
    }));
}

/// Panics on purpose, so that the browser tests can check that the overlay appears and
/// that the run can be started again. Exported to JavaScript, not used by the page.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = splitbrainSelfTestPanic)]
pub fn self_test_panic() {
    panic!("self-test: a deliberate panic");
}

/// Traps without a panic, as running out of memory does. Exported for the browser tests.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = splitbrainSelfTestTrap)]
pub fn self_test_trap() {
    std::process::abort();
}
