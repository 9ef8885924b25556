#!/usr/bin/env python3
"""CPU cost of the workbench in a real pseudo-terminal (tmux, 160x48), while the demo gateway streams.

Cases and targets (CPU is on-CPU time of every thread of the workbench, from schedstat):
  20k-fast  a 20,000-token answer sent as fast as the server can: CPU <= 0.05 s, and on screen
            within 50 ms of the server's last byte (from the demo gateway's /demo/trace)
  2k-200    2,000 tokens at 200 tokens/s: CPU <= 0.10 s, on screen within 20 ms of the last byte
  keys      a typed key on screen: p50 within 10 ms of `tmux send-keys` returning (20 keys)
  idle      10 s with nothing streaming: CPU < 0.5 %
  rss       the workbench's peak resident memory (VmHWM) after all of the above: <= 20 MB

The times include tmux's own work (send-keys and capture-pane run as processes); `tmux overhead`
reports a key sent to a plain `cat` the same way, for reference.

  --history-cost   instead: the two streaming cases with the history on and off (--no-history),
                   alternated, 9 rounds; the median CPU with history on within 1.1x of off
  --markdown-cost  instead: the two streaming cases with markdown rendered and raw (--raw),
                   alternated, 9 rounds; the median CPU rendered within 1.5x of raw

Usage: scripts/measure-tui-cpu.py [--no-build] [--history-cost | --markdown-cost]
       (needs tmux; builds the release binary)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GATEBENCH_BIN") or os.path.join(ROOT, "target", "release", "gatebench")
SOCK = [f"gb-measure-{os.getpid()}-0"]
TICK = os.sysconf("SC_CLK_TCK")
FINE = []  # the last cases' CPU seconds from schedstat


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK[0], *args], capture_output=True, text=True, check=False)


def screen():
    return tmux("capture-pane", "-t", "m", "-p").stdout


def wait(cond, secs, what, step=0.005):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        s = screen()
        if cond(s):
            return time.time_ns()
        time.sleep(step)
    sys.exit(f"timed out waiting for {what}:\n{screen()}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def cpu_ns(pid):
    """On-CPU nanoseconds of every live thread of `pid` (schedstat: finer than clock ticks)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def start_demo(speed, home):
    p = subprocess.Popen([BIN, "demo-gateway", "--port", "0", "--demo-speed", speed],
                         stdout=subprocess.PIPE, text=True, env={**os.environ, "HOME": home})
    url = p.stdout.readline().strip().rsplit(" ", 1)[1]
    key = p.stdout.readline().strip().split(" ", 1)[1]
    return p, url, key


def new_session(cmd):
    tmux("kill-server")
    n = int(SOCK[0].rsplit("-", 1)[1]) + 1
    SOCK[0] = f"{SOCK[0].rsplit('-', 1)[0]}-{n}"
    r = tmux("new-session", "-d", "-s", "m", "-x", "160", "-y", "48", cmd)
    if r.returncode != 0:
        sys.exit(r.stderr)
    return int(tmux("list-panes", "-t", "m", "-F", "#{pane_pid}").stdout.strip())


def key_latency(n=20):
    """Milliseconds from `send-keys` returning to the key on screen, for n distinct keys."""
    ready = "QXZ"
    tmux("send-keys", "-t", "m", "-l", ready)
    wait(lambda s: ready in s, 10, "the first keys", 0.01)
    got = []
    typed = ""
    for i in range(n):
        c = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        typed += c
        tmux("send-keys", "-t", "m", "-l", c)
        t0 = time.monotonic_ns()
        want = ready + typed
        wait(lambda s: want in s, 5, f"key {c}", 0.0005)
        got.append((time.monotonic_ns() - t0) / 1e6)
    got.sort()
    return got[len(got) // 2], got[int(len(got) * 0.95) - 1]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        line = next(l for l in f if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def run_case(url, key, home, model, prompt, extra=""):
    cmd = (f"exec env HOME={home} XDG_CONFIG_HOME={home}/cfg GBKEY={key} {BIN} "
           f"--base-url {url} --api-key-env GBKEY -m {model} {extra}")
    pid = new_session(cmd)
    wait(lambda s: "Models 1/6" in s, 20, "the model list", 0.05)
    tmux("send-keys", "-t", "m", "-l", prompt)
    wait(lambda s: prompt[:20] in s, 10, "the prompt", 0.01)
    cpu0, fine0 = cpu_seconds(pid), cpu_ns(pid)
    tmux("send-keys", "-t", "m", "C-s")
    seen_ns = wait(lambda s: any(model in l and " done " in l for l in s.splitlines()), 120, "done")
    cpu1, fine1 = cpu_seconds(pid), cpu_ns(pid)
    FINE.append((fine1 - fine0) / 1e9)
    with urllib.request.urlopen(url.replace("/v1", "/demo/trace")) as resp:
        last = json.load(resp)["streams"][-1]
    return pid, cpu1 - cpu0, (seen_ns - last["last_byte_ns"]) / 1e9


def history_cost(home):
    """Median CPU per streaming case with the history on and off, alternated."""
    compare_cost(home, "history on", "off", "", "--no-history", 1.1)


def markdown_cost(home):
    """Median CPU per streaming case with markdown rendered and raw, alternated."""
    compare_cost(home, "markdown", "raw", "", "--raw", 1.5)


def compare_cost(home, on_name, off_name, on_flag, off_flag, limit):
    """Median CPU per streaming case with a flag and without, alternated, 9 rounds."""
    fast, url_fast, key = start_demo("inf", home)
    real, url_real, _ = start_demo("1", home)
    cases = [("20k tokens, as fast as the server sends", url_fast, "[[tokens=20000]] go fast"),
             ("2k tokens at 200 tokens/s", url_real, "[[tokens=2000]] [[tps=200]] go")]
    ok = True
    try:
        for name, url, prompt in cases:
            on, off = [], []
            for _ in range(9):
                for extra, into in ((on_flag, on), (off_flag, off)):
                    run_case(url, key, home, "demo/fast-mini", prompt, extra)
                    into.append(round(FINE[-1], 4))
            m_on, m_off = sorted(on)[4], sorted(off)[4]
            ratio = m_on / m_off if m_off > 0 else float("inf")
            good = ratio <= limit
            ok &= good
            print(f"{'PASS' if good else 'FAIL'}  {name}: {on_name} {m_on:.3f} s CPU, {off_name} {m_off:.3f} s "
                  f"(median of 9 each): {ratio:.2f}x (limit {limit:.2f}x); {on_name} {on}, {off_name} {off}")
    finally:
        tmux("kill-server")
        fast.kill()
        real.kill()
    sys.exit(0 if ok else 1)


def main():
    if "--no-build" not in sys.argv:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    home = tempfile.mkdtemp()
    if "--history-cost" in sys.argv:
        history_cost(home)
    if "--markdown-cost" in sys.argv:
        markdown_cost(home)
    fast, url_fast, key = start_demo("inf", home)
    real, url_real, _ = start_demo("1", home)
    results = []
    try:
        pid, _, lag = run_case(url_fast, key, home, "demo/fast-mini", "[[tokens=20000]] go fast")
        rss_fast = peak_rss_mb(pid)
        results.append(("20k tokens, as fast as the server sends", FINE[-1], 0.05, f"on screen {lag * 1000:.0f} ms after the last byte (target <= 50 ms)", lag <= 0.05))
        pid, _, lag = run_case(url_real, key, home, "demo/fast-mini", "[[tokens=2000]] [[tps=200]] go")
        results.append(("2k tokens at 200 tokens/s", FINE[-1], 0.10, f"on screen {lag * 1000:.1f} ms after the last byte (target <= 20 ms)", lag <= 0.02))
        c0 = cpu_seconds(pid)
        time.sleep(10)
        idle = (cpu_seconds(pid) - c0) / 10 * 100
        results.append(("idle 10 s", idle, 0.5, "percent of one core", True))
        # A fresh conversation (it asks first, the panes hold an answer), then type.
        tmux("send-keys", "-t", "m", "C-n")
        wait(lambda s: "Start a new conversation" in s or "new conversation" in s.lower(), 5, "the question")
        tmux("send-keys", "-t", "m", "y")
        wait(lambda s: "new conversation" in s, 5, "the fresh conversation")
        p50, p95 = key_latency()
        rss = max(rss_fast, peak_rss_mb(pid))
        new_session("exec cat")
        base50, _ = key_latency()
        results.append(("typed key on screen, p50 ms", p50, 10, f"p95 {p95:.1f} ms; tmux overhead (cat) p50 {base50:.1f} ms", True))
        results.append(("peak RSS, MB", rss, 20, "VmHWM of the workbench, the larger of the two runs", True))
    finally:
        tmux("kill-server")
        fast.kill()
        real.kill()
    ok = True
    for name, value, limit, note, extra_ok in results:
        good = value <= limit and extra_ok
        ok &= good
        unit = "%" if name.startswith("idle") else "" if "ms" in name or "MB" in name else " s CPU"
        print(f"{'PASS' if good else 'FAIL'}  {name}: {value:.3f}{unit} (limit {limit}); {note}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
