#!/usr/bin/env python3
"""Is the bench client ever the bottleneck? Runs `gatebench bench` (release build) against the demo
gateway started as its own process at --demo-speed inf, and prints:

  1. throughput: streams in flight and streamed chunks per second sustained for --seconds
     (default 60) at --streams (default 2000) concurrent streams;
  2. the client's own added latency per stream at 500 concurrent streams: the client's stamp
     minus the server's send time (from /demo/trace, matched by x-request-id), p50/p99, at the
     first answer token and at the last byte; flat out, and paced at --paced-speeds;
  3. memory: the client's peak RSS after 10,000 requests and after --requests (default 1,000,000).

Usage: python3 scripts/bench-scale.py [--seconds 60] [--streams 2000] [--requests 1000000]
       [--paced-speeds 0.35,1] [--skip-throughput] [--skip-latency] [--skip-memory]
"""
import argparse, json, os, subprocess, sys, tempfile, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "gatebench")


def start_demo(env, speed="inf"):
    p = subprocess.Popen([BIN, "demo-gateway", "--port", "0", "--demo-speed", speed],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    url = p.stdout.readline().strip().removeprefix("demo gateway listening on ")
    key = p.stdout.readline().strip().removeprefix("key: ")
    return p, url, key


def bench(url, key, env, args):
    env = dict(env, GB_SCALE_KEY=key)
    cmd = [BIN, "--base-url", url, "--api-key-env", "GB_SCALE_KEY", "--no-history", "bench",
           "--format", "json", "--no-live", "-m", "demo/fast-mini"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"bench failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def added_latency(url, key, env, tmp, workload, what):
    out = os.path.join(tmp, "lat.json")
    base = url.removesuffix("/v1")
    with urllib.request.urlopen(base + "/demo/trace") as t:
        before = len(json.load(t)["streams"])
    r = bench(url, key, env, ["--workload", workload, "--concurrency", "500", "--duration", "20s",
                              "--out", out])
    with urllib.request.urlopen(base + "/demo/trace") as t:
        trace = {s["request_id"]: s for s in json.load(t)["streams"][before:] if s.get("request_id")}
    first, last = [], []
    with open(out.removesuffix(".json") + ".requests.jsonl") as f:
        for line in f:
            rec = json.loads(line)
            s = trace.get(rec["request_id"])
            if not s or rec.get("ttft_ms") is None:
                continue
            sent = rec["sent_unix_us"]
            first.append(sent + rec["ttft_ms"] * 1000 - s["first_content_ns"] / 1000)
            last.append(sent + rec["total_ms"] * 1000 - s["last_byte_ns"] / 1000)
    print(f"added latency, 500 concurrent streams, {what} ({len(first):,} streams matched, "
          f"{r['client']['chunks_per_s']:,.0f} chunks/s): first token p50 {pct(first, .5) / 1000:.3f} ms "
          f"p99 {pct(first, .99) / 1000:.3f} ms; last byte p50 {pct(last, .5) / 1000:.3f} ms "
          f"p99 {pct(last, .99) / 1000:.3f} ms")


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * len(v) + 0.5)) - 1))] if v else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--streams", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--paced-speeds", default="0.35,1",
                    help="demo speeds of the paced latency runs (0.35: about 45 tokens/s a stream)")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=os.path.join(tmp, "config"))
    env.pop("INFERGATE_API_KEY", None)
    long_w = os.path.join(tmp, "long.txt")
    with open(long_w, "w") as f:
        for i in range(64):
            f.write(f"Prompt {i} about gateway throughput [[tokens=256]]\n")
    short_w = os.path.join(tmp, "short.txt")
    with open(short_w, "w") as f:
        for i in range(64):
            f.write(f"Prompt {i} [[tokens=4]]\n")

    demo, url, key = start_demo(env)
    try:
        # 1. Throughput at --streams concurrent streams.
        r = a.skip_throughput or bench(url, key, env, ["--workload", long_w, "--concurrency", str(a.streams),
                                  "--duration", f"{a.seconds}s"])
        if r is not True:
            c, res = r["client"], r["results"][0]
            print(f"throughput: {a.streams} concurrent streams for {r['elapsed_s']:.1f} s: "
                  f"{c['chunks_per_s']:,.0f} chunks/s ({c['chunks']:,} chunks), peak in flight "
                  f"{c['peak_in_flight']}, {res['requests']:,} requests, error rate {res['error_rate']}")

        # 2. Added latency at 500 concurrent streams: flat out (both processes saturate the two
        # cores), and paced (the demo at --demo-speed 2: about 160 tokens/s a stream).
        if not a.skip_latency:
            added_latency(url, key, env, tmp, long_w, "flat out")
            for speed in a.paced_speeds.split(","):
                paced, purl, pkey = start_demo(env, speed)
                try:
                    added_latency(purl, pkey, env, tmp, long_w, f"paced (demo speed {speed})")
                finally:
                    paced.kill()

        # 3. Memory after 10,000 and after --requests requests.
        if not a.skip_memory:
            rss = {}
            for n in (10_000, a.requests):
                r = bench(url, key, env, ["--workload", short_w, "--repeat", str(n // 64),
                                          "--concurrency", "200"])
                rss[n] = r["client"]["peak_rss_kib"]
                print(f"memory: {r['results'][0]['requests']:,} requests in {r['elapsed_s']:.0f} s, "
                      f"peak RSS {rss[n] / 1024:.1f} MiB")
            print(f"memory ratio ({a.requests:,} vs 10,000 requests): {rss[a.requests] / rss[10_000]:.2f}x")
    finally:
        demo.kill()


if __name__ == "__main__":
    main()
