#!/usr/bin/env python3
"""Time `bench_hs_floor` and `sprawl scan` on a corpus and print a markdown table.

Normally called by bench_throughput.sh (which generates the corpus and warms the page cache);
can be run directly on any directory:

    run_throughput.py CORPUS_DIR --build-dir build [--threads N] [--runs 3] [--empty-runs 10] [--json OUT]

Wall time and peak RSS of each child come from os.wait4 (ru_maxrss of that child alone).
MB means MiB (1,048,576 bytes).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TARGET_MBPS_PER_CORE = 400.0
TARGET_RATIO = 1.3
TARGET_RSS_MB = 300.0
TARGET_EMPTY_MS = 50.0


def run_captured(argv):
    """Run argv; return (exit_code, wall_seconds, peak_rss_mb, stdout, stderr); rusage via wait4."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, wall, ru.ru_maxrss / 1024.0, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def corpus_bytes(path):
    total = files = 0
    for d, _dirs, fs in os.walk(path):
        for f in fs:
            try:
                total += os.path.getsize(os.path.join(d, f))
                files += 1
            except OSError:
                pass
    return total, files


def fmt(v, nd=1):
    if v is None:
        return "n/a"
    return ("%%.%df" % nd) % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--empty-runs", type=int, default=10)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()

    sprawl = os.path.join(a.build_dir, "sprawl")
    floor = os.path.join(a.build_dir, "bench_hs_floor")
    if not os.access(sprawl, os.X_OK):
        print("error: %s not found or not executable (set BUILD_DIR)" % sprawl, file=sys.stderr)
        return 2
    nbytes, nfiles = corpus_bytes(a.corpus)
    mb = nbytes / 1048576.0
    res = {"corpus": a.corpus, "corpus_bytes": nbytes, "corpus_files": nfiles, "corpus_mb": mb,
           "threads": a.threads, "cpus": os.cpu_count()}
    # MB/s per core divides by min(threads, CPUs): extra threads on the same cores are not extra cores.
    problems = []

    # --- hs floor
    floor_best = None
    floor_scan_only = None
    floor_bytes = None
    if os.access(floor, os.X_OK):
        for i in range(a.runs):
            rc, wall, rss, out, err = run_captured([floor, "--threads", str(a.threads), a.corpus])
            if rc != 0:
                problems.append("bench_hs_floor exited %d: %s" % (rc, err.strip()[-300:]))
                break
            try:
                line = [l for l in out.splitlines() if l.strip().startswith("{")][-1]
                d = json.loads(line)
            except (IndexError, ValueError):
                problems.append("bench_hs_floor printed no JSON line: %r" % out[-300:])
                break
            s = float(d["seconds_read_scan"])
            print("  hs floor run %d: %.3f s read+scan, %.3f s scan only, %s bytes" % (
                i + 1, s, float(d["seconds_scan_only"]), d.get("bytes")), file=sys.stderr)
            if floor_best is None or s < floor_best:
                floor_best = s
                floor_scan_only = float(d["seconds_scan_only"])
                floor_bytes = int(d.get("bytes", nbytes))
    else:
        problems.append("%s not found: hs floor skipped" % floor)
    res.update({"floor_seconds_read_scan": floor_best, "floor_seconds_scan_only": floor_scan_only,
                "floor_bytes": floor_bytes})
    floor_mbps = (floor_bytes or nbytes) / 1048576.0 / floor_best if floor_best else None

    # --- sprawl
    best = None
    peak_rss = 0.0
    summary = None
    first_findings = []
    for i in range(a.runs):
        with tempfile.NamedTemporaryFile(suffix=".json") as outf:
            argv = [sprawl, "scan", a.corpus, "--format", "json", "--threads", str(a.threads),
                    "--output", "/dev/null" if i else outf.name]
            rc, wall, rss, _out, err = run_captured(argv)
            if rc not in (0, 1):
                problems.append("sprawl exited %d: %s" % (rc, err.strip()[-300:]))
            if i == 0:
                try:
                    with open(outf.name) as f:
                        report = json.load(f)
                    summary = report.get("summary")
                    first_findings = report.get("findings") or []
                except (OSError, ValueError):
                    summary = None
        print("  sprawl run %d: %.3f s, peak RSS %.1f MB, exit %d" % (i + 1, wall, rss, rc), file=sys.stderr)
        peak_rss = max(peak_rss, rss)
        if best is None or wall < best:
            best = wall
    sprawl_mbps = mb / best
    cores = max(1, min(a.threads, os.cpu_count() or a.threads))
    per_core = sprawl_mbps / cores
    ratio = best / floor_best if floor_best else None

    # --- empty directory
    empty_best = None
    with tempfile.TemporaryDirectory(prefix="sprawl-empty-") as empty:
        for _ in range(a.empty_runs):
            rc, wall, _rss, _o, err = run_captured([sprawl, "scan", empty, "--format", "json", "--output", "/dev/null"])
            if rc != 0:
                problems.append("empty-dir scan exited %d: %s" % (rc, err.strip()[-200:]))
            if empty_best is None or wall < empty_best:
                empty_best = wall
    empty_ms = empty_best * 1000.0

    res.update({"sprawl_seconds": best, "sprawl_mbps": sprawl_mbps, "sprawl_mbps_per_core": per_core,
                "ratio_sprawl_over_floor": ratio, "floor_mbps": floor_mbps, "peak_rss_mb": peak_rss,
                "empty_dir_ms": empty_ms, "sprawl_summary": summary, "problems": problems})
    checks = {
        "mbps_per_core": per_core >= TARGET_MBPS_PER_CORE,
        "ratio": ratio is not None and ratio <= TARGET_RATIO,
        "rss": peak_rss < TARGET_RSS_MB,
        "empty_dir": empty_ms < TARGET_EMPTY_MS,
    }
    res["targets_met"] = checks

    def ok(b):
        return "ok" if b else "MISS"

    print()
    print("| corpus MB | threads | hs floor MB/s | sprawl MB/s | MB/s per core | ratio sprawl/floor time | peak RSS MB | empty dir ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("| %.0f | %d | %s | %.1f | %.1f | %s | %.1f | %.1f |" % (
        mb, a.threads, fmt(floor_mbps), sprawl_mbps, per_core, fmt(ratio, 2), peak_rss, empty_ms))
    print("| target | | | | >= %.0f (%s) | <= %.1f (%s) | < %.0f (%s) | < %.0f (%s) |" % (
        TARGET_MBPS_PER_CORE, ok(checks["mbps_per_core"]), TARGET_RATIO,
        ok(checks["ratio"]) if ratio is not None else "n/a", TARGET_RSS_MB, ok(checks["rss"]),
        TARGET_EMPTY_MS, ok(checks["empty_dir"])))
    print()
    print("%d files; sprawl best %.3f s; hs floor best %s s read+scan (%s s scan only); %d CPUs on this machine." % (
        nfiles, best, fmt(floor_best, 3), fmt(floor_scan_only, 3), os.cpu_count() or 0))
    planted = None
    unexpected = []
    try:
        with open(os.path.join(a.corpus, "MANIFEST.json")) as f:
            man = json.load(f)
        planted = man.get("planted_secrets")
        # findings away from every planted secret (a planted block spans at most ~30 lines)
        spots = {}
        for p in man.get("planted") or []:
            spots.setdefault(p["path"], []).append(p["line"])
        pre = a.corpus.rstrip("/") + "/"
        for f in first_findings:
            rp = f.get("path", "")
            rp = rp[len(pre):] if rp.startswith(pre) else rp
            if not any(0 <= int(f.get("line", 0)) - l <= 30 for l in spots.get(rp, ())):
                unexpected.append("%s:%s %s" % (rp, f.get("line"), f.get("rule_id")))
    except (OSError, ValueError):
        pass
    res["planted_secrets"] = planted
    res["unexpected_findings"] = unexpected
    if summary:
        if planted is not None:
            print("planted secrets in the corpus (MANIFEST.json): %s; findings away from them: %d" % (planted, len(unexpected)))
            for u in unexpected[:10]:
                print("  unexpected: " + u)
        print("sprawl summary: findings=%s files_scanned=%s bytes_scanned=%s skipped=%s errors=%s" % (
            summary.get("findings"), summary.get("files_scanned"), summary.get("bytes_scanned"),
            summary.get("skipped"), summary.get("errors")))
    for p in problems:
        print("warning: " + p)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
