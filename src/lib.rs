//! gatebench: a terminal workbench for OpenAI-compatible LLM gateways.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod format;
pub mod gateway;
pub mod layout;
pub mod metrics;
pub mod record;
pub mod rng;
pub mod route;
pub mod run;
pub mod secret;
pub mod session;
pub mod tui;
pub mod ui;
