//! The services this binary can run, their default ports and route tables.

use std::sync::Arc;

use emco_store::Store;

use crate::http::service::{Ctx, Routes};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Orchestrator,
    Clm,
    Dcm,
    Rsync,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Orchestrator,
        Service::Clm,
        Service::Dcm,
        Service::Rsync,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Orchestrator => "orchestrator",
            Service::Clm => "clm",
            Service::Dcm => "dcm",
            Service::Rsync => "rsync",
        }
    }

    /// EMCO's default REST ports (rsync's 9031 is its control port; here it serves health
    /// and metrics).
    pub fn default_port(self) -> u16 {
        match self {
            Service::Orchestrator => 9015,
            Service::Clm => 9061,
            Service::Dcm => 9077,
            Service::Rsync => 9031,
        }
    }

    pub fn routes(self) -> Routes {
        match self {
            Service::Orchestrator => crate::orchestrator::routes(),
            Service::Clm => crate::clm::routes(),
            Service::Dcm => crate::dcm::routes(),
            Service::Rsync => Routes::default(),
        }
    }

    pub fn ctx(self, store: Arc<dyn Store>, max_upload: usize) -> Ctx {
        Ctx {
            store,
            service: self.name(),
            max_upload,
        }
    }
}
