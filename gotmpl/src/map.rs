//! Go's `map[string]interface{}`: shared by every holder, mutable in place (so
//! Sprig's `set` is seen by all), and always iterated in key order.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::value::Value;

/// A shared, mutable, key-ordered map: Go's `map[string]interface{}`.
#[derive(Clone, Default)]
pub struct Map(Arc<RwLock<BTreeMap<Key, Value>>>);

/// A map key: shared, so ranging over a map hands out keys without copying.
pub type Key = Arc<str>;

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` with read access. `f` must not write to a map that may be this one.
    pub fn read<R>(&self, f: impl FnOnce(&BTreeMap<Key, Value>) -> R) -> R {
        let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Runs `f` with write access. `f` must not touch a map that may be this one.
    pub fn write<R>(&self, f: impl FnOnce(&mut BTreeMap<Key, Value>) -> R) -> R {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.read(|m| m.get(key).cloned())
    }

    /// Sets `key`; every holder of this map sees the change (Go map semantics).
    pub fn insert(&self, key: impl Into<Key>, value: Value) -> Option<Value> {
        let key = key.into();
        self.write(|m| m.insert(key, value))
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.write(|m| m.remove(key))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.read(|m| m.contains_key(key))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read(|m| m.len())
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys in sorted order.
    pub fn keys(&self) -> Vec<Key> {
        self.read(|m| m.keys().cloned().collect())
    }

    /// A sorted snapshot of the entries (cheap: values are shared).
    pub fn entries(&self) -> Vec<(Key, Value)> {
        self.read(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// Whether both handles are the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A new map with the same entries (shallow: nested maps stay shared).
    pub fn shallow_clone(&self) -> Map {
        Map::from(self.read(|m| m.clone()))
    }
}

impl From<BTreeMap<Key, Value>> for Map {
    fn from(m: BTreeMap<Key, Value>) -> Self {
        Map(Arc::new(RwLock::new(m)))
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Map::from(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }
}
