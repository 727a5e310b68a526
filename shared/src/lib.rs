pub mod adapters;
pub mod config;
pub mod contract;
pub mod demo;
pub mod domain;
pub mod ports;
pub mod services;
pub mod web;
