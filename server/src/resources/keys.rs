//! Store key layout of the REST resources.
//!
//! Records live at `/emco/res/<item path>`, where the item path is the resource's own URL path
//! after `/v2/` (for example `projects/p1/composite-apps/ca/v1`). So a record's children are
//! exactly the keys under `<item path>/`, and a collection is a prefix range filtered by depth.
//! Names cannot contain `|` (the name rule forbids it), which makes it a safe separator.

pub const RES: &str = "/emco/res/";

pub fn res(item: &str) -> String {
    format!("{RES}{item}")
}

/// Prefix of every descendant record of `item`.
pub fn children(item: &str) -> String {
    format!("{RES}{item}/")
}

/// The uploaded file of a file-backed record (chart, profile, kubeconfig).
pub fn file(item: &str) -> String {
    format!("/emco/file/{item}")
}

/// StateInfo of a DIG, logical cloud or cluster.
pub fn state(item: &str) -> String {
    format!("/emco/state/{item}")
}

/// Incoming reference `source -> target`, listed under the target.
pub fn ref_in(target: &str, source: &str) -> String {
    format!("/emco/ref/{target}|{source}")
}

pub fn refs_in_prefix(target: &str) -> String {
    format!("/emco/ref/{target}|")
}

/// Outgoing reference, listed under the source so it can be removed with the source.
pub fn ref_out(source: &str, target: &str) -> String {
    format!("/emco/refsrc/{source}|{target}")
}

pub fn refs_out_prefix(source: &str) -> String {
    format!("/emco/refsrc/{source}|")
}

/// A kubeconfig for (provider+cluster, level, namespace), as rsync and dcm read them.
pub fn cloud_config(provider: &str, cluster: &str, level: &str, namespace: &str) -> String {
    format!("/emco/cloudconfig/{provider}+{cluster}/{level}/{namespace}")
}

pub fn cloud_configs_of(provider: &str, cluster: &str) -> String {
    format!("/emco/cloudconfig/{provider}+{cluster}/")
}

/// A recorded response for an `Idempotency-Key`.
pub fn idempotency(service: &str, key: &str) -> String {
    format!("/emco/idem/{service}/{key}")
}

/// Strips [`RES`] and returns the item path of a record key.
pub fn item_of(key: &str) -> Option<&str> {
    key.strip_prefix(RES)
}
