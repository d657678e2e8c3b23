//! The ActualLRP records and the lifecycle calls on ordinary instances (claim, start, crash,
//! fail, remove), each checked against the transition table.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::backoff::{self, CRASH_RESET_TIMEOUT};
use super::table::allows;
use super::{
    ActualLrp, ActualLrpKey, BbsError, Clock, InstanceKey, NetInfo, PodRef, Presence, State,
};

pub(super) type Slot = (String, i32, Presence);

/// Filter of `POST /v1/actual_lrps/list` (empty fields match everything).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListFilter {
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub cell_id: String,
    #[serde(default)]
    pub process_guid: String,
    #[serde(default)]
    pub index: Option<i32>,
}

pub struct LrpDb {
    pub(super) records: Mutex<BTreeMap<Slot, ActualLrp>>,
    pub(super) clock: Arc<dyn Clock>,
    tx: broadcast::Sender<ActualLrpKey>,
    epoch: String,
}

pub(super) fn slot(key: &ActualLrpKey, presence: Presence) -> Slot {
    (key.process_guid.clone(), key.index, presence)
}

impl LrpDb {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let (tx, _) = broadcast::channel(65536);
        LrpDb {
            records: Mutex::new(BTreeMap::new()),
            clock,
            tx,
            epoch: uuid::Uuid::new_v4().to_string(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, BTreeMap<Slot, ActualLrp>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Keys of changed instances, for the Pod status controller and the cells.
    pub fn subscribe(&self) -> broadcast::Receiver<ActualLrpKey> {
        self.tx.subscribe()
    }

    pub(super) fn changed(&self, key: &ActualLrpKey) {
        let _ = self.tx.send(key.clone());
    }

    pub(super) fn touch(&self, lrp: &mut ActualLrp) {
        lrp.since = self.clock.now_nanos();
        if lrp.modification_tag.epoch.is_empty() {
            lrp.modification_tag.epoch = self.epoch.clone();
        }
        lrp.modification_tag.index += 1;
    }

    /// Creates the UNCLAIMED ordinary instance of a desired one, unless it exists.
    pub fn desire(&self, key: ActualLrpKey, pod: Option<PodRef>) -> bool {
        let mut lrp = ActualLrp {
            key: key.clone(),
            pod,
            ..Default::default()
        };
        self.touch(&mut lrp);
        let created = {
            let mut g = self.lock();
            let s = slot(&key, Presence::Ordinary);
            match g.entry(s) {
                std::collections::btree_map::Entry::Occupied(_) => false,
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(lrp);
                    true
                }
            }
        };
        if created {
            self.changed(&key);
        }
        created
    }

    /// Puts back a RUNNING instance known from a persisted Pod (after a simulator restart).
    pub fn restore_running(
        &self,
        key: ActualLrpKey,
        pod: Option<PodRef>,
        ik: InstanceKey,
        net: NetInfo,
    ) {
        let mut lrp = ActualLrp {
            key: key.clone(),
            instance_key: ik,
            net_info: net,
            state: State::Running,
            pod,
            ..Default::default()
        };
        self.touch(&mut lrp);
        self.lock().insert(slot(&key, Presence::Ordinary), lrp);
        self.changed(&key);
    }

    /// Drops every record of a process (its Pod is gone).
    pub fn remove_process(&self, process_guid: &str) {
        let keys: Vec<ActualLrpKey> = {
            let mut g = self.lock();
            let gone: Vec<Slot> = g.keys().filter(|s| s.0 == process_guid).cloned().collect();
            gone.iter()
                .filter_map(|s| g.remove(s))
                .map(|l| l.key)
                .collect()
        };
        for k in keys.iter().take(1) {
            self.changed(k);
        }
    }

    pub fn list(&self, f: &ListFilter) -> Vec<ActualLrp> {
        self.lock()
            .values()
            .filter(|l| {
                (f.domain.is_empty() || l.key.domain == f.domain)
                    && (f.cell_id.is_empty() || l.instance_key.cell_id == f.cell_id)
                    && (f.process_guid.is_empty() || l.key.process_guid == f.process_guid)
                    && f.index.is_none_or(|i| i == l.key.index)
            })
            .cloned()
            .collect()
    }

    /// All records (every presence) of one instance.
    pub fn group(&self, process_guid: &str, index: i32) -> Vec<ActualLrp> {
        self.lock()
            .values()
            .filter(|l| l.key.process_guid == process_guid && l.key.index == index)
            .cloned()
            .collect()
    }

    pub fn get(&self, key: &ActualLrpKey, presence: Presence) -> Option<ActualLrp> {
        self.lock().get(&slot(key, presence)).cloned()
    }

    /// Runs `f` on the ordinary record; `None` from `f` means nothing changed.
    fn with_ordinary<T>(
        &self,
        process_guid: &str,
        index: i32,
        f: impl FnOnce(&mut ActualLrp) -> Result<T, BbsError>,
    ) -> Result<T, BbsError> {
        let (out, key) = {
            let mut g = self.lock();
            let lrp = g
                .get_mut(&(process_guid.to_string(), index, Presence::Ordinary))
                .ok_or_else(BbsError::not_found)?;
            let before = lrp.clone();
            let out = f(lrp)?;
            if *lrp == before {
                return Ok(out);
            }
            (out, lrp.key.clone())
        };
        self.changed(&key);
        Ok(out)
    }

    pub fn claim(&self, process_guid: &str, index: i32, ik: &InstanceKey) -> Result<(), BbsError> {
        if ik.instance_guid.is_empty() || ik.cell_id.is_empty() {
            return Err(BbsError::invalid_request(
                "actual_lrp_instance_key is required",
            ));
        }
        self.with_ordinary(process_guid, index, |lrp| {
            if !allows(lrp.state, &lrp.instance_key, ik, State::Claimed) {
                return Err(BbsError::cannot_be_claimed());
            }
            if lrp.state == State::Claimed && lrp.instance_key == *ik {
                return Ok(());
            }
            lrp.state = State::Claimed;
            lrp.instance_key = ik.clone();
            lrp.net_info = NetInfo::default();
            lrp.placement_error.clear();
            self.touch(lrp);
            Ok(())
        })
    }

    pub fn start(
        &self,
        key: &ActualLrpKey,
        ik: &InstanceKey,
        net: &NetInfo,
    ) -> Result<(), BbsError> {
        if ik.instance_guid.is_empty() || ik.cell_id.is_empty() {
            return Err(BbsError::invalid_request(
                "actual_lrp_instance_key is required",
            ));
        }
        let exists = self.lock().contains_key(&slot(key, Presence::Ordinary));
        if !exists {
            // BBS creates the record when a cell reports an instance it does not know.
            let mut lrp = ActualLrp {
                key: key.clone(),
                instance_key: ik.clone(),
                net_info: net.clone(),
                state: State::Running,
                ..Default::default()
            };
            self.touch(&mut lrp);
            self.lock().insert(slot(key, Presence::Ordinary), lrp);
            self.changed(key);
            return Ok(());
        }
        self.with_ordinary(&key.process_guid, key.index, |lrp| {
            if lrp.state == State::Running && lrp.instance_key == *ik && lrp.net_info == *net {
                return Ok(());
            }
            if !allows(lrp.state, &lrp.instance_key, ik, State::Running) {
                return Err(BbsError::cannot_be_started());
            }
            lrp.state = State::Running;
            lrp.instance_key = ik.clone();
            lrp.net_info = net.clone();
            lrp.placement_error.clear();
            self.touch(lrp);
            Ok(())
        })?;
        // The replacement runs: the evacuating and suspect copies are no longer needed.
        let removed = {
            let mut g = self.lock();
            g.remove(&slot(key, Presence::Evacuating)).is_some()
                | g.remove(&slot(key, Presence::Suspect)).is_some()
        };
        if removed {
            self.changed(key);
        }
        Ok(())
    }

    pub fn crash(
        &self,
        key: &ActualLrpKey,
        ik: &InstanceKey,
        reason: &str,
    ) -> Result<(), BbsError> {
        let now = self.clock.now_nanos();
        self.with_ordinary(&key.process_guid, key.index, |lrp| {
            let running_for = now.saturating_sub(lrp.since);
            let count = if running_for > CRASH_RESET_TIMEOUT.as_nanos() as i64
                && lrp.state == State::Running
            {
                1
            } else {
                lrp.crash_count + 1
            };
            if !allows(lrp.state, &lrp.instance_key, ik, State::Crashed) {
                return Err(BbsError::cannot_be_crashed());
            }
            lrp.state = if backoff::should_restart_immediately(count) {
                State::Unclaimed
            } else {
                State::Crashed
            };
            lrp.instance_key = InstanceKey::default();
            lrp.net_info = NetInfo::default();
            lrp.crash_count = count;
            lrp.crash_reason = reason.to_string();
            self.touch(lrp);
            Ok(())
        })
    }

    pub fn fail(&self, key: &ActualLrpKey, error: &str) -> Result<(), BbsError> {
        self.with_ordinary(&key.process_guid, key.index, |lrp| {
            if lrp.state != State::Unclaimed {
                return Err(BbsError::cannot_be_failed());
            }
            lrp.placement_error = error.to_string();
            self.touch(lrp);
            Ok(())
        })
    }

    pub fn remove(
        &self,
        process_guid: &str,
        index: i32,
        ik: Option<&InstanceKey>,
    ) -> Result<(), BbsError> {
        let key = {
            let mut g = self.lock();
            let s = (process_guid.to_string(), index, Presence::Ordinary);
            let lrp = g.get(&s).ok_or_else(BbsError::not_found)?;
            if ik.is_some_and(|k| *k != lrp.instance_key) {
                return Err(BbsError::cannot_be_removed());
            }
            g.remove(&s).map(|l| l.key)
        };
        if let Some(k) = key {
            self.changed(&k);
        }
        Ok(())
    }

    /// BBS convergence for crashes: a CRASHED instance whose backoff has passed becomes UNCLAIMED.
    pub fn converge(&self) -> usize {
        let now = self.clock.now_nanos();
        let keys: Vec<ActualLrpKey> = {
            let mut g = self.lock();
            let mut keys = Vec::new();
            for lrp in g.values_mut() {
                if lrp.presence == Presence::Ordinary
                    && lrp.state == State::Crashed
                    && backoff::should_restart(now, lrp.since, lrp.crash_count)
                {
                    lrp.state = State::Unclaimed;
                    self.touch(lrp);
                    keys.push(lrp.key.clone());
                }
            }
            keys
        };
        keys.iter().for_each(|k| self.changed(k));
        keys.len()
    }

    /// Forgets placement failures so the unplaced instances are offered to the cells again
    /// (a cell came back).
    pub fn retry_placement(&self) -> usize {
        let keys: Vec<ActualLrpKey> = {
            let mut g = self.lock();
            let mut keys = Vec::new();
            for lrp in g
                .values_mut()
                .filter(|l| l.state == State::Unclaimed && !l.placement_error.is_empty())
            {
                lrp.placement_error.clear();
                self.touch(lrp);
                keys.push(lrp.key.clone());
            }
            keys
        };
        keys.iter().for_each(|k| self.changed(k));
        keys.len()
    }

    /// When the next crashed instance may restart (nanoseconds), if any will.
    pub fn next_restart(&self) -> Option<i64> {
        self.lock()
            .values()
            .filter(|l| l.presence == Presence::Ordinary && l.state == State::Crashed)
            .filter_map(|l| {
                backoff::restart_delay(l.crash_count)
                    .map(|d| l.since.saturating_add(d.as_nanos() as i64))
            })
            .min()
    }
}
