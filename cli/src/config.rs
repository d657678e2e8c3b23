//! Where each EMCO service lives: the `emco-cfg.yaml` file, its search path and EMCO's defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// An EMCO service that emcoctl can address, as named in the configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Orchestrator,
    Clm,
    Ncm,
    Dcm,
    Rsync,
    OvnAction,
    Gac,
    Dtc,
    HpaPlacement,
    Sfc,
    SfcClient,
    WorkflowMgr,
    Tac,
    CaCert,
    Policy,
}

impl Service {
    /// Every service, in the order EMCO's configuration lists them.
    pub const ALL: [Service; 15] = [
        Service::Orchestrator,
        Service::Clm,
        Service::Ncm,
        Service::Dcm,
        Service::Rsync,
        Service::OvnAction,
        Service::Gac,
        Service::Dtc,
        Service::HpaPlacement,
        Service::Sfc,
        Service::SfcClient,
        Service::WorkflowMgr,
        Service::Tac,
        Service::CaCert,
        Service::Policy,
    ];

    /// The configuration key (lower case; keys are matched case-insensitively).
    pub fn key(self) -> &'static str {
        match self {
            Service::Orchestrator => "orchestrator",
            Service::Clm => "clm",
            Service::Ncm => "ncm",
            Service::Dcm => "dcm",
            Service::Rsync => "rsync",
            Service::OvnAction => "ovnaction",
            Service::Gac => "gac",
            Service::Dtc => "dtc",
            Service::HpaPlacement => "hpaplacement",
            Service::Sfc => "sfc",
            Service::SfcClient => "sfcclient",
            Service::WorkflowMgr => "workflowmgr",
            Service::Tac => "tac",
            Service::CaCert => "cacert",
            Service::Policy => "policy",
        }
    }

    /// The service named by a configuration key, ignoring case.
    pub fn from_key(key: &str) -> Option<Service> {
        let key = key.to_ascii_lowercase();
        Service::ALL.into_iter().find(|s| s.key() == key)
    }

    /// EMCO's message when the service is needed but not configured (texts as EMCO prints them).
    pub fn missing_message(self) -> &'static str {
        match self {
            Service::Orchestrator => "Fatal: No Orchestrator Information in Config File",
            Service::Clm => "Fatal: No Clm Information in Config File",
            Service::Ncm => "Fatal: No Ncm Information in Config File",
            Service::Dcm => "Fatal: No Dcm Information in Config File",
            Service::Rsync => "Fatal: No Rsync Information in Config File",
            Service::OvnAction => "Fatal: No Ovn Action Information in Config File",
            Service::Gac => "Fatal: No GAC Action Information in Config File!",
            Service::Dtc => "Fatal: No DTC Information in Config File",
            Service::HpaPlacement => "Fatal: No HPA Placement Information in Config File",
            Service::Sfc => "Fatal: No SFC Action Information in Config File!",
            Service::SfcClient => "Fatal: No SFC Client Action Information in Config File!",
            Service::WorkflowMgr => "Fatal: No WorkflowMgr Information in Config File!",
            Service::Tac => "Fatal: No TAC Information in Config File!",
            Service::CaCert => "Fatal: No CA Cert Information in Config File!",
            Service::Policy => "Fatal: No Policy Information in Config File",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Host and ports of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// gRPC status-notification port (used only by `watch`).
    pub status_port: Option<u16>,
}

impl Endpoint {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
            status_port: None,
        }
    }

    /// `host:port`, with brackets around IPv6 literals as in Go's `net.JoinHostPort`.
    fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn usable(&self) -> bool {
        !self.host.is_empty() && self.port != 0
    }
}

/// Where the configuration came from; decides the first line emcoctl prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    Defaults,
}

/// Errors reading or using the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// EMCO's fatal "No <Svc> Information in Config File" (exit code 1).
    #[error("{}", .0.missing_message())]
    MissingService(Service),
}

/// The service endpoints emcoctl talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    source: ConfigSource,
    endpoints: BTreeMap<Service, Endpoint>,
    ingress: Option<Endpoint>,
}

/// Names viper finds for `$HOME/.emco` (in its search order for the formats we read).
const HOME_CONFIG_NAMES: [&str; 3] = [".emco.json", ".emco.yaml", ".emco.yml"];

impl Config {
    /// EMCO's built-in defaults (every service on localhost, no rsync, no ingress).
    pub fn defaults() -> Config {
        let table: [(Service, u16, Option<u16>); 14] = [
            (Service::Orchestrator, 9015, Some(9016)),
            (Service::Clm, 9061, None),
            (Service::Ncm, 9081, Some(9082)),
            (Service::Dcm, 9077, Some(9078)),
            (Service::OvnAction, 9051, None),
            (Service::Dtc, 9018, None),
            (Service::Gac, 9020, None),
            (Service::HpaPlacement, 9091, None),
            (Service::Sfc, 9055, None),
            (Service::SfcClient, 9057, None),
            (Service::WorkflowMgr, 9095, None),
            (Service::Tac, 9064, None),
            (Service::CaCert, 9036, None),
            (Service::Policy, 9060, None),
        ];
        let endpoints = table
            .into_iter()
            .map(|(svc, port, status_port)| {
                let ep = Endpoint {
                    host: "localhost".to_string(),
                    port,
                    status_port,
                };
                (svc, ep)
            })
            .collect();
        Config {
            source: ConfigSource::Defaults,
            endpoints,
            ingress: None,
        }
    }

    /// A configuration with no services; add them with [`Config::with_endpoint`].
    pub fn empty() -> Config {
        Config {
            source: ConfigSource::Defaults,
            endpoints: BTreeMap::new(),
            ingress: None,
        }
    }

    /// Sets (or replaces) one service's endpoint.
    pub fn with_endpoint(mut self, service: Service, endpoint: Endpoint) -> Config {
        self.endpoints.insert(service, endpoint);
        self
    }

    /// Sends every call to one ingress instead of the per-service endpoints.
    pub fn with_ingress(mut self, endpoint: Endpoint) -> Config {
        self.ingress = Some(endpoint);
        self
    }

    /// Loads `explicit` if given, else the first `$HOME/.emco.*` found, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Config::load_from(explicit, home.as_deref())
    }

    /// As [`Config::load`], with the home directory given (for tests and embedding).
    pub fn load_from(explicit: Option<&Path>, home: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::read_file(path);
        }
        let found = home.and_then(|home| {
            HOME_CONFIG_NAMES
                .iter()
                .map(|name| home.join(name))
                .find(|p| p.is_file())
        });
        match found {
            Some(path) => Config::read_file(&path),
            None => Ok(Config::defaults()),
        }
    }

    fn read_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::from_yaml(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        config.source = ConfigSource::File(path.to_path_buf());
        Ok(config)
    }

    /// Parses the YAML text of a configuration file. Only the services it names exist.
    pub fn from_yaml(text: &str) -> Result<Config, String> {
        let options = crate::resource::yaml_options();
        let doc: Value = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| crate::resource::one_line(&e.to_string()))?;
        let mut config = Config::empty();
        let map = match doc {
            Value::Null => return Ok(config),
            Value::Object(map) => map,
            _ => return Err("expected a mapping of service names".to_string()),
        };
        for (key, value) in &map {
            let endpoint = parse_endpoint(key, value)?;
            if key.eq_ignore_ascii_case("ingress") {
                config.ingress = endpoint;
            } else if let (Some(svc), Some(ep)) = (Service::from_key(key), endpoint) {
                config.endpoints.insert(svc, ep);
            }
        }
        Ok(config)
    }

    pub fn source(&self) -> &ConfigSource {
        &self.source
    }

    /// The first line emcoctl prints, as EMCO prints it.
    pub fn banner(&self) -> String {
        match &self.source {
            ConfigSource::File(path) => format!("Using config file: {}", path.display()),
            ConfigSource::Defaults => {
                "Warning: No Configuration File found. Using defaults".to_string()
            }
        }
    }

    pub fn endpoint(&self, service: Service) -> Option<&Endpoint> {
        self.endpoints.get(&service)
    }

    pub fn ingress(&self) -> Option<&Endpoint> {
        self.ingress.as_ref().filter(|e| e.usable())
    }

    /// `http://<host>:<port>/v2` for the service (or the ingress when one is configured).
    pub fn base_url(&self, service: Service) -> Result<String, ConfigError> {
        let endpoint = match self.ingress() {
            Some(ingress) => ingress,
            None => self
                .endpoints
                .get(&service)
                .filter(|e| e.usable())
                .ok_or(ConfigError::MissingService(service))?,
        };
        Ok(format!("http://{}/v2", endpoint.host_port()))
    }
}

/// One service entry: `{host, port, statusPort}` with keys in any case; ports may be strings.
fn parse_endpoint(key: &str, value: &Value) -> Result<Option<Endpoint>, String> {
    let map = match value {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        _ => return Err(format!("{key}: expected host and port")),
    };
    let mut endpoint = Endpoint::new("", 0);
    for (field, v) in map {
        match field.to_ascii_lowercase().as_str() {
            "host" => endpoint.host = scalar_text(v).unwrap_or_default(),
            "port" => endpoint.port = parse_port(key, field, v)?.unwrap_or(0),
            "statusport" => endpoint.status_port = parse_port(key, field, v)?,
            _ => {}
        }
    }
    Ok(Some(endpoint))
}

fn parse_port(key: &str, field: &str, v: &Value) -> Result<Option<u16>, String> {
    let bad = || format!("{key}.{field}: not a port number: {v}");
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map(Some)
            .ok_or_else(bad),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse::<u16>().map(Some).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
