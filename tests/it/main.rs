//! Every integration test in one crate, so the suite links once. Each module is one area; they
//! share `common` (the demo gateway process, tmux, raw servers and replays).

mod account;
mod agents;
mod architecture;
mod bench;
mod bench_trace;
mod bench_turns;
mod captures;
mod cli;
mod client_demo;
mod common;
mod context;
mod docs;
mod generation;
mod history;
mod hostile;
mod portkey;
mod probe;
mod properties;
mod providers;
mod realstack;
mod realstack_bench;
mod realstack_portkey;
mod realstack_probe;
mod report_html;
mod routes;
mod snapshots;
mod tui_tmux;
mod watch;
mod watch_ops;
