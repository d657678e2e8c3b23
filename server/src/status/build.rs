//! Builds the status document of a DIG or a logical cloud from its StateInfo, its AppContext
//! and what was observed (emco-api.md 7.2 and 7.3). Pure: no store access.

use super::observed::Observed;
use super::query::{Listing, Output, Query, Target};
use super::resources::{self, NOT_PRESENT, Tally};
use super::shape::{
    AppStatus, AppsList, ClusterEntry, ClusterStatus, ClustersByApp, ClustersOfApp, FullStatus,
    Identity, ResourceEntry, ResourcesByApp, ResourcesOfApp, StatusDoc,
};
use crate::deploy::context::{AppSpec, ClusterSpec, ContextSpec};
use crate::http::error::ApiError;
use crate::state::StateInfo;

/// Which AppContexts a query reads: resources come from `current`, their statuses from
/// `status_context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Empty when the resource was never instantiated.
    pub current: String,
    pub status_context: String,
}

/// Picks the contexts: the last action's instance and `statusctxid`, or for `instance=<id>`
/// that instance and the nearest Instantiated (or Applied) action at or before it.
pub fn select(state: &StateInfo, instance: Option<&str>) -> Result<Selection, ApiError> {
    let Some(id) = instance else {
        let current = state.current_instance();
        let status_context = if state.statusctxid.is_empty() {
            current.clone()
        } else {
            state.statusctxid.clone()
        };
        return Ok(Selection {
            current,
            status_context,
        });
    };
    let Some(pos) = state.actions.iter().position(|a| a.instance == id) else {
        return Err(ApiError::bad_request(format!(
            "No state information for {id}"
        )));
    };
    let status_context = state.actions[..=pos]
        .iter()
        .rev()
        .find(|a| matches!(a.state.as_str(), "Instantiated" | "Applied"))
        .map(|a| a.instance.clone())
        .ok_or_else(|| ApiError::bad_request(format!("Status context ID not found for {id}")))?;
    Ok(Selection {
        current: id.to_string(),
        status_context,
    })
}

/// Everything a status document is built from.
pub struct Input<'a> {
    pub target: Target,
    /// The DIG's identity fields, or the cloud's project; `name` is the DIG or cloud name.
    pub id: Identity,
    pub state: &'a StateInfo,
    /// The current context's spec; `None` when it does not exist (any more).
    pub spec: Option<&'a ContextSpec>,
    /// The current context's status (`Instantiated`, ...), when recorded.
    pub context_status: Option<&'a str>,
    /// Observed data of the status context, completed from the current one.
    pub observed: &'a Observed,
}

fn keep(filter: &[String], value: &str) -> bool {
    filter.is_empty() || filter.iter().any(|f| f == value)
}

fn context_missing() -> ApiError {
    ApiError::bad_request("AppContext for status query not found")
}

/// Apps sorted by name and, within each, clusters sorted by `provider+cluster`, both passing
/// the query's filters: the byte order in which EMCO lists AppContext keys.
fn placements<'a>(
    spec: &'a ContextSpec,
    query: &Query,
) -> Vec<(&'a AppSpec, Vec<&'a ClusterSpec>)> {
    let mut apps: Vec<&AppSpec> = spec
        .apps
        .iter()
        .filter(|a| keep(&query.apps, &a.name))
        .collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    apps.into_iter()
        .map(|app| {
            let mut clusters: Vec<&ClusterSpec> = app
                .clusters
                .iter()
                .filter(|c| keep(&query.clusters, &c.key()))
                .collect();
            clusters.sort_by_key(|c| c.key());
            (app, clusters)
        })
        .collect()
}

/// Builds the answer to `query`.
pub fn build(input: &Input<'_>, query: &Query) -> Result<StatusDoc, ApiError> {
    let selection = select(input.state, query.instance.as_deref())?;
    let instantiated = !selection.current.is_empty();
    let spec = match (instantiated, input.spec) {
        (false, _) => None,
        (true, Some(spec)) => Some(spec),
        (true, None) => return Err(context_missing()),
    };
    let id = input.id.clone();
    Ok(match (query.listing, spec) {
        (Listing::Apps, spec) => {
            let mut apps: Vec<String> = spec
                .iter()
                .flat_map(|s| s.apps.iter().map(|a| a.name.clone()))
                .collect();
            apps.sort();
            StatusDoc::Apps(AppsList { id, apps })
        }
        (Listing::Clusters, spec) => {
            let entries = spec.map(|s| clusters_by_app(s, query)).unwrap_or_default();
            StatusDoc::Clusters(ClustersByApp {
                id,
                clusters_by_app: entries,
            })
        }
        (Listing::Resources, spec) => {
            let entries = spec
                .map(|s| resources_by_app(s, input.observed, query))
                .unwrap_or_default();
            StatusDoc::Resources(ResourcesByApp {
                id,
                resources_by_app: entries,
            })
        }
        (Listing::Full, None) => StatusDoc::Full(Box::new(FullStatus {
            id,
            states: input.state.clone(),
            ..Default::default()
        })),
        (Listing::Full, Some(spec)) => StatusDoc::Full(Box::new(full(input, spec, query)?)),
    })
}

fn clusters_by_app(spec: &ContextSpec, query: &Query) -> Vec<ClustersOfApp> {
    // The cluster filter does not apply to this listing.
    let all_clusters = Query {
        clusters: Vec::new(),
        ..query.clone()
    };
    placements(spec, &all_clusters)
        .into_iter()
        .map(|(app, clusters)| ClustersOfApp {
            app: app.name.clone(),
            clusters: clusters
                .into_iter()
                .map(|c| ClusterEntry {
                    cluster_provider: c.provider.clone(),
                    cluster: c.cluster.clone(),
                })
                .collect(),
        })
        .collect()
}

fn resources_by_app(spec: &ContextSpec, observed: &Observed, query: &Query) -> Vec<ResourcesOfApp> {
    let how = resources::Listing {
        mode: query.mode,
        output: Output::All,
        names: &[],
    };
    let mut entries = Vec::new();
    for (app, clusters) in placements(spec, query) {
        for cluster in clusters {
            let rows = resources::list(&app.name, cluster, observed, &how, &mut Tally::default());
            entries.push(ResourcesOfApp {
                app: app.name.clone(),
                cluster_provider: cluster.provider.clone(),
                cluster: cluster.cluster.clone(),
                resources: rows
                    .into_iter()
                    .map(|r| ResourceEntry {
                        name: r.name,
                        gvk: r.gvk,
                    })
                    .collect(),
            });
        }
    }
    entries
}

fn full(input: &Input<'_>, spec: &ContextSpec, query: &Query) -> Result<FullStatus, ApiError> {
    let mut doc = FullStatus {
        id: input.id.clone(),
        states: input.state.clone(),
        ..Default::default()
    };
    let top = input.context_status.unwrap_or("").to_string();
    if query.mode.deprecated() {
        doc.status = top;
    } else {
        doc.deployed_status = top;
    }
    if let Some(missing) = query.apps.iter().find(|a| spec.app(a).is_none()) {
        return Err(ApiError::bad_request(format!(
            "Filter app {missing} not in list of apps for composite app {}",
            spec.meta.composite_app
        )));
    }
    let how = resources::Listing {
        mode: query.mode,
        output: query.output,
        names: &query.resources,
    };
    let mut tally = Tally::default();
    let mut apps = Vec::new();
    for (app, clusters) in placements(spec, query) {
        let mut listed = Vec::new();
        for cluster in clusters {
            let rows = resources::list(&app.name, cluster, input.observed, &how, &mut tally);
            if rows.is_empty() {
                continue;
            }
            let connectivity = input
                .observed
                .connectivity(&app.name, &cluster.key())
                .unwrap_or("Unknown")
                .to_string();
            let mut status = ClusterStatus {
                cluster_provider: cluster.provider.clone(),
                cluster: cluster.cluster.clone(),
                resources: rows,
                ..Default::default()
            };
            if query.mode.deprecated() {
                status.ready_status = connectivity;
            } else {
                status.connectivity = connectivity;
            }
            listed.push(status);
        }
        if !listed.is_empty() && query.output != Output::Summary {
            apps.push(AppStatus {
                name: app.name.clone(),
                clusters: listed,
            });
        }
    }
    let not_ready = [NOT_PRESENT, "NotReady"]
        .iter()
        .any(|k| tally.ready.get(*k).is_some_and(|n| *n > 0));
    if not_ready {
        doc.ready_status = "NotReady".into();
    } else if query.mode.readiness() {
        doc.ready_status = "Ready".into();
    }
    if query.mode.deprecated() {
        doc.rsync_status = tally.deployed;
        doc.cluster_status = tally.ready;
    } else {
        doc.deployed_counts = tally.deployed;
        doc.ready_counts = tally.ready;
    }
    match input.target {
        Target::DeploymentIntentGroup => doc.apps = apps,
        // A logical cloud's AppContext has the one app `logical-cloud`, shown flattened.
        Target::LogicalCloud => doc.clusters = apps.into_iter().flat_map(|a| a.clusters).collect(),
    }
    Ok(doc)
}

#[cfg(test)]
#[path = "build_tests/mod.rs"]
mod tests;
