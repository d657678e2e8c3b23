//! Evacuation (a cell draining its instances while replacements start elsewhere) and lost cells
//! (their running instances become SUSPECT until a replacement runs).

use super::db::{LrpDb, slot};
use super::{ActualLrp, ActualLrpKey, BbsError, InstanceKey, NetInfo, Presence, State};

impl LrpDb {
    /// Removes the evacuating record if it is this instance's; whether it was.
    fn drop_evacuating(&self, key: &ActualLrpKey, ik: &InstanceKey) -> bool {
        let mut g = self.lock();
        let s = slot(key, Presence::Evacuating);
        if g.get(&s).is_some_and(|l| l.instance_key == *ik) {
            g.remove(&s);
            true
        } else {
            false
        }
    }

    fn ordinary(&self, key: &ActualLrpKey) -> Option<ActualLrp> {
        self.get(key, Presence::Ordinary)
    }

    /// The cell gives up a claimed instance: it goes back to UNCLAIMED. Never keeps the container.
    pub fn evacuate_claimed(&self, key: &ActualLrpKey, ik: &InstanceKey) -> Result<bool, BbsError> {
        let mut changed = self.drop_evacuating(key, ik);
        {
            let mut g = self.lock();
            if let Some(lrp) = g.get_mut(&slot(key, Presence::Ordinary))
                && lrp.state == State::Claimed
                && lrp.instance_key == *ik
            {
                lrp.state = State::Unclaimed;
                lrp.instance_key = InstanceKey::default();
                self.touch(lrp);
                changed = true;
            }
        }
        if changed {
            self.changed(key);
        }
        Ok(false)
    }

    /// The cell drains a running instance: it keeps serving as EVACUATING while the ordinary
    /// instance is placed again. Returns whether the cell keeps the container.
    pub fn evacuate_running(
        &self,
        key: &ActualLrpKey,
        ik: &InstanceKey,
        net: &NetInfo,
    ) -> Result<bool, BbsError> {
        let keep = {
            let mut g = self.lock();
            let evac_slot = slot(key, Presence::Evacuating);
            let Some(ordinary) = g.get(&slot(key, Presence::Ordinary)).cloned() else {
                let had = g.remove(&evac_slot).is_some();
                drop(g);
                if had {
                    self.changed(key);
                }
                return Ok(false);
            };
            if g.get(&evac_slot).is_some_and(|e| e.instance_key != *ik) {
                return Ok(false);
            }
            let same = ordinary.instance_key == *ik;
            let replaceable = ordinary.state == State::Unclaimed
                || (ordinary.state == State::Claimed && !same)
                || (matches!(ordinary.state, State::Claimed | State::Running) && same);
            if replaceable {
                let mut evac = ActualLrp {
                    key: key.clone(),
                    instance_key: ik.clone(),
                    net_info: net.clone(),
                    state: State::Running,
                    presence: Presence::Evacuating,
                    pod: ordinary.pod.clone(),
                    ..Default::default()
                };
                self.touch(&mut evac);
                g.insert(evac_slot, evac);
                if same && let Some(o) = g.get_mut(&slot(key, Presence::Ordinary)) {
                    o.state = State::Unclaimed;
                    o.instance_key = InstanceKey::default();
                    o.net_info = NetInfo::default();
                    self.touch(o);
                }
                true
            } else {
                g.remove(&evac_slot);
                false
            }
        };
        self.changed(key);
        Ok(keep)
    }

    /// An evacuating instance stopped: forget it (and the ordinary record if it was that one).
    pub fn evacuate_stopped(&self, key: &ActualLrpKey, ik: &InstanceKey) -> Result<bool, BbsError> {
        let dropped = self.drop_evacuating(key, ik);
        let ordinary = self.ordinary(key).filter(|o| o.instance_key == *ik);
        if ordinary.is_some() {
            self.remove(&key.process_guid, key.index, Some(ik))?;
        }
        if !dropped && ordinary.is_none() {
            return Err(BbsError::not_found());
        }
        self.changed(key);
        Ok(false)
    }

    /// An instance crashed while its cell was evacuating.
    pub fn evacuate_crashed(
        &self,
        key: &ActualLrpKey,
        ik: &InstanceKey,
        reason: &str,
    ) -> Result<bool, BbsError> {
        let dropped = self.drop_evacuating(key, ik);
        let ordinary = self.ordinary(key).filter(|o| o.instance_key == *ik);
        if ordinary.is_some() {
            // A refusal leaves the record as it is, as BBS does.
            let _ = self.crash(key, ik, reason);
        }
        if !dropped && ordinary.is_none() {
            return Err(BbsError::not_found());
        }
        self.changed(key);
        Ok(false)
    }

    pub fn remove_evacuating(&self, key: &ActualLrpKey, ik: &InstanceKey) -> Result<(), BbsError> {
        {
            let mut g = self.lock();
            let s = slot(key, Presence::Evacuating);
            let lrp = g.get(&s).ok_or_else(BbsError::not_found)?;
            if lrp.instance_key != *ik {
                return Err(BbsError::cannot_be_removed());
            }
            g.remove(&s);
        }
        self.changed(key);
        Ok(())
    }

    /// A cell stopped reporting: its running instances become SUSPECT (still serving) and are
    /// placed again; its claimed ones go back to UNCLAIMED.
    pub fn cell_lost(&self, cell_id: &str) -> usize {
        let keys: Vec<ActualLrpKey> = {
            let mut g = self.lock();
            let on_cell: Vec<ActualLrp> = g
                .values()
                .filter(|l| l.presence == Presence::Ordinary && l.instance_key.cell_id == cell_id)
                .cloned()
                .collect();
            for lrp in &on_cell {
                if lrp.state == State::Running {
                    let mut suspect = lrp.clone();
                    suspect.presence = Presence::Suspect;
                    g.insert(slot(&lrp.key, Presence::Suspect), suspect);
                }
                if let Some(o) = g.get_mut(&slot(&lrp.key, Presence::Ordinary)) {
                    o.state = State::Unclaimed;
                    o.instance_key = InstanceKey::default();
                    o.net_info = NetInfo::default();
                    self.touch(o);
                }
            }
            on_cell.into_iter().map(|l| l.key).collect()
        };
        keys.iter().for_each(|k| self.changed(k));
        keys.len()
    }
}
