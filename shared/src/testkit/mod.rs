//! What tests, benchmarks and the local runner use but Lambda functions never build (the
//! `testkit` feature): the adapter contract suite, the demo municipality generator, a clock
//! that tests move, percentiles for measurements.

pub mod bench;
pub mod clock;
pub mod contract;
pub mod demo;
#[cfg(feature = "hostile")]
pub mod hostile;
pub mod measure;

pub use clock::ManualClock;
