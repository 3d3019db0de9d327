//! `displace`: an agent-based simulator of internal displacement caused by organised criminal
//! violence.
//!
//! Data flows one way: a scenario file is loaded and resolved ([`scenario`]), a [`step::Model`]
//! is built from it (world, groups, households), [`sim::simulate`] advances it tick by tick
//! through a fixed sequence of phases, and observers receive per-tick metrics and displacement
//! episodes, which [`output`] writes as tidy tables. The library never prints or exits; the
//! `displace` binary does that.

pub mod actors;
pub mod bench;
pub mod calibrate;
pub mod checkpoint;
pub mod compare;
pub mod households;
pub mod metrics;
pub mod output;
pub mod plot;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod step;
pub mod sweep;
pub mod validate;
pub mod world;
