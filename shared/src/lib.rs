pub mod adapters;
pub mod app;
pub mod cns;
pub mod config;
pub mod domain;
pub mod json;
pub mod keys;
pub mod metrics;
pub mod pdf;
pub mod ports;
pub mod seal;
pub mod services;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod web;
pub mod xml;
