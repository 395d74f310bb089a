#!/usr/bin/env python3
"""Live-validation benchmark: `sprawl scan --validate` against a local stand-in for GitHub's API.

    benchmarks/bench_validate.py [--tokens N] [--copies N] [--latency-ms MS] [--seed N] [--json OUT]

Writes N distinct checksummed GitHub tokens (seeded), each in --copies files, into a scratch
directory, and serves GET /user on 127.0.0.1 with --latency-ms of delay per request (a real API
round trip is 50-300 ms): two tokens in three are accepted, the rest get 401. Then times
  - the scan without --validate (the baseline, same run),
  - --validate at concurrency 1, 8 and 32 with no rate limit and no cache,
  - --validate at the default rate limit (10 per second per provider),
  - a second --validate run answered from the cache,
  - --validate with the provider unreachable (connection refused),
and checks that the server saw exactly one request per distinct token and that every finding
got the status the server gave. SPRAWL_BIN: the binary (default build/sprawl).
"""
import argparse
import http.server
import json
import os
import random
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_throughput_corpus import gh_token  # noqa: E402  (checksummed GitHub token)


def github_token(r):
    return gh_token(r, "ghp_")


class Provider(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default 5 makes concurrent connects wait for SYN retries


def make_handler(valid, latency, counter):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with counter["lock"]:
                counter["requests"] += 1
            time.sleep(latency)
            token = self.headers.get("Authorization", "").split(" ")[-1]
            if self.path == "/user" and token in valid:
                body, status = json.dumps({"login": "bot-%d" % valid[token], "id": valid[token], "type": "User"}), 200
            else:
                body, status = json.dumps({"message": "Bad credentials"}), 401
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


def run(sprawl, args, env):
    start = time.perf_counter()
    proc = subprocess.run([sprawl] + args, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit("sprawl failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    return seconds, json.loads(proc.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=300)
    p.add_argument("--copies", type=int, default=3)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json")
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sprawl = os.environ.get("SPRAWL_BIN", os.path.join(root, "build", "sprawl"))

    r = random.Random(a.seed)
    tokens = [github_token(r) for _ in range(a.tokens)]
    valid = {t: i for i, t in enumerate(tokens) if i % 3 != 2}
    work = tempfile.mkdtemp(prefix="sprawl-validate-")
    cache = os.path.join(work, "cache")
    corpus = os.path.join(work, "tree")
    for i, t in enumerate(tokens):
        for c in range(a.copies):
            d = os.path.join(corpus, "svc%03d" % (i % 100), "copy%d" % c)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "token%d.env" % i), "w") as f:
                f.write("GITHUB_TOKEN=%s\n" % t)

    counter = {"lock": threading.Lock(), "requests": 0}
    server = Provider(("127.0.0.1", 0), make_handler(valid, a.latency_ms / 1000.0, counter))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, SPRAWL_ENDPOINT_GITHUB="http://127.0.0.1:%d" % server.server_address[1],
               SPRAWL_CACHE_DIR=cache, NO_COLOR="1")
    base = ["scan", corpus, "--format", "json", "--progress", "never"]
    rows = []

    def measure(name, extra, expect_requests, expect_status=None, environment=env):
        before = counter["requests"]
        seconds, report = run(sprawl, base + extra, environment)
        requests = counter["requests"] - before
        findings = [f for f in report["findings"] if f["rule_id"].startswith("github")]
        wrong = 0
        for f in findings:
            status = f.get("validity", {}).get("status")
            want = expect_status(f) if expect_status else None
            if want and status != want:
                wrong += 1
        rows.append({"run": name, "seconds": round(seconds, 3), "requests": requests, "findings": len(findings),
                     "wrong_status": wrong})
        if expect_requests is not None and requests != expect_requests:
            print("warning: %s: %d requests, expected %d" % (name, requests, expect_requests), file=sys.stderr)
        return seconds

    run(sprawl, base, env)  # warm-up: compiles and caches the rule database in the private cache dir
    measure("no --validate (baseline)", [], 0)
    ttl0 = ["--validate", "--validation-cache-ttl", "0", "--validation-rate", "0"]
    for c in (1, 8, 32):
        measure("--validate, concurrency %d, no rate limit" % c, ttl0 + ["--validation-concurrency", str(c)], a.tokens)
    measure("--validate, default rate limit (10/s)", ["--validate", "--validation-cache-ttl", "0"], a.tokens)
    if os.path.exists(os.path.join(cache, "validation-v1.jsonl")):
        os.remove(os.path.join(cache, "validation-v1.jsonl"))
    measure("--validate, filling the cache", ["--validate", "--validation-rate", "0"], a.tokens)
    measure("--validate, answered from the cache", ["--validate", "--validation-rate", "0"], 0)
    dead = dict(env, SPRAWL_ENDPOINT_GITHUB="http://127.0.0.1:1")
    measure("--validate, provider unreachable", ttl0, 0, environment=dead)

    # Statuses: every finding of an accepted token valid, of a rejected one invalid.
    _, report = run(sprawl, base + ttl0 + ["--validation-concurrency", "8", "--show-secrets"], env)
    mismatched = sum(1 for f in report["findings"]
                     if f["validity"]["status"] != ("valid" if f["secret"] in valid else "invalid"))
    summary = report["summary"]["validation"]
    server.shutdown()
    shutil.rmtree(work, ignore_errors=True)

    print("%d distinct tokens x %d copies, %.0f ms per request" % (a.tokens, a.copies, a.latency_ms))
    print("%-45s %9s %9s %9s" % ("run", "seconds", "requests", "findings"))
    for row in rows:
        print("%-45s %9.3f %9d %9d" % (row["run"], row["seconds"], row["requests"], row["findings"]))
    print("statuses: %d valid, %d invalid, %d unknown; findings with the wrong status: %d"
          % (summary["valid"], summary["invalid"], summary["unknown"], mismatched))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"tokens": a.tokens, "copies": a.copies, "latency_ms": a.latency_ms, "rows": rows,
                       "summary": summary, "wrong_status": mismatched}, f, indent=2)
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
