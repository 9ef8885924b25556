//! The event loop: terminal events, request messages and a tick feed `update`; its effects are
//! carried out here; the screen is drawn only when something changed, at most ~60 times a second.

pub mod bench;
pub mod clipboard;
pub mod effects;
pub mod inbox;
pub mod task;
pub mod terminal;

use std::time::{Duration, Instant};

use crossterm::event::Event;
use tokio::sync::mpsc;

use crate::app::keymap::Keymap;
use crate::app::{Action, Effect, Setup, State, update};
use crate::config;
use crate::session::Session;
use crate::ui::{self, Theme};
use effects::{Runner, TermOp};
use terminal::Term;

/// Frame pacing: a key, paste, mouse or resize, and the end of a request, are drawn at once; the
/// middle of a stream (which may bring hundreds of chunks a second) is coalesced to 20 Hz: smooth
/// for reading, and a fraction of the CPU.
const FRAME_STREAM: Duration = Duration::from_millis(50);
/// Live elapsed times refresh this often while requests run; nothing ticks when idle.
const TICK: Duration = Duration::from_millis(100);
const MAX_DRAIN: usize = 4096;

/// How the workbench starts with its history.
#[derive(Debug, Clone, Default)]
pub struct HistoryPlan {
    /// `--data-dir`.
    pub data_dir: Option<std::path::PathBuf>,
    /// Why nothing is recorded (`--no-history`, `history = false`).
    pub off: Option<String>,
    /// `--resume`: reopen the last session where it was.
    pub resume: bool,
    /// `gatebench history`: open on the history view.
    pub open_view: bool,
}

/// The top line: where requests go (on the demo gateway, how to connect a real one), and where
/// the history is kept.
pub fn banner(session: &Session, history: &str) -> Option<String> {
    if session.profile.is_demo() {
        return Some(format!(
            "Demo gateway: simulated models. Connect a real one: export INFERGATE_API_KEY=… \
             (see the README) · {history}"
        ));
    }
    let key = match (&session.profile.api_key_env, session.has_key) {
        (Some(env), true) => format!("key from ${env}"),
        (Some(env), false) => format!("no key: ${env} is not set"),
        (None, _) => "no key".to_string(),
    };
    Some(format!(
        "profile {} · {} · {key} · {history}",
        session.profile.name, session.base_url
    ))
}

pub fn theme_for(session: &Session, name: Option<&str>) -> anyhow::Result<Theme> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return Ok(Theme::no_color());
    }
    let name = name.or(session.config.theme.as_deref()).unwrap_or("dark");
    Theme::load(name, config::config_dir().as_deref()).map_err(anyhow::Error::msg)
}

/// The name of the network runtime's threads.
pub const NET_THREAD: &str = "gatebench-net";

/// The network runtime: one thread of its own for request tasks (which stamp every chunk's
/// arrival) and the in-process demo gateway, so a long frame on the UI thread never delays a
/// stamp, and nothing the network does can stall the event loop.
pub fn net_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(NET_THREAD)
        .enable_all()
        .build()
}

/// Refuse early, before anything starts, when there is no terminal to draw on.
pub fn need_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the workbench needs a terminal (standard input and output are not a TTY); \
             for scripts use `gatebench ask`, `gatebench models` or `gatebench rehearse`"
        );
    }
    Ok(())
}

/// The workbench. `net` runs the request tasks (see `net_runtime`).
pub async fn run(
    session: Session,
    net: tokio::runtime::Handle,
    models: &[String],
    (theme, raw): (Option<&str>, bool),
    tools: Option<crate::app::agent::Tools>,
    plan: HistoryPlan,
) -> anyhow::Result<i32> {
    need_terminal()?;
    let theme = theme_for(&session, theme)?;
    let (tx, rx) = inbox::inbox();
    let writer = match plan.off.clone() {
        Some(why) => Err(why),
        None => {
            let tx = tx.clone();
            crate::history::start(
                plan.data_dir.as_deref(),
                session.key.clone(),
                Box::new(move |e| {
                    let _ = tx.send(Action::HistoryFailed(e));
                }),
            )
        }
    };
    let place = match &writer {
        Ok(w) => format!("history: {}", crate::history::display_path(&w.path)),
        Err(why) => why.clone(),
    };
    let keymap = Keymap::new(&session.config.keys).map_err(anyhow::Error::msg)?;
    let selected = if models.is_empty() {
        session.default_models()
    } else {
        models.to_vec()
    };
    let mut state = State::new(keymap, selected, banner(&session, &place));
    let notice = (writer.is_err() && (plan.resume || plan.open_view))
        .then(|| format!("{place}: nothing to reopen"));
    // One reading connection for what the workbench starts with from the history.
    let store = writer
        .as_ref()
        .ok()
        .and_then(crate::history::Writer::reader);
    let watch = session.watch_setup(store.as_ref());
    state.configure(Setup {
        recording: writer.is_ok(),
        place,
        // `--raw` or `markdown = false`: answers as written in every pane (`t` switches one).
        raw: raw || session.config.markdown == Some(false),
        // Blind rounds shuffle differently each session.
        seed: crate::clock::seed(),
        prices: session.config.prices.clone(),
        budget_usd: session.config.budget_usd,
        routes: session.config.routes(session.profile.is_demo())?,
        tools,
        account_api: session.profile.account,
        generation_stats: session.profile.generation_stats,
        typical_output: session.typical_output(store.as_ref()),
        probes: session
            .last_probes(store.as_ref())
            .into_iter()
            .map(|(m, (_, p))| (m, p))
            .collect(),
        watch: watch.as_ref().map(
            |(gateway, thresholds, _)| crate::app::watchview::WatchSetup {
                gateway: gateway.clone(),
                thresholds: thresholds.clone(),
            },
        ),
        watch_failing: watch.map(|(_, _, failing)| failing).unwrap_or_default(),
        notice,
    });
    // Code grammars load in the background, ready before the first code block closes.
    let _ = std::thread::Builder::new()
        .name("gatebench-grammars".into())
        .spawn(crate::markdown::warm_up);

    let mut term = Term::setup()?;
    // Self-test of the panic path: proves the hook restores the terminal (test builds only).
    #[cfg(feature = "testkit")]
    if std::env::var_os("GATEBENCH_SELFTEST_PANIC").is_some() {
        panic!("GATEBENCH_SELFTEST_PANIC is set: panicking on purpose after terminal setup");
    }
    let size = term.terminal.size()?;
    update(&mut state, Action::Resize(size.width, size.height));
    let mut runner = Runner::new(session.client.clone(), net.clone(), tx);
    runner.management_key = session.management_key.clone();
    let mut first = vec![Effect::FetchModels];
    if let Ok(w) = &writer {
        runner.db = Some(w.path.clone());
        let info = crate::history::SessionInfo {
            kind: "workbench".into(),
            profile: session.profile.name.clone(),
            base_url: session.base_url.clone(),
        };
        w.send(crate::history::Record::NewSession(info));
        if plan.resume {
            first.push(Effect::LoadSession {
                id: None,
                turn: None,
            });
        }
        if plan.open_view {
            first.extend(crate::app::history::open_view(&mut state));
        }
    }
    runner.history = writer.ok();
    let result = event_loop(&mut term, &mut state, &theme, &mut runner, rx, first).await;
    // What is still on its way to the database gets there before the process exits.
    if let Some(w) = &runner.history {
        w.flush(Duration::from_secs(3));
    }
    drop(term);
    result
}

async fn event_loop(
    term: &mut Term,
    state: &mut State,
    theme: &Theme,
    runner: &mut Runner,
    rx: inbox::Inbox,
    mut pending: Vec<Effect>,
) -> anyhow::Result<i32> {
    let mut events = terminal_events()?;
    // One timer for both the frame and the tick: tokio's wheel files a deadline 64 ms or more
    // away coarsely and wakes early to refile it, so an interval beside the frame's timer would
    // wake the loop twice a frame.
    let mut last_tick = Instant::now();
    let mut last_draw: Option<Instant> = None;
    // Draw without waiting for the stream frame: a key was pressed, or a request ended.
    let mut urgent = false;
    // Messages came since the loop last waited.
    let mut fresh = false;
    #[cfg(unix)]
    let mut term_sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut hup_sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;

    loop {
        for effect in pending.drain(..) {
            match runner.run(effect) {
                Some(TermOp::Quit) => return Ok(0),
                Some(TermOp::MouseCapture(on)) => term.mouse_capture(on)?,
                None => {}
            }
        }
        // What tasks reported since the last turn, before drawing (bounded, so keys and frames
        // get their turn even with nine streams at full speed).
        let batch = rx.take(MAX_DRAIN);
        if batch.len() == MAX_DRAIN {
            rx.rewake();
        }
        fresh |= !batch.is_empty();
        for a in batch {
            urgent |= runner.finished(&a);
            pending.extend(update(state, a));
        }
        if !pending.is_empty() {
            continue;
        }
        let now = Instant::now();
        let running = state.any_running();
        if state.is_dirty() && (urgent || last_draw.is_none_or(|t| now >= t + FRAME_STREAM)) {
            // A frame while requests run is also their tick (live times, the history's deltas):
            // the tick's own timer then fires only when no frame came for a whole period.
            if running {
                pending.extend(update(state, Action::Tick(now)));
                last_tick = now;
            }
            term.terminal.draw(|f| ui::render(state, theme, f))?;
            state.take_dirty();
            urgent = false;
            last_draw = Some(now);
            if !pending.is_empty() {
                continue;
            }
        }
        let due = last_draw.map_or(now, |t| t + FRAME_STREAM);
        // While requests stream, the loop stays armed and takes what arrived at the next frame's
        // time: one wake a frame, not one a chunk. A frame's time that finds nothing new disarms
        // it, and then the next message wakes it (see `inbox`).
        let hold = running && std::mem::take(&mut fresh);
        if !state.is_dirty() && !hold && rx.disarm() {
            continue;
        }
        let frame = (state.is_dirty() || hold).then_some(due);
        let tick = running.then_some(last_tick + TICK);
        let wake = frame.into_iter().chain(tick).min();
        tokio::select! {
            biased;
            ev = events.recv() => match ev {
                Some(Ok(ev)) => {
                    if let Event::Resize(w, h) = ev {
                        term.resize(w, h)?;
                    }
                    if let Some(a) = to_action(ev) {
                        pending = update(state, a);
                        urgent |= state.is_dirty();
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(0),
            },
            () = rx.woken() => {},
            _ = tokio::time::sleep_until(wake.unwrap_or(now).into()), if wake.is_some() => {
                let now = Instant::now();
                if tick.is_some_and(|t| now >= t) {
                    pending = update(state, Action::Tick(now));
                    last_tick = now;
                }
            },
            code = recv_signal(&mut term_sig, &mut hup_sig) => return Ok(code),
        }
    }
}

/// Terminal events from a thread that blocks in `read()`. crossterm's async `EventStream` polls the
/// tty and contends for its reader lock every time the loop wakes, which is for every streamed
/// chunk; a blocked thread costs nothing until a key arrives.
fn terminal_events() -> std::io::Result<mpsc::UnboundedReceiver<std::io::Result<Event>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("terminal-events".into())
        .spawn(move || {
            loop {
                let ev = crossterm::event::read();
                let failed = ev.is_err();
                if tx.send(ev).is_err() || failed {
                    break;
                }
            }
        })
        .map(|_| rx)
}

/// The exit status for the signal that came: 143 for SIGTERM, 129 for SIGHUP.
#[cfg(unix)]
async fn recv_signal(
    term: &mut tokio::signal::unix::Signal,
    hup: &mut tokio::signal::unix::Signal,
) -> i32 {
    tokio::select! {
        _ = term.recv() => 143,
        _ = hup.recv() => 129,
    }
}

fn to_action(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => Some(Action::Key(k)),
        Event::Paste(s) => Some(Action::Paste(s)),
        Event::Mouse(m) => Some(Action::Mouse(m)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}
