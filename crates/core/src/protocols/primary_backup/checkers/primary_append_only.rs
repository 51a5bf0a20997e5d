//! A primary only appends to its log while it leads an epoch: it never drops or changes
//! an entry it holds, so what it has acknowledged stays in its own log until it steps
//! down. (Whether the entries survive its replacement is another matter.)

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::primary_backup::{Entry, PbNode};

/// What a node looked like at its last check while it led.
#[derive(Clone, Debug)]
struct Leading {
    epoch: u64,
    len: usize,
    last: Option<Entry>,
}

#[derive(Clone, Debug, Default)]
pub struct PrimaryAppendOnly {
    leading: Vec<Option<Leading>>,
}

impl PrimaryAppendOnly {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "primary append-only",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "a primary never rewrites its own log during its epoch",
    };
}

impl Invariant<PbNode> for PrimaryAppendOnly {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PbNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let i = id.index();
        if self.leading.len() <= i {
            self.leading.resize(i + 1, None);
        }
        let now = node.is_primary().then(|| Leading {
            epoch: node.epoch(),
            len: node.log().len(),
            last: node.log().last().cloned(),
        });
        if let (Some(before), Some(now), false) = (&self.leading[i], &now, view.rebooted) {
            if before.epoch == now.epoch {
                let kept =
                    before.len == 0 || node.log().get(before.len - 1) == before.last.as_ref();
                if now.len < before.len || !kept {
                    return Err(format!(
                        "{id}, primary of epoch {}, rewrote its log: it had {} entries and now has {}",
                        now.epoch, before.len, now.len
                    ));
                }
            }
        }
        self.leading[i] = now;
        Ok(())
    }
}
