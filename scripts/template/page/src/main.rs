//! The playground with __NAME__ added: `trunk serve page/index.html`.

fn main() {
    __CRATE__::register();
    splitbrain_web::start();
}
