//! The playground page with one more protocol: the majority register of `own-protocol`.
//! Build and serve it with `trunk serve examples/own-protocol/page/index.html`.

fn main() {
    own_protocol::register();
    splitbrain_web::start();
}
