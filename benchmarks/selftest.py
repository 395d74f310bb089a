#!/usr/bin/env python3
"""Self-test of the benchmark tooling (no sprawl binary needed; about 20 s).

    python3 benchmarks/selftest.py

Checks that both generators are deterministic, that the quality generator's ground truth reads
back at the recorded lines (the generator verifies this itself and fails otherwise), that the
planted private keys are well-formed, and that score_quality.py scores a synthetic report as
expected: every planted secret reported in several shapes (whole value, password only,
un-escaped PEM, duplicates from a second rule) gives 100 % recall; findings on hard negatives
count as false positives once per spot; findings in the metadata files are ignored.
"""

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import score_quality  # noqa: E402


def run(*argv):
    subprocess.run([sys.executable] + list(argv), check=True, stdout=subprocess.DEVNULL)


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    stack = [cmp]
    while stack:
        c = stack.pop()
        if c.left_only or c.right_only or c.diff_files or c.funny_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        if mismatch or errors:
            return False
        stack.extend(c.subdirs.values())
    return True


def main():
    tmp = tempfile.mkdtemp(prefix="sprawl-bench-selftest-")
    failures = []

    def check(cond, what):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            failures.append(what)

    try:
        # --- throughput generator: deterministic, sized, manifest
        for n in ("t1", "t2"):
            run(os.path.join(HERE, "gen_throughput_corpus.py"), os.path.join(tmp, n), "--size-mb", "8", "--seed", "3", "-q")
        check(same_tree(os.path.join(tmp, "t1"), os.path.join(tmp, "t2")), "throughput corpus is deterministic")
        m = json.load(open(os.path.join(tmp, "t1", "MANIFEST.json")))
        check(abs(m["bytes"] - 8 * 1048576) < 1048576 and m["files"] > 20, "throughput corpus size and file count")
        ok = True
        for p in m["planted"]:
            with open(os.path.join(tmp, "t1", p["path"])) as f:
                line = f.read().split("\n")[p["line"] - 1]
            ok &= bool(re.search(r"AKIA|ghp_|xoxb-|sk_live_|AIza|sk-proj-|BEGIN RSA|```|_key|KEY", line))
        check(ok, "throughput planted secrets sit on their recorded lines")

        # --- quality generator: deterministic, verified
        for n in ("q1", "q2"):
            run(os.path.join(HERE, "gen_quality_corpus.py"), os.path.join(tmp, n), "--seed", "11", "-q")
        q = os.path.join(tmp, "q1")
        check(same_tree(q, os.path.join(tmp, "q2")), "quality corpus is deterministic")
        truth = score_quality.load_jsonl(os.path.join(q, "ground_truth.jsonl"))
        negs = score_quality.load_jsonl(os.path.join(q, "hard_negatives.jsonl"))
        check(len(truth) >= 300 and len(negs) >= 300, "quality corpus has >= 300 positives and >= 300 hard negatives (%d / %d)" % (len(truth), len(negs)))
        if shutil.which("openssl"):
            pem = next(t for t in truth if t["kind"] == "rsa-pkcs1")
            pf = os.path.join(tmp, "k.pem")
            with open(pf, "w") as f:
                f.write(pem["secret"] + "\n")
            r = subprocess.run(["openssl", "pkey", "-in", pf, "-noout", "-check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(r.returncode == 0, "planted RSA key is valid (openssl pkey -check)")
            sa = next(t for t in truth if t["kind"] == "gcp-service-account-key")
            with open(pf, "w") as f:
                f.write(sa["secret"].replace("\\n", "\n"))
            r = subprocess.run(["openssl", "pkey", "-in", pf, "-noout", "-check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(r.returncode == 0, "planted GCP service-account key is valid")

        # --- scorer on a synthetic report
        findings = []
        for i, t in enumerate(truth):
            sec = t["secret"]
            m_ = re.search(r"://[^:/@]*:([^@/]+)@", sec)
            if t["family"] == "database" and m_ and i % 2:
                sec = m_.group(1)                          # password only
            if "\\n" in sec:
                sec = sec.replace("\\n", "\n")            # un-escaped PEM
            f = {"rule_id": "r-" + t["family"], "provider": t["family"], "nhi_type": "api_key",
                 "path": os.path.join(q, t["path"]), "line": t["line"], "end_line": t["line"] + sec.count("\n"),
                 "secret": sec, "redacted": False}
            findings.append(f)
            if i % 5 == 0:
                findings.append(dict(f, rule_id="generic-secret", provider="generic"))
        for n in negs[:40]:
            f = {"rule_id": "generic-api-key", "provider": "generic", "path": os.path.join(q, n["path"]),
                 "line": n["line"], "secret": n["value"]}
            findings.append(f)
            findings.append(dict(f, rule_id="generic-secret"))
        findings.append({"rule_id": "x", "provider": "aws", "path": os.path.join(q, "ground_truth.jsonl"), "line": 1, "secret": "AKIA"})
        overall, fams, missed, fps, matched, ignored, _ = score_quality.score(
            json.loads(json.dumps(truth)), findings, json.loads(json.dumps(negs)), q)
        check(overall["recall"] == 1.0 and not missed, "scorer: all planted secrets matched (recall %.3f)" % overall["recall"])
        n_spots = len({(n["path"], n["line"], n["value"]) for n in negs[:40]})
        check(len(fps) <= n_spots and len(fps) >= n_spots - 5, "scorer: one false positive per negative spot (%d fps, %d spots)" % (len(fps), n_spots))
        check(all(g["hard_negative"] for g in fps), "scorer: false positives annotated with their hard-negative kind")
        check(ignored == 1, "scorer: metadata-file findings ignored")
        check(fams["generic"]["fp"] == len(fps), "scorer: generic-provider false positives attributed to 'generic'")
        # the CLI end to end on a report file
        rep = os.path.join(tmp, "report.json")
        with open(rep, "w") as f:
            json.dump({"schema_version": 1, "findings": findings[: len(findings) // 2], "summary": {}}, f)
        r = subprocess.run([sys.executable, os.path.join(HERE, "score_quality.py"), q, "--findings", rep, "--check",
                            "--json", os.path.join(tmp, "s.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        s = json.load(open(os.path.join(tmp, "s.json")))
        check(r.returncode == 1 and not s["pass"] and s["overall"]["recall"] < 0.95, "scorer CLI: --check fails on a partial report")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n%s" % ("all checks passed" if not failures else "%d check(s) failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
