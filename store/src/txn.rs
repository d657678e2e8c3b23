//! Compare-and-swap transactions: conditions, operations and the builder that joins them.

use crate::Revision;

/// One condition of a transaction; the success branch runs when all of them hold.
#[derive(Clone, Debug)]
pub enum Compare {
    /// The key is present.
    Exists(String),
    /// The key is absent.
    Missing(String),
    /// The key's mod_revision equals `revision` (0 means the key is absent).
    ModRevision { key: String, revision: Revision },
    /// The key is present with exactly this value.
    Value { key: String, value: Vec<u8> },
    /// Every key under `prefix` has mod_revision <= `revision` (true when there are none).
    ///
    /// Like etcd's range compare, this sees puts, not deletions: a key deleted since `revision`
    /// is simply absent. Guard deletions with a marker key that is put on every change.
    PrefixUnchangedSince { prefix: String, revision: Revision },
}

impl Compare {
    pub fn exists(key: impl Into<String>) -> Self {
        Compare::Exists(key.into())
    }

    pub fn missing(key: impl Into<String>) -> Self {
        Compare::Missing(key.into())
    }

    pub fn mod_revision(key: impl Into<String>, revision: Revision) -> Self {
        Compare::ModRevision {
            key: key.into(),
            revision,
        }
    }

    pub fn value(key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Compare::Value {
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn prefix_unchanged_since(prefix: impl Into<String>, revision: Revision) -> Self {
        Compare::PrefixUnchangedSince {
            prefix: prefix.into(),
            revision,
        }
    }
}

/// One write of a transaction branch. Ops run in order, so a later op sees an earlier one.
#[derive(Clone, Debug)]
pub enum Op {
    Put {
        key: String,
        value: Vec<u8>,
    },
    Delete {
        key: String,
    },
    /// Deletes every key that starts with `prefix` (every key for the empty prefix).
    DeletePrefix {
        prefix: String,
    },
}

impl Op {
    pub fn put(key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Op::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn delete(key: impl Into<String>) -> Self {
        Op::Delete { key: key.into() }
    }

    pub fn delete_prefix(prefix: impl Into<String>) -> Self {
        Op::DeletePrefix {
            prefix: prefix.into(),
        }
    }
}

/// If all `compares` hold, run `success`, else run `failure`; atomically, at one revision.
#[derive(Clone, Debug, Default)]
pub struct Txn {
    pub compares: Vec<Compare>,
    pub success: Vec<Op>,
    pub failure: Vec<Op>,
}

impl Txn {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a condition (all conditions must hold).
    pub fn when(mut self, c: Compare) -> Self {
        self.compares.push(c);
        self
    }

    /// Adds an op to the branch taken when the conditions hold.
    pub fn then(mut self, op: Op) -> Self {
        self.success.push(op);
        self
    }

    /// Adds an op to the branch taken when a condition fails.
    pub fn otherwise(mut self, op: Op) -> Self {
        self.failure.push(op);
        self
    }

    /// Checks what every backend rejects before touching storage.
    pub fn validate(&self) -> Result<(), crate::StoreError> {
        for op in self.success.iter().chain(&self.failure) {
            match op {
                Op::Put { key, .. } | Op::Delete { key } if key.is_empty() => {
                    return Err(crate::StoreError::InvalidArgument(
                        "a put or delete needs a non-empty key".into(),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// What a transaction did.
#[derive(Clone, Debug)]
pub struct TxnResponse {
    /// Whether all compares held (so the success branch ran).
    pub succeeded: bool,
    /// The revision the transaction wrote at, or the unchanged current revision if it wrote nothing.
    pub revision: Revision,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_order_and_branches() {
        let txn = Txn::new()
            .when(Compare::missing("a"))
            .when(Compare::exists("b"))
            .then(Op::put("a", "1"))
            .then(Op::delete("b"))
            .otherwise(Op::delete_prefix("c/"));
        assert_eq!(txn.compares.len(), 2);
        assert!(matches!(&txn.success[0], Op::Put { key, .. } if key == "a"));
        assert!(matches!(&txn.success[1], Op::Delete { key } if key == "b"));
        assert!(matches!(&txn.failure[0], Op::DeletePrefix { prefix } if prefix == "c/"));
    }

    #[test]
    fn empty_keys_are_rejected_in_either_branch() {
        assert!(Txn::new().then(Op::put("", "x")).validate().is_err());
        assert!(Txn::new().otherwise(Op::delete("")).validate().is_err());
        assert!(Txn::new().then(Op::delete_prefix("")).validate().is_ok());
    }
}
