//! A rendered release grouped as EMCO's AppContext stores it: resources in
//! install order, CRDs apart, hooks per event sorted by weight then name, each
//! named `<metadata.name>+<Kind>`.

use std::collections::BTreeMap;

use crate::release::{Release, crd_docs};
use crate::sort::Doc;
use crate::{Manifest, RenderError, Rendered};

const CRD: &str = "CustomResourceDefinition";

/// EMCO's key for a document; `None` when it lacks apiVersion, kind or name.
fn key(d: &Doc) -> Option<String> {
    if d.api_version.is_empty() || d.kind.is_empty() {
        return None;
    }
    if d.name.is_empty() {
        // A List has no name of its own: it is named after its split document.
        return (d.kind == "List").then(|| format!("manifest-{}+{}", d.index, d.kind));
    }
    Some(format!("{}+{}", d.name, d.kind))
}

fn manifest(d: &Doc) -> Option<Manifest> {
    key(d).map(|name| Manifest {
        name,
        kind: d.kind.clone(),
        text: d.content.clone(),
    })
}

/// Adds `m`; a later document with the same name replaces the earlier one's text.
fn push_unique(list: &mut Vec<Manifest>, m: Manifest) {
    match list.iter_mut().find(|x| x.name == m.name) {
        Some(existing) => *existing = m,
        None => list.push(m),
    }
}

/// Groups a release for EMCO.
pub fn group(rel: &Release) -> Result<Rendered, RenderError> {
    let mut out = Rendered::default();
    for d in crd_docs(rel)? {
        if let Some(m) = manifest(&d) {
            push_unique(&mut out.crds, m);
        }
    }
    for d in &rel.sorted.manifests {
        let Some(m) = manifest(d) else { continue };
        if d.kind == CRD {
            push_unique(&mut out.crds, m);
        } else {
            push_unique(&mut out.resources, m);
        }
    }
    let mut by_event: BTreeMap<String, Vec<(i64, String, Manifest)>> = BTreeMap::new();
    for h in &rel.sorted.hooks {
        let Some(m) = manifest(&h.doc) else { continue };
        for e in h.events.iter().filter(|e| *e != "test") {
            let list = by_event.entry(e.clone()).or_default();
            match list.iter_mut().find(|(_, _, x)| x.name == m.name) {
                Some(existing) => *existing = (h.weight, h.doc.name.clone(), m.clone()),
                None => list.push((h.weight, h.doc.name.clone(), m.clone())),
            }
        }
    }
    for (event, mut list) in by_event {
        list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        out.hooks
            .insert(event, list.into_iter().map(|(_, _, m)| m).collect());
    }
    Ok(out)
}
