#!/usr/bin/env python3
"""Time a full-history scan against `git cat-file --batch-all-objects`; check recall on a manifest.

Normally called by bench_git_history.sh; can be run directly on any repository (work tree, bare
or mirror):

    run_git_history.py REPO [--sprawl BIN] [--manifest M.json] [--runs 5] [--threads N] [--json OUT]

In the same run, interleaved, --runs times each (median reported):
  git:    git -C REPO cat-file --batch-all-objects --batch --unordered > /dev/null
  sprawl: sprawl scan REPO --format json --show-secrets --output TMP.json [--threads N]
          under /usr/bin/time -f '%e %M' (peak RSS; falls back to wait4 without GNU time)
One untimed run of each comes first (page cache, rule-database cache). Object and blob counts
come from `git cat-file --batch-all-objects --batch-check`. With --manifest (written by
gen_git_history.py) every planted secret is looked up in the last report: found (secret text
matches), and whether the path, the blob id and, when findings carry a "git" object, the commit
are the ones that introduced it. Prints a markdown table and the JSON result (also to --json).
MiB = 1,048,576 bytes.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_RATIO = 1.0     # sprawl wall time / git cat-file wall time (2-core machine)
TARGET_RSS_MIB = 1024  # peak RSS of the sprawl scan


def timed(argv, cwd=None):
    """Run argv with stdout to /dev/null; (exit code, wall seconds, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p.returncode, time.perf_counter() - t0, p.stderr.decode(errors="replace")


def timed_rss(argv):
    """Run argv; (exit code, wall seconds, peak RSS MiB, stderr). RSS from GNU time's %M."""
    gnu_time = "/usr/bin/time"
    if not os.access(gnu_time, os.X_OK):
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        return os.waitstatus_to_exitcode(status), time.perf_counter() - t0, ru.ru_maxrss / 1024.0, err.decode(errors="replace")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        p = subprocess.run([gnu_time, "-f", "%e %M", "-o", tf.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        fields = tf.read().split()
        rss = int(fields[-1]) / 1024.0 if fields and fields[-1].isdigit() else None
    return p.returncode, wall, rss, p.stderr.decode(errors="replace")


def repo_stats(repo):
    """Objects by type, blob bytes, on-disk pack size."""
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    counts, sizes = {}, {}
    for line in out.splitlines():
        t, n = line.split()
        counts[t] = counts.get(t, 0) + 1
        sizes[t] = sizes.get(t, 0) + int(n)
    cov = subprocess.run(["git", "-C", repo, "count-objects", "-v"], check=True, stdout=subprocess.PIPE).stdout.decode()
    kib = {k: int(v) for k, v in (l.split(": ") for l in cov.splitlines()) if v.isdigit()}
    return {"objects": sum(counts.values()), "objects_by_type": counts, "blobs": counts.get("blob", 0),
            "blob_bytes": sizes.get("blob", 0), "commits": counts.get("commit", 0),
            "pack_mib": (kib.get("size-pack", 0) + kib.get("size", 0)) / 1024.0}


def squash(text):
    """Without whitespace and literal \\n / \\r escapes, as in score_quality.py."""
    return "".join(text.replace("\\n", "").replace("\\r", "").split())


def check_manifest(manifest, findings):
    """Match planted secrets to findings; per secret: found, path/blob/commit agreement."""
    has_git = any(isinstance(f.get("git"), dict) for f in findings)
    fs = [(squash(str(f.get("secret", ""))), f) for f in findings]
    rows, matched = [], set()
    for e in manifest["planted"]:
        v = squash(e["value"])
        hits = [i for i, (s, _) in enumerate(fs) if len(s) >= 8 and (s in v or v in s)]
        matched.update(hits)
        hf = [fs[i][1] for i in hits]
        rows.append({
            "kind": e["kind"], "path": e["path"], "commit": e["commit"],
            "found": bool(hf),
            "path_ok": any(str(f.get("path", "")).endswith(e["path"]) for f in hf),
            "blob_ok": any(f.get("blob_id") == e["blob_id"] for f in hf),
            "commit_ok": any((f.get("git") or {}).get("commit") == e["commit"] for f in hf) if has_git else None,
        })
    n = len(rows)
    res = {"planted": n, "found": sum(r["found"] for r in rows),
           "path_ok": sum(r["path_ok"] for r in rows), "blob_ok": sum(r["blob_ok"] for r in rows),
           "commit_ok": sum(bool(r["commit_ok"]) for r in rows) if has_git else None,
           "findings_with_git_commit": has_git,
           "unmatched_findings": len(findings) - len(matched),
           "missed": [r for r in rows if not r["found"]],
           "wrong_commit": [r for r in rows if r["found"] and r["commit_ok"] is False]}
    res["recall"] = res["found"] / n if n else None
    return res


def short_name(repo):
    """The repository's directory name; with its parent's when it is only 'repo' or '.git'."""
    parent, name = os.path.split(repo.rstrip("/"))
    return os.path.basename(parent) + "/" + name if name in ("repo", ".git") else name


def median(xs):
    return statistics.median(xs) if xs else None


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--sprawl", default=os.environ.get("SPRAWL_BIN", "build/sprawl"))
    ap.add_argument("--manifest")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, help="passed to sprawl --threads (default: sprawl's own)")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()
    repo = os.path.abspath(a.repo)
    nproc = len(os.sched_getaffinity(0))
    problems = []

    stats = repo_stats(repo)
    res = {"repo": repo, "nproc": nproc, "runs": a.runs, "threads": a.threads,
           "git_version": subprocess.run(["git", "--version"], stdout=subprocess.PIPE).stdout.decode().strip()}
    res.update(stats)
    print("%s: %d objects (%s), %.1f MiB of blob data, %.1f MiB packed" % (
        repo, stats["objects"], ", ".join("%d %ss" % (n, t) for t, n in sorted(stats["objects_by_type"].items())),
        stats["blob_bytes"] / 1048576, stats["pack_mib"]), file=sys.stderr)

    git_argv = ["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    sprawl = shutil.which(a.sprawl) or a.sprawl
    have_sprawl = os.access(sprawl, os.X_OK)
    if not have_sprawl:
        problems.append("%s not found: sprawl not timed (set SPRAWL_BIN)" % a.sprawl)
    else:
        res["sprawl_version"] = subprocess.run([sprawl, "--version"], stdout=subprocess.PIPE).stdout.decode().strip()
    report_path = tempfile.mktemp(prefix="sprawl-git-history-", suffix=".json")
    sprawl_argv = [sprawl, "scan", repo, "--format", "json", "--show-secrets", "--output", report_path]
    if a.threads:
        sprawl_argv += ["--threads", str(a.threads)]

    git_times, sprawl_times, rss = [], [], []
    sprawl_rc = None
    for i in range(a.runs + 1):  # run 0 warms the caches and is not counted
        rc, wall, err = timed(git_argv)
        if rc != 0:
            raise SystemExit("git cat-file failed (%d): %s" % (rc, err.strip()[-300:]))
        line = "  %s: git cat-file %.2f s" % ("run %d" % i if i else "warm-up", wall)
        if i:
            git_times.append(wall)
        if have_sprawl:
            sprawl_rc, wall, peak, err = timed_rss(sprawl_argv)
            if sprawl_rc not in (0, 1):
                problems.append("sprawl exited %d: %s" % (sprawl_rc, err.strip()[-300:]))
                have_sprawl = False
            else:
                line += ", sprawl %.2f s, peak RSS %s MiB" % (wall, fmt(peak, ".0f"))
                if i:
                    sprawl_times.append(wall)
                    if peak is not None:
                        rss.append(peak)
        print(line, file=sys.stderr)

    res["git_seconds"] = median(git_times)
    res["git_seconds_all"] = [round(t, 3) for t in git_times]
    res["sprawl_seconds"] = median(sprawl_times)
    res["sprawl_seconds_all"] = [round(t, 3) for t in sprawl_times]
    res["sprawl_exit_code"] = sprawl_rc
    res["ratio_sprawl_git"] = res["sprawl_seconds"] / res["git_seconds"] if sprawl_times else None
    res["peak_rss_mib"] = max(rss) if rss else None
    res["blob_mib_per_s_git"] = stats["blob_bytes"] / 1048576 / res["git_seconds"]

    findings = []
    if sprawl_times:
        try:
            with open(report_path) as f:
                report = json.load(f)
            findings = [x for x in report.get("findings", []) if isinstance(x, dict)]
            res["findings"] = len(findings)
            res["summary"] = report.get("summary")
        except (OSError, ValueError) as e:
            problems.append("could not read the sprawl report: %s" % e)
    if os.path.exists(report_path):
        os.remove(report_path)
    if a.manifest and sprawl_times:
        with open(a.manifest) as f:
            res["recall_check"] = check_manifest(json.load(f), findings)

    # A history scan reads (nearly) every blob once; far fewer bytes means this sprawl scanned
    # the directory as plain files, and its times say nothing about history scanning.
    scanned = (res.get("summary") or {}).get("bytes_scanned")
    res["history_scan"] = isinstance(scanned, int) and scanned >= stats["blob_bytes"] // 2
    if sprawl_times and not res["history_scan"]:
        problems.append("sprawl scanned %s bytes of %d bytes of blobs: not a history scan; its figures are not "
                        "comparable" % (scanned, stats["blob_bytes"]))
    rc = res.get("recall_check") or {}
    ok = lambda good: "ok" if good else "MISS"
    print()
    print("| repository | commits | objects | blobs | blob MiB | git cat-file s | sprawl s | sprawl/git | peak RSS MiB | findings | recall | nproc |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("| %s | %d | %d | %d | %.0f | %.2f | %s | %s | %s | %s | %s | %d |" % (
        short_name(repo), stats["commits"], stats["objects"], stats["blobs"], stats["blob_bytes"] / 1048576,
        res["git_seconds"], fmt(res["sprawl_seconds"], ".2f"), fmt(res["ratio_sprawl_git"], ".2f"),
        fmt(res["peak_rss_mib"], ".0f"), res.get("findings", "n/a"),
        "%d/%d" % (rc["found"], rc["planted"]) if rc else "n/a", nproc))
    if sprawl_times and res["history_scan"]:
        print("| target | | | | | | | ≤ %.1f %s | < %d %s | | | |" % (
            TARGET_RATIO, ok(res["ratio_sprawl_git"] <= TARGET_RATIO),
            TARGET_RSS_MIB, ok(res["peak_rss_mib"] is not None and res["peak_rss_mib"] < TARGET_RSS_MIB)))
    print()
    if rc:
        print("recall: %d/%d planted secrets found; right path %d, introducing blob %d, introducing commit %s; "
              "%d findings match no planted secret" % (rc["found"], rc["planted"], rc["path_ok"], rc["blob_ok"],
                                                      rc["commit_ok"] if rc["findings_with_git_commit"] else "n/a (no git.commit in findings)",
                                                      rc["unmatched_findings"]))
        if not rc["findings_with_git_commit"] and rc["found"] == 0:
            print("  (no finding carries a \"git\" object: this sprawl does not scan history yet)")
        for m in rc["missed"][:10]:
            print("  missed: %s %s @ %s" % (m["kind"], m["path"], m["commit"][:12]))
        for m in rc["wrong_commit"][:10]:
            print("  other commit: %s %s @ %s" % (m["kind"], m["path"], m["commit"][:12]))
    for p in problems:
        print("warning: " + p)
    res["problems"] = problems
    text = json.dumps(res, indent=1, sort_keys=True)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
