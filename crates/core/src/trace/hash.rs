//! The stable hash: FNV-1a over the postcard encoding of what is hashed.

use serde::Serialize;

/// FNV-1a, 64 bit: tiny, fast enough, and fully specified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHasher {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }

    /// Folds an unsigned integer in as postcard encodes a `u16` to `u64` (LEB128: seven
    /// bits a byte, low bits first, the top bit set on all but the last), without going
    /// through a serializer: the hot fields of the hot events.
    #[inline]
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte(v as u8 | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// Folds a value's canonical (postcard) encoding into the hash.
    pub fn write_value<T: Serialize + ?Sized>(&mut self, value: &T) {
        // Serialising into a hasher cannot fail; an error here would be a bug in a
        // hand-written Serialize impl, and skipping it would still be deterministic.
        let _ = postcard::serialize_with_flavor(value, HashFlavor(self));
    }

    /// The hash of one value on its own.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> u64 {
        let mut h = StableHasher::default();
        h.write_value(value);
        h.finish()
    }
}

impl StableHasher {
    /// Folds in a variant index and then integer fields (ids, lengths), each as postcard
    /// encodes it.
    #[inline]
    pub(super) fn ids(&mut self, variant: u32, fields: &[u64]) {
        self.varint(variant.into());
        for &f in fields {
            self.varint(f);
        }
    }
}

struct HashFlavor<'a>(&'a mut StableHasher);

impl postcard::ser_flavors::Flavor for HashFlavor<'_> {
    type Output = ();

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.write(&[data]);
        Ok(())
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.write(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}
