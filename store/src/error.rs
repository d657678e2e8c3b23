//! The one error type every store backend returns.

use crate::Revision;

/// Why a store call failed.
///
/// Callers decide between retrying and giving up with [`StoreError::is_transient`]:
/// only [`StoreError::Unavailable`] is worth retrying unchanged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The history a watch asked for has been dropped by a compaction.
    #[error(
        "revision {requested} has been compacted away (the oldest revision kept is {compacted})"
    )]
    Compacted {
        requested: Revision,
        compacted: Revision,
    },
    /// A revision beyond the store's current one was named where only past ones make sense.
    #[error("revision {requested} is in the future (the current revision is {current})")]
    FutureRevision {
        requested: Revision,
        current: Revision,
    },
    /// The backend is down or too busy right now; the same call may succeed later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The stored data cannot be read as this store's data.
    #[error("store data corrupt: {0}")]
    Corrupt(String),
    /// The request itself is malformed (an empty key, an unknown store URL, ...).
    #[error("invalid store request: {0}")]
    InvalidArgument(String),
    /// Anything else.
    #[error("store error: {0}")]
    Other(String),
}

impl StoreError {
    /// True when retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unavailable_is_transient() {
        assert!(StoreError::Unavailable("busy".into()).is_transient());
        assert!(!StoreError::Corrupt("x".into()).is_transient());
        assert!(
            !StoreError::Compacted {
                requested: 1,
                compacted: 2
            }
            .is_transient()
        );
    }

    #[test]
    fn compacted_message_names_both_revisions() {
        let text = StoreError::Compacted {
            requested: 3,
            compacted: 7,
        }
        .to_string();
        assert!(text.contains('3') && text.contains('7'), "{text}");
    }
}
