#!/usr/bin/env python3
"""Time `sprawl scan` on a container image against the same files as a plain directory.

Normally called by bench_image.sh (which generates the image with gen_image_corpus.py):

    run_image.py CORPUS_DIR [--sprawl BIN] [--runs 3] [--json OUT]

CORPUS_DIR holds image.tar (docker save, uncompressed layers), optionally image-oci.tar (OCI
layout, gzip layers), rootfs/ (the final filesystem) and MANIFEST.json (planted secrets). After
one untimed run of each (page cache warm), --runs interleaved runs of each command are timed and
the best is kept, with the child's peak RSS:
  dir:    sprawl scan CORPUS_DIR/rootfs       --format json --show-secrets --output TMP
  image:  sprawl scan CORPUS_DIR/image.tar    (same flags)
  oci-gz: sprawl scan CORPUS_DIR/image-oci.tar
Throughput is the image's uncompressed file bytes (the same for all three) over wall time; the
ratio is image throughput / dir throughput (target >= 0.70). Recall: every planted secret must be
reported by each scan, at its path (inside the image: INPUT@layerN/PATH).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TARGET_RATIO = 0.70


def run_once(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate()
    wall = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return p.returncode, wall, rss_kb, err.decode(errors="replace")


def peak_rss(argv):
    """Peak RSS of one run, measured in a fresh child so that earlier runs do not mask it."""
    code = ("import resource,subprocess,sys;"
            "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + argv, capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def recall(report_path, planted, image_input):
    with open(report_path) as f:
        findings = json.load(f).get("findings", [])
    found = 0
    for p in planted:
        for f in findings:
            path = str(f.get("path", ""))
            if image_input:
                img = f.get("image") or {}
                ok = img.get("path") == p["path"] and img.get("layer") == p.get("layer")
            else:
                ok = path.endswith("/" + p["path"])
            # the generator may put a secret one line below its record (a PEM body: up to 3)
            slack = 3 if p.get("kind") == "private-key" else 1
            if ok and p["line"] <= f.get("line", 0) <= p["line"] + slack:
                found += 1
                break
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--sprawl", default=os.path.join(os.environ.get("BUILD_DIR", "build"), "sprawl"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", dest="json_out")
    a = ap.parse_args()

    with open(os.path.join(a.corpus, "MANIFEST.json")) as f:
        manifest = json.load(f)
    planted = manifest.get("planted", [])
    total = manifest.get("bytes") or manifest.get("total_bytes") or 0
    if not total:
        for root, _, files in os.walk(os.path.join(a.corpus, "rootfs")):
            total += sum(os.path.getsize(os.path.join(root, n)) for n in files)
    targets = [("dir", "rootfs"), ("image", "image.tar")]
    if os.path.exists(os.path.join(a.corpus, "image-oci.tar")):
        targets.append(("oci-gz", "image-oci.tar"))
    tmp = tempfile.mkdtemp(prefix="sprawl-image-bench-")
    results = {}
    problems = []
    for name, rel in targets:  # untimed warm-up, and recall
        out = os.path.join(tmp, name + ".json")
        argv = [a.sprawl, "scan", os.path.join(a.corpus, rel), "--format", "json", "--show-secrets", "--output", out]
        code, _, _, err = run_once(argv)
        if code not in (0, 1):
            problems.append("%s: exit code %d: %s" % (name, code, err.strip()[-300:]))
        results[name] = {"argv": argv, "walls": [], "recall": recall(out, planted, name != "dir")}
    for _ in range(a.runs):
        for name, _ in targets:
            _, wall, _, _ = run_once(results[name]["argv"])
            results[name]["walls"].append(wall)
    for name, _ in targets:
        r = results[name]
        r["best_s"] = min(r["walls"])
        r["mb_per_s"] = total / 1048576 / r["best_s"]
        r["peak_rss_mb"] = peak_rss(r["argv"]) / 1024
    base = results["dir"]["mb_per_s"]
    print("| scan | best wall (s) | MB/s | ratio to dir | peak RSS (MB) | planted found |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rel in targets:
        r = results[name]
        r["ratio"] = r["mb_per_s"] / base
        print("| `sprawl scan %s` | %.2f | %.0f | %.2f | %.0f | %d/%d |" % (
            rel, r["best_s"], r["mb_per_s"], r["ratio"], r["peak_rss_mb"], r["recall"], len(planted)))
        if r["recall"] != len(planted):
            problems.append("%s: %d of %d planted secrets found" % (name, r["recall"], len(planted)))
    ratio = results["image"]["ratio"]
    print("\n%.1f MB of files; image.tar throughput is %.2f x the directory's (target >= %.2f)%s" % (
        total / 1048576, ratio, TARGET_RATIO, "" if ratio >= TARGET_RATIO else "  ** below target **"))
    for p in problems:
        print("problem: " + p, file=sys.stderr)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"bytes": total, "results": {k: {x: v for x, v in r.items() if x != "argv"}
                                                   for k, r in results.items()}, "problems": problems}, f, indent=2)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
