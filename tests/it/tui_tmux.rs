//! End to end: the real binary in a real pseudo-terminal (tmux), against `gatebench demo-gateway`.
//! Waits are for conditions on the screen, with a deadline, never fixed sleeps.

use crate::common::demo::{BIN, DemoProcess, start_demo};
use std::process::Command;

use crate::common::tmux::{Tmux, wait_file};

struct Session {
    home: tempfile::TempDir,
    tmux: Tmux,
    _demo: DemoProcess,
}

impl Session {
    /// The workbench in tmux at 160x48 against a fresh demo gateway; `extra` goes before the
    /// binary (environment) and after it (arguments).
    /// None when tmux is missing (see `common::tmux_ready`).
    fn start(speed: &str, env: &str, args: &str) -> Option<Self> {
        Self::start_runs(speed, env, &[args], |_| {})
    }

    /// The workbench run once per entry of `runs` (each after the one before exits), in a home
    /// that `prepare` may fill first.
    fn start_runs(
        speed: &str,
        env: &str,
        runs: &[&str],
        prepare: impl Fn(&std::path::Path),
    ) -> Option<Self> {
        if !crate::common::tmux_ready() {
            return None;
        }
        let home = tempfile::tempdir().unwrap();
        prepare(home.path());
        let demo = start_demo(home.path(), &["--demo-speed", speed]);
        let (url, key) = (&demo.base_url, &demo.key);
        let cmds: Vec<String> = runs
            .iter()
            .map(|args| {
                format!(
                    "env HOME={home} XDG_CONFIG_HOME={home}/cfg GB_E2E_KEY={key} {env} {BIN} --base-url {url} --api-key-env GB_E2E_KEY {args} 2>>{home}/stderr.txt",
                    home = home.path().display(),
                )
            })
            .collect();
        let script = format!(
            "{}; echo $? > {home}/exit.txt; stty -a > {home}/stty.txt; sleep 600",
            cmds.join("; "),
            home = home.path().display(),
        );
        let tmux = Tmux::start("e2e", &script);
        Some(Session {
            home,
            tmux,
            _demo: demo,
        })
    }

    fn file(&self, name: &str) -> String {
        wait_file(&self.home.path().join(name), 15)
    }

    /// The process has exited and left the terminal in cooked mode, off the alternate screen.
    fn assert_restored(&self) -> String {
        let code = self.file("exit.txt");
        let modes = self.file("stty.txt");
        let words: Vec<&str> = modes.split_whitespace().collect();
        for flag in ["icanon", "echo", "icrnl", "isig", "opost"] {
            assert!(
                words.contains(&flag),
                "terminal not restored ({flag} off): {modes}"
            );
        }
        let after = self.tmux.screen();
        assert!(
            !after.contains("Latency / cost"),
            "still on the alternate screen:\n{after}"
        );
        code.trim().to_string()
    }
}

#[test]
fn two_model_turn_in_a_real_terminal() {
    let Some(s) = Session::start("20", "", "") else {
        return;
    };
    let tmux = &s.tmux;
    tmux.wait_for("the model list", 20, |s| {
        s.contains("Models 0/6") && s.contains("demo/reasoner")
    });
    // Pick two models with the fuzzy filter.
    tmux.text("fast");
    tmux.keys(&["Enter", "C-u"]);
    tmux.text("local");
    tmux.keys(&["Enter"]);
    tmux.wait_for("two selected", 10, |s| s.contains("Models 2/6"));
    tmux.keys(&["Tab"]);
    tmux.text("Hello from tmux, compare latency please");
    tmux.keys(&["C-s"]);

    let done_row = |s: &str, model: &str| {
        s.lines()
            .find(|l| l.contains(model) && l.contains(" done ") && l.contains('$'))
            .map(str::to_string)
    };
    let screen = tmux.wait_for("both answers", 30, |s| {
        done_row(s, "demo/fast-mini").is_some() && done_row(s, "demo/local-free").is_some()
    });
    for model in ["demo/fast-mini", "demo/local-free"] {
        let row = done_row(&screen, model).unwrap();
        let has_ttft = row
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| {
                w[1] == "ms" && w[0].parse::<f64>().is_ok()
                    || w[1] == "s" && w[0].parse::<f64>().is_ok()
            });
        assert!(has_ttft, "no time to first token in {row:?}");
        assert!(row.contains("gateway"), "cost and its source in {row:?}");
    }
    assert!(
        screen.contains("compare latency"),
        "the answers echo the prompt:\n{screen}"
    );

    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn ctrl_c_during_streaming_asks_then_restores() {
    // Speed 1: real timing, so pro-large is still streaming when we press Ctrl-C.
    let Some(s) = Session::start("1", "", "-m demo/pro-large -m demo/long-context") else {
        return;
    };
    s.tmux
        .wait_for("models", 20, |x| x.contains("demo/reasoner"));
    s.tmux.text("[[tokens=5000]] a long answer");
    s.tmux.keys(&["C-s"]);
    s.tmux
        .wait_for("streaming", 20, |x| x.contains("streaming ·"));
    s.tmux.keys(&["C-c"]);
    s.tmux.wait_for("the quit question", 10, |x| {
        x.contains("Quit and cancel them?")
    });
    s.tmux.keys(&["y"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn sigterm_mid_stream_restores_the_terminal() {
    let Some(s) = Session::start("1", "", "-m demo/pro-large") else {
        return;
    };
    s.tmux
        .wait_for("models", 20, |x| x.contains("demo/reasoner"));
    s.tmux.text("[[tokens=5000]] go");
    s.tmux.keys(&["C-s"]);
    s.tmux
        .wait_for("streaming", 20, |x| x.contains("streaming ·"));
    let pid = s
        .tmux
        .cmd(&["list-panes", "-t", "main", "-F", "#{pane_pid}"]);
    let shell_pid = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    let out = Command::new("pkill")
        .args(["-TERM", "-P", &shell_pid, "-f", "gatebench"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pkill found no gatebench under {shell_pid}"
    );
    assert_eq!(s.assert_restored(), "143", "SIGTERM exits with 128 + 15");
}

#[test]
fn panic_restores_the_terminal() {
    let Some(s) = Session::start("inf", "GATEBENCH_SELFTEST_PANIC=1", "") else {
        return;
    };
    let code = s.assert_restored();
    assert_ne!(code, "0");
    assert!(s.file("stderr.txt").contains("panicking on purpose"));
}

#[test]
fn a_panicking_request_task_becomes_the_panes_error() {
    let Some(s) = Session::start(
        "inf",
        "GATEBENCH_SELFTEST_TASK_PANIC=1",
        "-m demo/fast-mini",
    ) else {
        return;
    };
    s.tmux
        .wait_for("models", 20, |x| x.contains("demo/reasoner"));
    s.tmux.text("hello");
    s.tmux.keys(&["C-s"]);
    s.tmux.wait_for("the pane's error", 20, |x| {
        x.contains("internal error") && x.contains(" error ")
    });
    // Still alive, still in raw mode: a plain key acts, and quitting is clean.
    s.tmux.keys(&["Tab"]);
    s.tmux.keys(&["q"]);
    assert_eq!(s.assert_restored(), "0");
    let stderr = std::fs::read_to_string(s.home.path().join("stderr.txt")).unwrap_or_default();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn history_survives_a_restart_and_reopens_where_it_was() {
    let Some(s) = Session::start_runs("inf", "", &["-m demo/fast-mini", "--resume"], |_| {}) else {
        return;
    };
    let tmux = &s.tmux;
    tmux.wait_for("the banner names the history", 20, |x| {
        x.contains("history: ~/.local/share/gatebench/history.db") && x.contains("demo/reasoner")
    });
    tmux.text("penguins of the south");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the answer", 20, |x| x.contains("1 done · demo/fast-mini"));
    // To the panes, then a quick good rating.
    tmux.keys(&["Tab"]);
    tmux.text("+");
    tmux.wait_for("the rating in the title", 10, |x| {
        x.contains("1 done ★5 · demo/fast-mini")
    });
    tmux.keys(&["C-c"]);
    // The second run: --resume.
    let screen = tmux.wait_for("the session reopened", 20, |x| {
        x.contains("session 1 reopened")
    });
    assert!(screen.contains("> penguins of the south"), "{screen}");
    assert!(screen.contains("1 done ★5 · demo/fast-mini"), "{screen}");
    assert!(
        screen.contains("5.0×1"),
        "the mean rating in the session stats:\n{screen}"
    );
    tmux.keys(&["C-r"]);
    tmux.wait_for("the history view", 10, |x| {
        x.contains("History ·") && x.contains("1 found")
    });
    tmux.text("pengu");
    let screen = tmux.wait_for("the search", 10, |x| x.contains("search: pengu"));
    assert!(
        screen.contains("1.1") && screen.contains("★5.0"),
        "{screen}"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn a_damaged_history_is_named_and_the_workbench_still_works() {
    let Some(s) = Session::start_runs("inf", "", &["-m demo/fast-mini"], |home| {
        let dir = home.join(".local/share/gatebench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("history.db"), vec![b'#'; 16384]).unwrap();
    }) else {
        return;
    };
    let tmux = &s.tmux;
    let screen = tmux.wait_for("the banner", 20, |x| x.contains("demo/reasoner"));
    assert!(
        screen.lines().next().unwrap().contains("history off"),
        "{screen}"
    );
    tmux.text("still fine?");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the answer", 20, |x| x.contains("1 done · demo/fast-mini"));
    tmux.keys(&["C-r"]);
    tmux.wait_for("why there is no history view", 10, |x| {
        x.contains("is damaged or not a gatebench database")
    });
    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn markdown_copy_and_a_blind_vote_in_a_real_terminal() {
    let Some(s) = Session::start("inf", "", "-m demo/fast-mini -m demo/pro-large") else {
        return;
    };
    let tmux = &s.tmux;
    // OSC 52 from applications lands in tmux's paste buffer with set-clipboard on.
    assert!(
        tmux.cmd(&["set", "-g", "set-clipboard", "on"])
            .status
            .success()
    );
    tmux.wait_for("the models", 20, |x| x.contains("Models 2/6"));
    tmux.text("[[tokens=400]] explain retries");
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for("both answers", 30, |x| {
        x.contains("1 done · demo/fast-mini") && x.contains("2 done · demo/pro-large")
    });
    // Rendered: no markdown markers on screen (bold list labels, fences).
    let panes: String = screen.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(!panes.contains("**") && !panes.contains("```"), "{panes}");
    tmux.keys(&["Tab"]);
    tmux.text("y");
    tmux.wait_for("the confirmation", 10, |x| {
        x.contains("copied the answer of demo/fast-mini")
    });
    let buffer = String::from_utf8_lossy(&tmux.cmd(&["show-buffer"]).stdout).into_owned();
    assert!(
        buffer.contains("explain retries") || buffer.contains("retries"),
        "the answer as the model wrote it, markers and all: {buffer:?}"
    );
    assert!(
        buffer.contains("**") || buffer.contains("```"),
        "{buffer:?}"
    );
    // A blind round: names hidden until the vote, then the vote is on the leaderboard.
    tmux.text("B");
    tmux.keys(&["BTab"]);
    tmux.text("[[tokens=50]] which is better");
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for("blind answers", 30, |x| {
        x.contains("1 done · answer A") && x.contains("2 done · answer B")
    });
    let titles: Vec<&str> = screen.lines().filter(|l| l.contains("answer A")).collect();
    assert!(titles.iter().all(|l| !l.contains("demo/")), "{titles:?}");
    tmux.keys(&["Tab"]);
    tmux.text("w");
    tmux.wait_for("the vote box", 10, |x| x.contains("Which answer is best?"));
    tmux.text("1");
    tmux.wait_for("names shown", 10, |x| {
        x.contains("voted demo/") && x.contains("A was demo/")
    });
    tmux.text("L");
    tmux.wait_for("the leaderboard", 10, |x| {
        x.contains("Leaderboard · 1 blind vote from the history") && x.contains("frontier")
    });
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn a_benchmark_from_the_workbench_is_summed_up_stored_and_reopened() {
    let Some(s) = Session::start("inf", "", "-m demo/fast-mini -m demo/pro-large") else {
        return;
    };
    let tmux = &s.tmux;
    tmux.wait_for("the workbench", 20, |x| x.contains("demo/reasoner"));
    tmux.text("benchmark the gateway please");
    tmux.keys(&["C-b"]);
    // Without max_tokens the worst case is each model's whole window: past the demo's $20 of
    // credits, so it asks first.
    let q = tmux.wait_for("the spend question", 20, |x| {
        x.contains("Run it anyway? y / n")
    });
    assert!(q.contains("$20.00 is left."), "{q}");
    tmux.keys(&["y"]);
    let row = |x: &str, model: &str| {
        x.lines().any(|l| {
            l.contains(model) && l.split_whitespace().any(|w| w == "10") && l.contains("0.0%")
        })
    };
    let screen = tmux.wait_for("the summary", 30, |x| {
        x.contains("TTFT p50/p95/p99") && row(x, "demo/fast-mini") && row(x, "demo/pro-large")
    });
    assert!(
        screen.contains("cost / 1k req") && screen.contains("(gateway)"),
        "{screen}"
    );
    tmux.keys(&["Escape"]);
    // Stored: the list has it (shift-r, from the panes), and Enter opens it again.
    tmux.keys(&["Tab", "R"]);
    tmux.wait_for("the stored runs", 10, |x| {
        x.contains("Benchmark runs · 1") && x.contains("benchmark the gateway please")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the stored summary", 10, |x| {
        x.contains("Esc back to the runs") && row(x, "demo/pro-large")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("back at the list", 10, |x| x.contains("Benchmark runs · 1"));
    tmux.keys(&["Escape"]);
    // The list closed before Ctrl-C: sent at once after Escape, the two bytes may be read as
    // one Alt-Ctrl-C, which is not the quit key.
    tmux.wait_for("the panes again", 10, |x| !x.contains("Benchmark runs · 1"));
    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}

#[test]
fn bench_shows_a_live_view_in_a_terminal_then_the_table() {
    // Demo speed 2: pro-large takes seconds an answer, so the live view is seen mid-run. Both
    // stdout and stderr are the terminal here (the Session helper sends stderr to a file).
    if !crate::common::tmux_ready() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &["--demo-speed", "2"]);
    let script = format!(
        "env HOME={h} XDG_CONFIG_HOME={h}/cfg K={key} {BIN} --base-url {url} --api-key-env K \
         bench --prompt hi -m demo/pro-large --repeat 3; echo $? > {h}/exit.txt; sleep 600",
        h = home.path().display(),
        key = demo.key,
        url = demo.base_url,
    );
    let tmux = Tmux::start("bench", &script);
    let live = tmux.wait_for("the live view", 20, |x| {
        x.contains("/3 ")
            && x.contains("ETA")
            && x.contains("req/s")
            && x.contains("demo/pro-large: ")
    });
    assert!(
        live.contains("[#") || live.contains("[-"),
        "a progress bar:\n{live}"
    );
    let done = tmux.wait_for("the table", 60, |x| x.contains("TTFT p50/p95/p99"));
    assert!(
        !done.contains("ETA"),
        "the live view is cleared before the table:\n{done}"
    );
    assert_eq!(wait_file(&home.path().join("exit.txt"), 15).trim(), "0");
}

#[test]
fn an_agent_loop_in_the_workbench_answers_from_stubs_and_by_hand() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tools");
    let Some(s) = Session::start(
        "inf",
        "",
        &format!(
            "-m demo/fast-mini --tools {dir}/weather.json --tool-stubs {dir}/stubs-weather-only.json"
        ),
    ) else {
        return;
    };
    let tmux = &s.tmux;
    tmux.wait_for("the workbench", 20, |x| x.contains("demo/reasoner"));
    tmux.text("Use get_weather and get_time for Paris");
    tmux.keys(&["C-s"]);
    // get_weather is stubbed; get_time has no stub: the pane waits for a typed result.
    let screen = tmux.wait_for("the waiting call", 20, |x| x.contains("tool result?"));
    assert!(
        screen.contains("⚙ get_weather") && screen.contains("← sunny, 21 C"),
        "{screen}"
    );
    assert!(screen.contains("\"city\": \"Paris\""), "{screen}");
    tmux.keys(&["Tab"]);
    tmux.keys(&["T"]);
    tmux.wait_for("the result bar", 10, |x| x.contains("get_time ←"));
    tmux.text("14:05");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the final answer", 20, |x| x.contains("done · 3 steps"));
    assert!(
        screen.contains("**get_time**: 14:05") || screen.contains("get_time: 14:05"),
        "{screen}"
    );
}

#[test]
fn a_resized_terminal_is_drawn_at_its_new_size() {
    let Some(s) = Session::start("inf", "", "-m demo/fast-mini") else {
        return;
    };
    let tmux = &s.tmux;
    tmux.wait_for("models", 20, |x| x.contains("demo/reasoner"));
    // The panel's bottom corner sits in the last column, whatever the width.
    let corner_at = |x: &str, w: usize| {
        x.lines()
            .any(|l| l.ends_with('┘') && l.chars().count() == w)
    };
    assert!(corner_at(&tmux.screen(), 160));
    assert!(
        tmux.cmd(&["resize-window", "-t", "main", "-x", "100", "-y", "30"])
            .status
            .success()
    );
    tmux.wait_for("the layout at 100x30", 10, |x| corner_at(x, 100));
    assert!(
        tmux.cmd(&["resize-window", "-t", "main", "-x", "40", "-y", "10"])
            .status
            .success()
    );
    tmux.wait_for("the too-small notice", 10, |x| x.contains("(now 40"));
    assert!(
        tmux.cmd(&["resize-window", "-t", "main", "-x", "160", "-y", "48"])
            .status
            .success()
    );
    tmux.wait_for("the layout at 160x48 again", 10, |x| corner_at(x, 160));
    tmux.keys(&["C-c"]);
    assert_eq!(s.assert_restored(), "0");
}
