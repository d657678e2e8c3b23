//! Template execution as Helm's engine does it: every template of the chart and
//! its subcharts in one set named `gotpl` (files named `<chart>/templates/x.yaml`,
//! `<chart>/charts/<sub>/templates/y.yaml`), parsed deepest path first,
//! `missingkey=zero`, partials (`_*`) not rendered, `<no value>` removed.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use gotmpl::{FuncMap, Map, MissingKey, TemplateSet, Value};

use crate::chart::Chart;
use crate::funcs::{self, NO_VALUE, clean_exec_error, clean_parse_error};
use crate::objects::{Capabilities, ChartObj, Files};
use crate::values::table;

/// Built once: the map is immutable and cheap to clone (its functions are shared).
static FUNCS: LazyLock<FuncMap> = LazyLock::new(funcs::func_map);

/// `.Release` settings.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    pub name: String,
    pub namespace: String,
}

struct Renderable {
    text: String,
    vals: Map,
    base_path: String,
}

fn release_map(r: &ReleaseOptions) -> Value {
    Value::map([
        ("Name", Value::from(r.name.as_str())),
        ("Namespace", Value::from(r.namespace.as_str())),
        ("Revision", Value::Int(1)),
        ("Service", Value::from("Helm")),
        ("IsUpgrade", Value::Bool(false)),
        ("IsInstall", Value::Bool(true)),
    ])
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Helm's `recAllTpls`: the data each chart's templates see.
fn collect(
    c: &Chart,
    full_path: &str,
    parent: &Map,
    is_root: bool,
    out: &mut BTreeMap<String, Renderable>,
) -> Map {
    let subcharts = Map::new();
    let files: BTreeMap<String, Arc<[u8]>> = c
        .files
        .iter()
        .map(|f| (f.name.clone(), f.data.clone()))
        .collect();
    let values = if is_root {
        match parent.get("Values") {
            Some(Value::Map(m)) => m,
            _ => Map::new(),
        }
    } else {
        match parent.get("Values") {
            Some(Value::Map(m)) => table(&m, c.name()),
            _ => Map::new(),
        }
    };
    let next = Map::new();
    next.insert(
        "Chart",
        Value::object(ChartObj {
            md: c.metadata.clone(),
            is_root,
        }),
    );
    next.insert("Files", Value::object(Files(Arc::new(files))));
    next.insert("Release", parent.get("Release").unwrap_or_default());
    next.insert(
        "Capabilities",
        parent.get("Capabilities").unwrap_or_default(),
    );
    next.insert("Values", Value::Map(values));
    next.insert("Subcharts", Value::Map(subcharts.clone()));
    for dep in &c.dependencies {
        let sub_path = format!("{full_path}/charts/{}", dep.name());
        let sub = collect(dep, &sub_path, &next, false, out);
        subcharts.insert(dep.name(), Value::Map(sub));
    }
    let library = c.metadata.chart_type == "library";
    for t in &c.templates {
        if library && !base_name(&t.name).starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                text: String::from_utf8_lossy(&t.data).into_owned(),
                vals: next.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    next
}

/// Helm's `sortTemplates`: more path segments first, then names descending.
fn parse_order(names: &mut [String]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

/// Renders every template; returns file name -> output (partials excluded,
/// NOTES.txt included). Errors are Helm's texts.
pub fn render(
    chart: &Chart,
    values: &Map,
    release: &ReleaseOptions,
) -> Result<BTreeMap<String, String>, String> {
    let top = Map::new();
    top.insert("Values", Value::Map(values.clone()));
    top.insert("Release", release_map(release));
    top.insert("Capabilities", Value::object(Capabilities));
    let mut tpls = BTreeMap::new();
    collect(chart, chart.name(), &top, true, &mut tpls);

    let mut set = TemplateSet::with_funcs("gotpl", FUNCS.clone());
    set.options_mut().missing_key = MissingKey::Zero;
    set.options_mut().max_depth = 10_000;
    let mut order: Vec<String> = tpls.keys().cloned().collect();
    parse_order(&mut order);
    for name in &order {
        if let Some(r) = tpls.get(name) {
            set.parse(name, &r.text)
                .map_err(|e| clean_parse_error(name, &e.to_string()))?;
        }
    }
    let mut rendered = BTreeMap::new();
    for name in &order {
        if base_name(name).starts_with('_') {
            continue;
        }
        let Some(r) = tpls.get(name) else { continue };
        r.vals.insert(
            "Template",
            Value::map([
                ("Name", Value::from(name.as_str())),
                ("BasePath", Value::from(r.base_path.as_str())),
            ]),
        );
        let out = set
            .execute(name, &Value::Map(r.vals.clone()))
            .map_err(|e| clean_exec_error(name, &e))?;
        rendered.insert(name.clone(), out.replace(NO_VALUE, ""));
    }
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_order_is_deepest_first_then_descending() {
        let mut v: Vec<String> = [
            "c/templates/a.yaml",
            "c/charts/s/templates/b.yaml",
            "c/templates/b.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        parse_order(&mut v);
        assert_eq!(
            v,
            vec![
                "c/charts/s/templates/b.yaml",
                "c/templates/b.yaml",
                "c/templates/a.yaml"
            ]
        );
    }
}
