//! `gatebench bench`: a workload through several models and routes of one gateway, side by side,
//! under a chosen load, with checks, a judge, percentiles from HDR histograms, cost per request
//! and a projected bill, CI gates, comparison with an earlier run, and shards that merge exactly.
//!
//! Pure parts: `workload`, `checks`, `judge`, `schedule` (arrival times), `stats`, `report`,
//! `gate`, `summary`, `output`. Thin async parts: `schedule::drive` and `run`.

pub mod checks;
pub mod collect;
pub mod estimate;
pub mod gate;
pub mod job;
pub mod judge;
pub mod notes;
pub mod output;
pub mod rehearsal;
pub mod rehearse;
pub mod replay;
pub mod report;
pub mod rules;
pub mod run;
pub mod schedule;
pub mod slo;
pub mod stats;
mod stats_scrub;
pub mod summary;
pub mod sweep;
pub mod trace;
pub mod turns;
pub mod workload;
