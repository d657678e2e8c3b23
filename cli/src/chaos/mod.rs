//! `emcoctl chaos`: the resilience harness. It starts the bundled services and simulated
//! clusters as separate processes, runs scenario steps (operations through this crate's own
//! client code, and faults), and checks that the system converged with nothing lost or
//! duplicated.
//!
//! Split by job, as etcd's robustness tests are: [`scenario`] and [`step`] (the file format),
//! [`supervisor`] (processes), [`faults`] (kill, restart, failpoints, partitions), [`ops`]
//! (recorded operations) with [`wait`] (status waits), [`observe`] and [`invariants`] (what
//! correct means), [`checks`] (expectations and results), [`report`], [`recovery`]
//! (measurement), [`runner`] (one scenario) with [`steps`] (carrying out its steps) and
//! [`soak`] (random faults over many cycles).

pub mod checks;
pub mod cli;
pub mod example;
pub mod faults;
pub mod history;
pub mod invariants;
pub mod observe;
pub mod ops;
pub mod recovery;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod soak;
pub mod step;
pub mod steps;
pub mod supervisor;
pub mod wait;

pub use checks::{ScenarioResult, Status};
pub use cli::{ChaosArgs, run_command};
pub use runner::{RunOptions, run_scenario};
pub use scenario::{Scenario, ScenarioError};
