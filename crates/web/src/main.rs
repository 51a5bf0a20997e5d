//! The splitbrain playground page with the built-in protocols (see `lib.rs`).

fn main() {
    splitbrain_web::start();
}
