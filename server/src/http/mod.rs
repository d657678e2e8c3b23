//! The HTTP layer shared by every service: errors, requests, replies, dispatch, serving.

pub mod error;
pub mod failpoint;
pub mod metrics;
pub mod reply;
pub mod request;
pub mod serve;
pub mod service;
