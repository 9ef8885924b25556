//! gatebench: a terminal workbench for OpenAI-compatible LLM gateways.

pub mod answer;
pub mod app;
pub mod attach;
pub mod bench;
pub mod clean;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod format;
pub mod gateway;
pub mod history;
pub mod jsonschema;
pub mod ladder;
pub mod layout;
pub mod markdown;
pub mod metrics;
pub mod pattern;
pub mod probe;
pub mod protocol;
pub mod report;
pub mod rng;
pub mod route;
pub mod secret;
pub mod session;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod tools;
pub mod tui;
pub mod ui;
pub mod watch;
