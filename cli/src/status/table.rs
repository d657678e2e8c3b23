//! The `-o table` view: header lines (name, lifecycle state, deployed and ready status with
//! counts by status) and one row per app, cluster and resource, merged from a `deployed` and a
//! `ready` document.

use serde_json::Value;
use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

use super::doc::{Row, StatusDoc, format_counts};
use super::subject::SubjectKind;

/// What one table shows.
#[derive(Debug, Clone, Copy)]
pub struct TableInput<'a> {
    pub kind: SubjectKind,
    /// The `status=deployed` document, when asked for.
    pub deployed: Option<&'a Value>,
    /// The `status=ready` document, when asked for.
    pub ready: Option<&'a Value>,
    /// Resource rows below the header (not with `--output summary`).
    pub rows: bool,
}

/// Renders the header and the resource table.
pub fn render(input: &TableInput<'_>) -> String {
    let mut out = header(input);
    if input.rows {
        let rows = merge(input.deployed, input.ready);
        out.push('\n');
        if rows.is_empty() {
            out.push_str("No resources.\n");
        } else {
            out.push_str(&resource_table(input, &rows));
        }
    }
    out
}

/// The resources of `rows` whose deployed status is `Failed`, as a table.
pub fn failing_table(kind: SubjectKind, rows: &[Row]) -> String {
    let with_app = kind == SubjectKind::DeploymentIntentGroup;
    let mut b = Builder::new();
    let mut head = vec!["CLUSTER", "KIND", "NAME", "STATUS"];
    if with_app {
        head.insert(0, "APP");
    }
    b.push_record(head);
    for r in rows {
        let mut rec = vec![
            r.cluster.clone(),
            r.kind.clone(),
            r.name.clone(),
            r.deployed.clone().unwrap_or_else(|| "-".into()),
        ];
        if with_app {
            rec.insert(0, r.app.clone().unwrap_or_else(|| "-".into()));
        }
        b.push_record(rec);
    }
    finish(b)
}

/// Columns three spaces apart, like kubectl, with no padding at the line ends.
fn finish(builder: Builder) -> String {
    let mut table = builder.build();
    table.with(Style::empty()).with(Padding::new(0, 3, 0, 0));
    let text = table.to_string();
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.push("");
    lines.join("\n")
}

fn header(input: &TableInput<'_>) -> String {
    let Some(main) = input.deployed.or(input.ready) else {
        return String::new();
    };
    let doc = StatusDoc(main);
    let mut lines: Vec<(String, String)> =
        vec![(input.kind.to_string(), identity(input.kind, main))];
    let state = match doc.last_action() {
        Some(a) if a.instance.is_empty() => format!("{} ({})", a.state, a.time),
        Some(a) => format!("{} (instance {}, {})", a.state, a.instance, a.time),
        None => "-".to_string(),
    };
    lines.push(("State".into(), state));
    let deployed_status = doc.deployed_status().unwrap_or("-");
    let counts = input
        .deployed
        .map(|d| format_counts(&StatusDoc(d).deployed_counts()))
        .unwrap_or_default();
    lines.push(("Deployed".into(), with_counts(deployed_status, &counts)));
    if let Some(ready) = input.ready {
        let r = StatusDoc(ready);
        let counts = format_counts(&r.ready_counts());
        lines.push((
            "Ready".into(),
            with_counts(r.ready_status().unwrap_or("-"), &counts),
        ));
    }
    let width = lines.iter().map(|(l, _)| l.len() + 1).max().unwrap_or(0);
    lines
        .iter()
        .map(|(label, value)| format!("{:<width$}  {value}\n", format!("{label}:")))
        .collect()
}

fn with_counts(status: &str, counts: &str) -> String {
    if counts.is_empty() {
        status.to_string()
    } else {
        format!("{status} ({counts})")
    }
}

/// `dig (project p, composite app ca v1, profile prof)` or `lc (project p)`.
fn identity(kind: SubjectKind, v: &Value) -> String {
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| v.get(*n).and_then(Value::as_str))
            .unwrap_or_default()
            .to_string()
    };
    let name = get(&["name"]);
    let mut parts = vec![format!("project {}", get(&["project"]))];
    if kind == SubjectKind::DeploymentIntentGroup {
        let app = get(&["compositeApp", "composite-app-name"]);
        let version = get(&["compositeAppVersion", "composite-app-version"]);
        parts.push(format!("composite app {app} {version}"));
        let profile = get(&["compositeProfile", "composite-profile-name"]);
        if !profile.is_empty() {
            parts.push(format!("profile {profile}"));
        }
    }
    format!("{name} ({})", parts.join(", "))
}

fn resource_table(input: &TableInput<'_>, rows: &[Row]) -> String {
    let with_app = input.kind == SubjectKind::DeploymentIntentGroup;
    let mut head = vec!["CLUSTER", "CONNECTIVITY", "KIND", "NAME"];
    if with_app {
        head.insert(0, "APP");
    }
    if input.deployed.is_some() {
        head.push("DEPLOYED");
    }
    if input.ready.is_some() {
        head.push("READY");
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut b = Builder::new();
    b.push_record(head);
    for r in rows {
        let mut rec = Vec::new();
        if with_app {
            rec.push(dash(&r.app));
        }
        rec.extend([
            r.cluster.clone(),
            dash(&r.connectivity),
            r.kind.clone(),
            r.name.clone(),
        ]);
        if input.deployed.is_some() {
            rec.push(dash(&r.deployed));
        }
        if input.ready.is_some() {
            rec.push(dash(&r.ready));
        }
        b.push_record(rec);
    }
    finish(b)
}

/// The rows of both documents, one per resource: the deployed document's order, with objects
/// only the cluster reports (such as the Pods of a Deployment) after the resources of their app
/// and cluster.
pub fn merge(deployed: Option<&Value>, ready: Option<&Value>) -> Vec<Row> {
    type Group = ((Option<String>, String), Vec<Row>);
    let mut groups: Vec<Group> = Vec::new();
    let mut add = |row: Row, from_ready: bool| {
        let at = (row.app.clone(), row.cluster.clone());
        let index = match groups.iter().position(|(k, _)| *k == at) {
            Some(i) => i,
            None => {
                groups.push((at, Vec::new()));
                groups.len() - 1
            }
        };
        let rows = &mut groups[index].1;
        let same = |r: &&mut Row| r.kind == row.kind && r.name == row.name && r.group == row.group;
        match rows.iter_mut().find(same) {
            Some(existing) if from_ready => {
                existing.ready = row.ready;
                if existing.connectivity.is_none() {
                    existing.connectivity = row.connectivity;
                }
            }
            _ => rows.push(row),
        }
    };
    for row in deployed.map(|d| StatusDoc(d).rows()).unwrap_or_default() {
        add(row, false);
    }
    for row in ready.map(|d| StatusDoc(d).rows()).unwrap_or_default() {
        add(row, true);
    }
    groups.into_iter().flat_map(|(_, rows)| rows).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dig_deployed() -> Value {
        json!({"project":"proj1","compositeApp":"collection","compositeAppVersion":"v1","compositeProfile":"prof",
            "name":"dig","states":{"statusctxid":"20","actions":[
                {"state":"Approved","instance":"","time":"t0","revision":0},
                {"state":"Instantiated","instance":"20","time":"t1","revision":1}]},
            "deployedStatus":"Instantiating","deployedCounts":{"Applied":2,"Pending":1},
            "apps":[{"name":"collectd","clusters":[{"clusterProvider":"p1","cluster":"c1","connectivity":"Available","resources":[
                {"GVK":{"Group":"","Version":"v1","Kind":"Service"},"name":"collectd","deployedStatus":"Applied"},
                {"GVK":{"Group":"apps","Version":"v1","Kind":"DaemonSet"},"name":"r1-collectd","deployedStatus":"Pending"}]}]},
              {"name":"op","clusters":[{"clusterProvider":"p1","cluster":"c1","connectivity":"Available","resources":[
                {"GVK":{"Group":"","Version":"v1","Kind":"ConfigMap"},"name":"op-cm","deployedStatus":"Applied"}]}]}]})
    }

    fn dig_ready() -> Value {
        json!({"name":"dig","states":{"actions":[{"state":"Instantiated","instance":"20","time":"t1"}]},
            "deployedStatus":"Instantiating","readyStatus":"NotReady","readyCounts":{"Ready":2,"NotReady":1,"NotPresent":1},
            "apps":[{"name":"collectd","clusters":[{"clusterProvider":"p1","cluster":"c1","connectivity":"Available","resources":[
                {"GVK":{"Group":"","Version":"v1","Kind":"Service"},"name":"collectd","readyStatus":"Ready"},
                {"GVK":{"Group":"apps","Version":"v1","Kind":"DaemonSet"},"name":"r1-collectd","readyStatus":"NotPresent"},
                {"GVK":{"Group":"","Version":"v1","Kind":"Pod"},"name":"r1-collectd-8xk2p","readyStatus":"NotReady"}]}]},
              {"name":"op","clusters":[{"clusterProvider":"p1","cluster":"c1","connectivity":"Available","resources":[
                {"GVK":{"Group":"","Version":"v1","Kind":"ConfigMap"},"name":"op-cm","readyStatus":"Ready"}]}]}]})
    }

    #[test]
    fn table_merges_deployed_and_ready() {
        let (d, r) = (dig_deployed(), dig_ready());
        let text = render(&TableInput {
            kind: SubjectKind::DeploymentIntentGroup,
            deployed: Some(&d),
            ready: Some(&r),
            rows: true,
        });
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        assert_eq!(
            lines[..4],
            [
                "Deployment intent group:  dig (project proj1, composite app collection v1, profile prof)",
                "State:                    Instantiated (instance 20, t1)",
                "Deployed:                 Instantiating (Pending 1  Applied 2)",
                "Ready:                    NotReady (Ready 2  NotReady 1  NotPresent 1)",
            ]
        );
        assert_eq!(lines[4], "");
        let cells: Vec<Vec<&str>> = lines[5..]
            .iter()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            cells,
            [
                vec![
                    "APP",
                    "CLUSTER",
                    "CONNECTIVITY",
                    "KIND",
                    "NAME",
                    "DEPLOYED",
                    "READY"
                ],
                vec![
                    "collectd",
                    "p1+c1",
                    "Available",
                    "Service",
                    "collectd",
                    "Applied",
                    "Ready"
                ],
                vec![
                    "collectd",
                    "p1+c1",
                    "Available",
                    "DaemonSet",
                    "r1-collectd",
                    "Pending",
                    "NotPresent"
                ],
                vec![
                    "collectd",
                    "p1+c1",
                    "Available",
                    "Pod",
                    "r1-collectd-8xk2p",
                    "-",
                    "NotReady"
                ],
                vec![
                    "op",
                    "p1+c1",
                    "Available",
                    "ConfigMap",
                    "op-cm",
                    "Applied",
                    "Ready"
                ],
            ]
        );
        // Columns line up: every cell of a column starts at the same offset.
        let at = |line: &str, word: &str| line.find(word).unwrap();
        assert_eq!(at(lines[5], "KIND"), at(lines[6], "Service"));
        assert_eq!(at(lines[5], "READY"), at(lines[9], "Ready"));
    }

    #[test]
    fn one_mode_shows_one_status_column_and_no_app_for_logical_clouds() {
        let lc = json!({"project":"p1","name":"lc1","states":{"actions":[{"state":"Created","instance":"","time":"t0"}]},
            "deployedStatus":"Instantiated","deployedCounts":{"Applied":1},
            "clusters":[{"clusterProvider":"p","cluster":"edge01","connectivity":"Available","resources":[
                {"GVK":{"Group":"","Version":"v1","Kind":"Namespace"},"name":"ns1","deployedStatus":"Applied"}]}]});
        let text = render(&TableInput {
            kind: SubjectKind::LogicalCloud,
            deployed: Some(&lc),
            ready: None,
            rows: true,
        });
        assert!(text.starts_with("Logical cloud:  lc1 (project p1)\nState:          Created (t0)\nDeployed:       Instantiated (Applied 1)\n\n"), "{text}");
        let last: Vec<&str> = text.lines().last().unwrap().split_whitespace().collect();
        assert_eq!(
            last,
            ["p+edge01", "Available", "Namespace", "ns1", "Applied"]
        );
        assert!(!text.contains("READY") && !text.contains("APP"), "{text}");
    }

    #[test]
    fn summary_has_no_rows_and_empty_status_says_so() {
        let v = json!({"name":"dig","project":"p","states":{"actions":[{"state":"Approved","instance":"","time":"t"}]}});
        let input = TableInput {
            kind: SubjectKind::DeploymentIntentGroup,
            deployed: Some(&v),
            ready: None,
            rows: false,
        };
        let text = render(&input);
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("Deployed:                 -\n"), "{text}");
        let text = render(&TableInput {
            rows: true,
            ..input
        });
        assert!(text.ends_with("\nNo resources.\n"), "{text}");
    }

    #[test]
    fn failing_resources_table() {
        let rows = vec![Row {
            app: Some("sink".into()),
            cluster: "p+c".into(),
            kind: "Deployment".into(),
            name: "fw0-sink".into(),
            deployed: Some("Failed".into()),
            ..Row::default()
        }];
        let text = failing_table(SubjectKind::DeploymentIntentGroup, &rows);
        let cells: Vec<Vec<&str>> = text
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            cells,
            [
                vec!["APP", "CLUSTER", "KIND", "NAME", "STATUS"],
                vec!["sink", "p+c", "Deployment", "fw0-sink", "Failed"]
            ]
        );
    }
}
