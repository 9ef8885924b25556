#!/usr/bin/env python3
"""The bench client's own cost against guidellm's, on the same server in one go.

Starts `gatebench demo-gateway --demo-speed inf` (release build) as its own process, then runs the
same closed-loop workload through `gatebench bench` and through guidellm (from a venv this script
creates under ~/.cache/gatebench, installed from PyPI once, then run offline), and prints for each:
the client's CPU time (user + system, from wait4, child processes included) per streamed chunk,
the most streams it held in flight, and chunks a second. A chunk is one output token here (the
demo gateway streams one token per chunk); both tools' counts come from the server's usage.

The CPU per chunk is given whole and marginal: marginal subtracts a 20-request run of the same
tool, so a Python interpreter's start-up is not charged to the chunks.

Then `gatebench bench` alone at --streams-max (2,000) streams, for the most it holds in flight and
its chunks a second.

Usage: cargo build --release && python3 scripts/bench-client.py [--streams 500] [--requests 3000]
       [--tokens 125] [--streams-max 2000] [--skip-guidellm]
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "gatebench")
VENV = os.path.expanduser("~/.cache/gatebench/guidellm-venv")
GUIDELLM_VERSION = "0.8.1"
MODEL = "demo/fast-mini"


def start_demo():
    p = subprocess.Popen([BIN, "demo-gateway", "--port", "0", "--demo-speed", "inf"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = p.stdout.readline().strip().removeprefix("demo gateway listening on ")
    key = p.stdout.readline().strip().removeprefix("key: ")
    return p, url, key


def timed(cmd, env):
    """Run cmd; its exit status, output, CPU seconds (itself and its reaped children), wall s."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read().decode(), err.read().decode(), ru.ru_utime + ru.ru_stime, wall


def prompts(path, n, tokens):
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"Tell me about gateways, note {i}. [[tokens={tokens}]]\n")


def gatebench(url, key, workload, streams, tmp):
    out = os.path.join(tmp, "gb.json")
    env = dict(os.environ, GB_CLIENT_KEY=key)
    cmd = [BIN, "--base-url", url, "--api-key-env", "GB_CLIENT_KEY", "--no-history", "bench",
           "--workload", workload, "-m", MODEL, "--concurrency", str(streams), "--no-live",
           "--format", "json", "--out", out]
    code, stdout, stderr, cpu, wall = timed(cmd, env)
    if code != 0:
        sys.exit(f"gatebench bench failed ({code}): {stderr[-2000:]}")
    s = json.loads(stdout)
    r = s["results"][0]
    chunks = r["mean_output_tokens"] * r["succeeded"]
    return {"cpu": cpu, "wall": wall, "chunks": chunks, "ok": r["succeeded"],
            "in_flight": s["client"]["peak_in_flight"], "elapsed": s["elapsed_s"],
            "rss_mib": (s["client"].get("peak_rss_kib") or 0) / 1024}


def ensure_guidellm():
    exe = os.path.join(VENV, "bin", "guidellm")
    if not os.path.exists(exe):
        print(f"installing guidellm {GUIDELLM_VERSION} into {VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q",
                        f"guidellm=={GUIDELLM_VERSION}"], check=True)
    return exe


def guidellm(exe, url, key, workload, streams, requests, tmp):
    out = os.path.join(tmp, "gl.json")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    target = url.removesuffix("/v1")
    cmd = [exe, "run",
           "--backend", f"kind=openai_http,target={target},model={MODEL},api_key={key},"
                        "request_format=/v1/chat/completions",
           "--profile", f"kind=concurrent,streams={streams}",
           "--constraint", f"kind=max_requests,count={requests}",
           "--data", f"kind=text_file,path={workload}",
           "--disable-progress", "--disable-console", "--output", f"kind=json,path={out}"]
    code, _, stderr, cpu, wall = timed(cmd, env)
    if code != 0:
        sys.exit(f"guidellm failed ({code}): {stderr[-2000:]}")
    with open(out) as f:
        b = json.load(f)["benchmarks"][0]["metrics"]
    ok = b["output_token_count"]["successful"]
    return {"cpu": cpu, "wall": wall, "chunks": ok["total_sum"], "ok": ok["count"],
            "in_flight": b["request_concurrency"]["successful"]["max"], "elapsed": wall,
            "rss_mib": None}


def line(name, big, small):
    whole = big["cpu"] / big["chunks"] * 1e6
    marginal = (big["cpu"] - small["cpu"]) / (big["chunks"] - small["chunks"]) * 1e6
    rate = big["chunks"] / big["elapsed"]
    print(f"{name:<16} {big['ok']:>6} ok  {big['chunks']:>9,.0f} chunks  CPU {big['cpu']:6.2f} s  "
          f"{whole:6.2f} us/chunk whole, {marginal:6.2f} marginal  "
          f"{big['in_flight']:>5.0f} in flight  {rate:>9,.0f} chunks/s")
    return marginal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=500)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--tokens", type=int, default=125)
    ap.add_argument("--streams-max", type=int, default=2000)
    ap.add_argument("--skip-guidellm", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    demo, url, key = start_demo()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            big, small = os.path.join(tmp, "big.txt"), os.path.join(tmp, "small.txt")
            prompts(big, a.requests, a.tokens)
            prompts(small, 20, a.tokens)
            print(f"{a.requests:,} requests of about {a.tokens} output tokens, {a.streams} streams "
                  f"in a closed loop, against the demo gateway at --demo-speed inf ({os.cpu_count()} cores)")
            g = line("gatebench bench", gatebench(url, key, big, a.streams, tmp),
                     gatebench(url, key, small, a.streams, tmp))
            if not a.skip_guidellm:
                exe = ensure_guidellm()
                gl = line(f"guidellm {GUIDELLM_VERSION}",
                          guidellm(exe, url, key, big, a.streams, a.requests, tmp),
                          guidellm(exe, url, key, small, a.streams, 20, tmp))
                print(f"guidellm spends {gl / g:.1f}x the CPU per chunk of gatebench bench (marginal)")
            many = os.path.join(tmp, "many.txt")
            prompts(many, a.streams_max * 5, a.tokens)
            m = gatebench(url, key, many, a.streams_max, tmp)
            print(f"gatebench bench at {a.streams_max} streams: {m['in_flight']} held in flight, "
                  f"{m['chunks'] / m['elapsed']:,.0f} chunks/s, "
                  f"{m['cpu'] / m['chunks'] * 1e6:.2f} us CPU/chunk, peak RSS {m['rss_mib']:.1f} MiB")
    finally:
        demo.terminate()
        demo.wait()


if __name__ == "__main__":
    main()
