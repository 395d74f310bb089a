#!/usr/bin/env python3
"""Time `sprawl scan --staged` (pre-commit) in a large repository; check its exit codes.

Normally called by bench_staged.sh (which generates the repository with gen_staged_repo.py):

    run_staged.py REPO [--manifest REPO.manifest.json] [--sprawl BIN] [--runs 10] [--json OUT]

For each staged state, secret then clean (gen_staged_repo.stage: reset --hard, then stage),
runs `git status` once (index refreshed, page cache warm), one untimed run of each command, then
--runs interleaved runs of each, inside REPO, and reports the median:
  git:    git diff --cached --name-only                 (the baseline: what git needs to list them)
  sprawl: sprawl scan --staged --format json --show-secrets --output TMP.json
Expected exit codes: 1 with the staged secret (and the finding must be the planted token in the
staged file), 0 with the clean change (an unstaged secret elsewhere must not be reported).
The repository is left in the 'secret' state.
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

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_staged_repo  # noqa: E402

TARGET_MS = 300.0
EXPECTED_EXIT = {"secret": 1, "clean": 0}


def timed(argv, cwd):
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p.returncode, (time.perf_counter() - t0) * 1000.0, p.stderr.decode(errors="replace")


def check_report(path, mode, manifest):
    """A problem with the findings of the last run, or None."""
    try:
        with open(path) as f:
            findings = [x for x in json.load(f).get("findings", []) if isinstance(x, dict)]
    except (OSError, ValueError) as e:
        return "could not read the report: %s" % e
    if mode == "clean":
        return "findings in the clean state: %s" % [f.get("path") for f in findings] if findings else None
    ok = [f for f in findings if f.get("secret") == manifest["github_token"]
          and str(f.get("path", "")).endswith(manifest["staged_file"])]
    if not ok:
        return "the staged token was not reported (findings: %s)" % [(f.get("rule_id"), f.get("path")) for f in findings]
    if len(findings) != len(ok):
        return "unexpected findings besides the staged token: %d" % (len(findings) - len(ok))
    return None


def bench_state(repo, manifest, mode, sprawl, runs, problems):
    gen_staged_repo.stage(repo, manifest, mode)
    subprocess.run(["git", "-C", repo, "status", "--short"], check=True, stdout=subprocess.DEVNULL)
    report = tempfile.mktemp(prefix="sprawl-staged-", suffix=".json")
    git_argv = ["git", "diff", "--cached", "--name-only"]
    sprawl_argv = [sprawl, "scan", "--staged", "--format", "json", "--show-secrets", "--output", report]
    git_ms, sprawl_ms, codes = [], [], []
    run_sprawl = sprawl is not None
    for i in range(runs + 1):  # run 0 warms up and is not counted
        rc, ms, err = timed(git_argv, repo)
        if rc != 0:
            raise SystemExit("git diff --cached failed: %s" % err.strip())
        if i:
            git_ms.append(ms)
        if run_sprawl:
            rc, ms, err = timed(sprawl_argv, repo)
            codes.append(rc)
            if rc not in (0, 1):
                problems.append("%s: sprawl scan --staged exited %d: %s" % (mode, rc, err.strip()[-300:]))
                run_sprawl = False
            elif i:
                sprawl_ms.append(ms)
    res = {"state": mode, "git_ms": statistics.median(git_ms), "git_ms_all": [round(x, 1) for x in git_ms],
           "sprawl_ms": statistics.median(sprawl_ms) if sprawl_ms else None,
           "sprawl_ms_all": [round(x, 1) for x in sprawl_ms], "exit_codes": sorted(set(codes)),
           "expected_exit": EXPECTED_EXIT[mode]}
    res["exit_ok"] = bool(sprawl_ms) and res["exit_codes"] == [EXPECTED_EXIT[mode]]
    if sprawl_ms:
        bad = check_report(report, mode, manifest)
        res["findings_ok"] = bad is None
        if bad:
            problems.append("%s: %s" % (mode, bad))
        if not res["exit_ok"]:
            problems.append("%s: exit codes %s, expected %d" % (mode, res["exit_codes"], EXPECTED_EXIT[mode]))
    if os.path.exists(report):
        os.remove(report)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--manifest")
    ap.add_argument("--sprawl", default=os.environ.get("SPRAWL_BIN", "build/sprawl"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json")
    a = ap.parse_args()
    repo = os.path.abspath(a.repo)
    with open(a.manifest or repo.rstrip("/") + ".manifest.json") as f:
        manifest = json.load(f)
    sprawl = shutil.which(a.sprawl) or a.sprawl
    problems = []
    if not os.access(sprawl, os.X_OK):
        problems.append("%s not found: sprawl not timed (set SPRAWL_BIN)" % a.sprawl)
        sprawl = None
    else:
        sprawl = os.path.abspath(sprawl)
    files = int(subprocess.run(["git", "-C", repo, "ls-files"], check=True, stdout=subprocess.PIPE).stdout.count(b"\n"))
    try:
        states = [bench_state(repo, manifest, m, sprawl, a.runs, problems) for m in ("secret", "clean")]
    finally:
        gen_staged_repo.stage(repo, manifest, "secret")

    fmt = lambda v: "n/a" if v is None else "%.0f" % v
    print("| staged change | tracked files | git diff --cached ms | sprawl --staged ms | exit code (expected) | target < %.0f ms |" % TARGET_MS)
    print("|---|---:|---:|---:|---:|---|")
    for s in states:
        print("| %s | %d | %s | %s | %s (%d) | %s |" % (
            s["state"], files, fmt(s["git_ms"]), fmt(s["sprawl_ms"]),
            "/".join(map(str, s["exit_codes"])) or "n/a", s["expected_exit"],
            "n/a" if s["sprawl_ms"] is None else ("ok" if s["sprawl_ms"] < TARGET_MS and s["exit_ok"] else "MISS")))
    for p in problems:
        print("warning: " + p)
    res = {"repo": repo, "tracked_files": files, "runs": a.runs, "nproc": len(os.sched_getaffinity(0)),
           "states": states, "problems": problems}
    text = json.dumps(res, indent=1, sort_keys=True)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
