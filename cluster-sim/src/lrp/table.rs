//! The ActualLRP state transitions BBS allows, as data (BBS `AllowsTransitionTo`).

use super::{InstanceKey, State};

/// What the requested instance key must be for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRule {
    /// Any instance key.
    Any,
    /// The key already on the record.
    Same,
    /// No key (the instance is given up).
    Empty,
}

/// `(from, to, rule)`: every allowed transition; anything not listed is refused.
pub const TRANSITIONS: &[(State, State, KeyRule)] = &[
    (State::Unclaimed, State::Unclaimed, KeyRule::Any),
    (State::Unclaimed, State::Claimed, KeyRule::Any),
    (State::Unclaimed, State::Running, KeyRule::Any),
    (State::Claimed, State::Unclaimed, KeyRule::Empty),
    (State::Claimed, State::Claimed, KeyRule::Same),
    (State::Claimed, State::Running, KeyRule::Any),
    (State::Claimed, State::Crashed, KeyRule::Same),
    (State::Running, State::Unclaimed, KeyRule::Empty),
    (State::Running, State::Claimed, KeyRule::Same),
    (State::Running, State::Running, KeyRule::Same),
    (State::Running, State::Crashed, KeyRule::Same),
    (State::Crashed, State::Unclaimed, KeyRule::Empty),
    (State::Crashed, State::Claimed, KeyRule::Same),
    (State::Crashed, State::Running, KeyRule::Same),
];

/// Whether a record in `from` holding `current` may move to `to` for a caller with `requested`.
pub fn allows(from: State, current: &InstanceKey, requested: &InstanceKey, to: State) -> bool {
    TRANSITIONS.iter().any(|&(f, t, rule)| {
        f == from
            && t == to
            && match rule {
                KeyRule::Any => true,
                KeyRule::Same => current == requested,
                KeyRule::Empty => requested.is_empty(),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(g: &str) -> InstanceKey {
        InstanceKey {
            instance_guid: g.into(),
            cell_id: format!("cell-{g}"),
        }
    }

    /// Every (from, to) pair for a same, a different and an empty requested key.
    #[test]
    fn every_pair_and_key_relation() {
        use State::*;
        // (from, to, same key, other key, empty key)
        let rows = [
            (Unclaimed, Unclaimed, true, true, true),
            (Unclaimed, Claimed, true, true, true),
            (Unclaimed, Running, true, true, true),
            (Unclaimed, Crashed, false, false, false),
            (Claimed, Unclaimed, false, false, true),
            (Claimed, Claimed, true, false, false),
            (Claimed, Running, true, true, true),
            (Claimed, Crashed, true, false, false),
            (Running, Unclaimed, false, false, true),
            (Running, Claimed, true, false, false),
            (Running, Running, true, false, false),
            (Running, Crashed, true, false, false),
            (Crashed, Unclaimed, false, false, true),
            (Crashed, Claimed, true, false, false),
            (Crashed, Running, true, false, false),
            (Crashed, Crashed, false, false, false),
        ];
        for (from, to, same, other, empty) in rows {
            let current = key("a");
            assert_eq!(
                allows(from, &current, &key("a"), to),
                same,
                "{from:?}->{to:?} same key"
            );
            assert_eq!(
                allows(from, &current, &key("b"), to),
                other,
                "{from:?}->{to:?} other key"
            );
            assert_eq!(
                allows(from, &current, &InstanceKey::default(), to),
                empty,
                "{from:?}->{to:?} empty key"
            );
        }
    }
}
