//! The simulated cells (nodes): they claim UNCLAIMED instances and start them after the start
//! delay, run Job Pods to completion, and drain themselves when evacuated.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::json;

use crate::cluster::Cluster;
use crate::lrp::{ActualLrp, ActualLrpKey, InstanceKey, NetInfo, PortMapping, Presence, State};
use crate::objects::Sub;
use crate::ops::{self, Fields};
use crate::resources::keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellMode {
    Active,
    /// Draining: takes no new instances.
    Evacuating,
    /// Stopped reporting: its instances were declared SUSPECT.
    Lost,
}

pub struct CellSet {
    cells: Mutex<BTreeMap<String, CellMode>>,
}

impl CellSet {
    pub fn new(n: usize) -> Self {
        CellSet {
            cells: Mutex::new(
                (0..n)
                    .map(|i| (format!("cell-{i}"), CellMode::Active))
                    .collect(),
            ),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, CellMode>> {
        self.cells.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    pub fn modes(&self) -> BTreeMap<String, CellMode> {
        self.lock().clone()
    }

    pub fn mode(&self, cell: &str) -> Option<CellMode> {
        self.lock().get(cell).copied()
    }

    pub fn set_mode(&self, cell: &str, mode: CellMode) -> bool {
        match self.lock().get_mut(cell) {
            Some(m) => {
                *m = mode;
                true
            }
            None => false,
        }
    }
}

/// Picks the cell for an instance: its pinned node if active, else the least loaded active cell.
fn place(c: &Cluster, lrp: &ActualLrp) -> Option<String> {
    let modes = c.cells.modes();
    if let Some(node) = lrp.pod.as_ref().and_then(|p| p.node.clone()) {
        return (modes.get(&node) == Some(&CellMode::Active)).then_some(node);
    }
    let all = c.lrps.list(&Default::default());
    modes
        .iter()
        .filter(|(_, m)| **m == CellMode::Active)
        .map(|(name, _)| {
            (
                all.iter()
                    .filter(|l| &l.instance_key.cell_id == name)
                    .count(),
                name.clone(),
            )
        })
        .min()
        .map(|(_, n)| n)
}

fn net_for(cell: &str, key: &ActualLrpKey) -> NetInfo {
    let cell_no: u32 = cell.trim_start_matches("cell-").parse().unwrap_or(0);
    let h = key
        .process_guid
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
    NetInfo {
        address: format!("10.0.0.{}", cell_no + 10),
        ports: vec![PortMapping {
            container_port: 8080,
            host_port: 61000 + (h % 1000),
        }],
        instance_address: format!("10.244.{}.{}", cell_no, 2 + h % 250),
    }
}

/// Claims and starts one UNCLAIMED instance after the start delay (half before each step).
async fn place_and_start(c: Arc<Cluster>, key: ActualLrpKey) {
    let half = c.start_delay / 2;
    tokio::time::sleep(half).await;
    let Some(lrp) = c.lrps.get(&key, Presence::Ordinary) else {
        return;
    };
    if lrp.state != State::Unclaimed {
        return;
    }
    let Some(cell) = place(&c, &lrp) else {
        let _ = c.lrps.fail(
            &key,
            "insufficient resources: no cell can take the instance",
        );
        return;
    };
    let ik = InstanceKey {
        instance_guid: uuid::Uuid::new_v4().to_string(),
        cell_id: cell.clone(),
    };
    if c.lrps.claim(&key.process_guid, key.index, &ik).is_err() {
        return;
    }
    tokio::time::sleep(c.start_delay - half).await;
    if c.lrps.start(&key, &ik, &net_for(&cell, &key)).is_err() {
        return;
    }
    if lrp.pod.as_ref().is_some_and(|p| p.run_to_completion) {
        tokio::time::sleep(c.start_delay).await;
        complete(&c, &key, &ik, &lrp);
    }
}

/// A Job Pod's process exited 0: the Pod succeeds and the instance is gone.
fn complete(c: &Cluster, key: &ActualLrpKey, ik: &InstanceKey, lrp: &ActualLrp) {
    let Some(pod) = &lrp.pod else { return };
    let Some(rt) = c.registry.by_key(keys::PODS) else {
        return;
    };
    let still_ours = c
        .lrps
        .get(key, Presence::Ordinary)
        .is_some_and(|l| l.instance_key == *ik);
    if !still_ours {
        return;
    }
    let done = ops::update_with(
        c,
        &rt,
        &pod.namespace,
        &pod.name,
        Sub::Status,
        Fields::Keep,
        None,
        |live| {
            let mut p = live.clone();
            crate::controllers::pods::set_succeeded(&mut p, &ik.cell_id);
            Ok(p)
        },
    );
    if done.is_ok() {
        let _ = c.lrps.remove(&key.process_guid, key.index, Some(ik));
    }
}

/// Drains a cell: claimed instances are given back, running ones keep serving as EVACUATING
/// until their replacement runs elsewhere.
pub fn evacuate(c: &Cluster, cell: &str) -> usize {
    c.cells.set_mode(cell, CellMode::Evacuating);
    let on_cell = c.lrps.list(&crate::lrp::db::ListFilter {
        cell_id: cell.to_string(),
        ..Default::default()
    });
    let mut n = 0;
    for l in on_cell.iter().filter(|l| l.presence == Presence::Ordinary) {
        let r = match l.state {
            State::Claimed => c.lrps.evacuate_claimed(&l.key, &l.instance_key),
            State::Running => c
                .lrps
                .evacuate_running(&l.key, &l.instance_key, &l.net_info),
            _ => continue,
        };
        if r.is_ok() {
            n += 1;
        }
    }
    n
}

/// Reacts to instance changes: every ordinary UNCLAIMED instance gets a placement attempt.
pub async fn run(c: Arc<Cluster>, shutdown: crate::shutdown::Shutdown) {
    let mut rx = c.lrps.subscribe();
    let pending: Arc<Mutex<std::collections::HashSet<ActualLrpKey>>> = Default::default();
    let schedule = |key: ActualLrpKey| {
        let Some(l) = c.lrps.get(&key, Presence::Ordinary) else {
            return;
        };
        if l.state != State::Unclaimed || !l.placement_error.is_empty() {
            return;
        }
        if !pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone())
        {
            return;
        }
        let (c2, p2) = (c.clone(), pending.clone());
        tokio::spawn(async move {
            place_and_start(c2, key.clone()).await;
            p2.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        });
    };
    for l in c.lrps.list(&Default::default()) {
        schedule(l.key);
    }
    let mut converge = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            r = rx.recv() => match r {
                Ok(key) => schedule(key),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    for l in c.lrps.list(&Default::default()) {
                        schedule(l.key);
                    }
                }
                Err(_) => return,
            },
            _ = converge.tick() => {
                c.lrps.converge();
            }
        }
    }
}

/// JSON view of the cells for the admin endpoint.
pub fn describe(c: &Cluster) -> serde_json::Value {
    let lrps = c.lrps.list(&Default::default());
    let cells: Vec<_> = c
        .cells
        .modes()
        .into_iter()
        .map(|(name, mode)| {
            let n = lrps
                .iter()
                .filter(|l| l.instance_key.cell_id == name)
                .count();
            json!({"name": name, "mode": mode, "instances": n})
        })
        .collect();
    json!({"cells": cells})
}
