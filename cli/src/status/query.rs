//! The query parameters of EMCO status requests (emco-api.md 7.1), as options.

/// `status=`: which status each resource reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusMode {
    /// What rsync did with each resource (`Applied`, `Pending`, ...).
    Deployed,
    /// What the cluster reports for each resource (`Ready`, `NotReady`, ...).
    Ready,
}

/// `output=`: how much of each resource is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputMode {
    /// The states and counts only.
    Summary,
    /// Every resource with its status.
    All,
    /// Every resource with its manifest or live object.
    Detail,
}

impl StatusMode {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusMode::Deployed => "deployed",
            StatusMode::Ready => "ready",
        }
    }
}

impl OutputMode {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputMode::Summary => "summary",
            OutputMode::All => "all",
            OutputMode::Detail => "detail",
        }
    }
}

/// The parameters of one status request; unset ones are not sent (the server's defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusQuery {
    pub status: Option<StatusMode>,
    pub output: Option<OutputMode>,
    pub apps: Vec<String>,
    /// `provider+cluster`.
    pub clusters: Vec<String>,
    /// Resource names.
    pub resources: Vec<String>,
    /// An AppContext id: an earlier instantiation.
    pub instance: Option<String>,
}

impl StatusQuery {
    /// The same filters with another status mode and output.
    pub fn with(&self, status: StatusMode, output: OutputMode) -> StatusQuery {
        StatusQuery {
            status: Some(status),
            output: Some(output),
            ..self.clone()
        }
    }

    /// The URL query string (without `?`); `+` in a cluster name is sent as `%2B`.
    pub fn encode(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(status) = self.status {
            q.append_pair("status", status.as_str());
        }
        if let Some(output) = self.output {
            q.append_pair("output", output.as_str());
        }
        for app in &self.apps {
            q.append_pair("app", app);
        }
        for cluster in &self.clusters {
            q.append_pair("cluster", cluster);
        }
        for resource in &self.resources {
            q.append_pair("resource", resource);
        }
        if let Some(instance) = &self.instance {
            q.append_pair("instance", instance);
        }
        q.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_sends_nothing() {
        assert_eq!(StatusQuery::default().encode(), "");
    }

    #[test]
    fn every_parameter_in_emcos_spelling() {
        let q = StatusQuery {
            status: Some(StatusMode::Ready),
            output: Some(OutputMode::Detail),
            apps: vec!["a1".into(), "a2".into()],
            clusters: vec!["provider1+cluster1".into()],
            resources: vec!["r1".into()],
            instance: Some("2033187047192820370".into()),
        };
        assert_eq!(
            q.encode(),
            "status=ready&output=detail&app=a1&app=a2&cluster=provider1%2Bcluster1&resource=r1&instance=2033187047192820370"
        );
        let d = q.with(StatusMode::Deployed, OutputMode::Summary);
        assert!(
            d.encode()
                .starts_with("status=deployed&output=summary&app=a1")
        );
    }
}
