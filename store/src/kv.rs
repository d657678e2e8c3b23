//! Keys, values and revisions: the data model shared by every backend.

/// A store-wide logical clock: every transaction that changes something gets the next one.
pub type Revision = i64;

/// One key as stored, with etcd's bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Vec<u8>,
    /// Revision of the put that created the key (kept until the key is deleted).
    pub create_revision: Revision,
    /// Revision of the last put of the key.
    pub mod_revision: Revision,
    /// Number of puts since the key was created (1 after the first).
    pub version: i64,
}

/// The keys under a prefix, read at one revision.
#[derive(Clone, Debug)]
pub struct RangeResponse {
    /// Sorted by key in byte order.
    pub kvs: Vec<KeyValue>,
    /// The store revision the range was read at.
    pub revision: Revision,
}

/// The smallest byte string greater than every string that starts with `prefix`.
///
/// Keys are UTF-8, which never contains the byte 0xFF, so `[0xFF]` bounds every key (the empty
/// prefix) and incrementing the last byte of a non-empty prefix never overflows.
pub fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    match end.last_mut() {
        Some(last) => *last += 1,
        None => end.push(0xFF),
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_bounds_exactly_the_prefixed_keys() {
        let end = prefix_end("/a/");
        assert_eq!(end, b"/a0".to_vec());
        for inside in ["/a/", "/a/b", "/a/\u{10FFFF}"] {
            assert!(inside.as_bytes() >= b"/a/".as_slice() && inside.as_bytes() < end.as_slice());
        }
        for outside in ["/a0", "/ab", "/b", "/a"] {
            let b = outside.as_bytes();
            assert!(!(b >= b"/a/".as_slice() && b < end.as_slice()), "{outside}");
        }
    }

    #[test]
    fn empty_prefix_bounds_every_utf8_key() {
        let end = prefix_end("");
        assert!("\u{10FFFF}\u{10FFFF}".as_bytes() < end.as_slice());
    }
}
