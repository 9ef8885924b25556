#!/usr/bin/env python3
"""Memory of a long watch: `gatebench watch` against the demo gateway at --demo-speed inf (run as a
process of its own, so only the watch is measured), a 10 ms interval, until PROBES probes are in
(spread over the demo's models), with the watch's peak resident memory (VmHWM) read after the first
1,000 probes and again near the end. Flat means the watch keeps nothing per probe but the bounded
windows (the probes themselves go to the history on disk).

    cargo build --release && python3 scripts/bench-watch.py [PROBES]   # default 100000
"""
import json
import os
import subprocess
import sys
import tempfile
import time

PROBES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
MODELS = ["demo/fast-mini", "demo/pro-large", "demo/reasoner", "demo/long-context", "demo/local-free"]
BIN = os.path.join(os.path.dirname(__file__), "..", "target", "release", "gatebench")


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    rounds = -(-PROBES // len(MODELS))
    with tempfile.TemporaryDirectory() as home:
        demo = subprocess.Popen([BIN, "--demo-speed", "inf", "demo-gateway", "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = demo.stdout.readline().split()[-1]
        key = demo.stdout.readline().split()[-1]
        args = [BIN, "--data-dir", os.path.join(home, "data"), "--base-url", url, "--api-key-env",
                "BENCH_DEMO_KEY", "watch", "--every", "10ms", "--rounds", str(rounds), "--json"]
        for m in MODELS:
            args += ["-m", m]
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "cfg"), BENCH_DEMO_KEY=key)
        env.pop("INFERGATE_API_KEY", None)
        t0 = time.monotonic()
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        n, start, end = 0, None, None
        for line in p.stdout:
            if json.loads(line).get("type") == "probe":
                n += 1
                if n == 1000:
                    start = hwm_kib(p.pid)
                if n == rounds * len(MODELS) - 5:
                    end = hwm_kib(p.pid)
        p.wait()
        took = time.monotonic() - t0
        demo.kill()
    print(f"{n} probes in {took:.0f} s; peak RSS after 1,000: {start / 1024:.1f} MiB, "
          f"near the end: {end / 1024:.1f} MiB ({end / start:.2f}x)")


if __name__ == "__main__":
    main()
