#!/usr/bin/env python3
"""NHI inventory benchmark (issue 7, part 7): what recording a scan into the datastore costs, how
fast `sprawl inventory` answers, and how big the datastore grows.

    benchmarks/bench_inventory.py [--only record,sparse,list,size,pairs] [--runs 3] [--seed 1] [--json OUT]

Three generated trees (seeded; reused under SPRAWL_BENCH_DIR while the stamp beside each matches
this script and its options) hold distinct fake credentials of four kinds -- checksummed GitHub
tokens, AWS key id + secret key pairs (one identity, two findings), Stripe and Slack tokens -- each
written into --copies different files, in that file's language syntax:

  record  --record-creds credentials x --copies files, inside --record-mb of source-like filler
          (the throughput corpus's line pools), so the scan itself takes a while;
  sparse  the same at --sparse-creds credentials in --sparse-mb: the realistic case, where the
          findings are a small part of the work;
  list    --list-creds credentials, one file each, with no filler: a datastore of that many
          identities for `sprawl inventory`;
  size    --size-creds credentials x --size-copies files, no filler: the datastore's size per
          location;
  pairs   --pairs-creds AWS key pairs, every one in each of --pairs-files copies of one credentials
          file (key id and secret on adjacent lines; every other copy shuffled in blocks of six
          lines, so neighbouring pairs interleave): what pairing multi-part credentials costs when
          one blob is seen at many places, and whether every identity keeps exactly its two parts.

What is timed (page cache warm, one untimed round first, then --runs interleaved rounds, medians):
  record/sparse: `sprawl scan DIR --format json -o /dev/null` alone, with `--datastore NEW` (the
          file removed before each run), with `--datastore SAME` (a rescan into a datastore that
          already holds the tree) and with `--inventory` (summary table, no datastore);
  list:   `sprawl inventory --datastore X -f json -o /dev/null`, the table format, and
          `inventory show ID` and `inventory diff --since 1`;
  size:   one scan into a new datastore; the file's size over the locations recorded;
  pairs:  as record, then the number of identities and of parts per identity in the datastore.
SPRAWL_BIN: the binary (default build/sprawl; relative paths are taken from the repository root).
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_throughput_corpus as corpus  # noqa: E402  (line pools and word lists)

GENERATOR_VERSION = 2
ALNUM = corpus.ALNUM
B64 = corpus.B64
AWS_B32 = corpus.AWS_B32
KINDS = ["github", "aws", "stripe", "slack"]
ENVIRONMENTS = ["", "", "", "prod", "staging", "dev"]


# ---------------------------------------------------------------- credentials


def credential(r):
    """Return (kind, [(variable name, value)]) for one distinct fake credential."""
    kind = r.choice(KINDS)
    if kind == "github":
        return kind, [("github_token", corpus.gh_token(r, "ghp_"))]
    if kind == "aws":
        key_id = "AKIA" + "".join(r.choices(AWS_B32, k=16))
        return kind, [("aws_access_key_id", key_id), ("aws_secret_access_key", "".join(r.choices(B64, k=40)))]
    if kind == "stripe":
        return kind, [("stripe_secret_key", "sk_live_" + "".join(r.choices(ALNUM, k=24)))]
    token = "xoxb-%d-%d-%s" % (r.randrange(10 ** 11, 10 ** 12), r.randrange(10 ** 12, 10 ** 13),
                               "".join(r.choices(ALNUM, k=24)))
    return kind, [("slack_bot_token", token)]


def secret_lines(lang, pairs):
    out = []
    for name, value in pairs:
        if lang == "python":
            out.append('%s = "%s"' % (name.upper(), value))
        elif lang == "javascript":
            out.append("const %s = '%s';" % (name, value))
        elif lang == "go":
            out.append('const %s = "%s"' % (name, value))
        elif lang == "java":
            out.append('private static final String %s = "%s";' % (name.upper(), value))
        elif lang == "yaml":
            out.append("%s: %s" % (name, value))
        elif lang == "json":
            out.append('  "%s": "%s",' % (name, value))
        else:
            out.append("export %s=%s" % (name.upper(), value))
    return out


# ---------------------------------------------------------------- trees


def tree_params(a, name):
    if name == "record":
        return {"creds": a.record_creds, "copies": a.copies, "mb": a.record_mb, "files": a.record_files}
    if name == "sparse":
        return {"creds": a.sparse_creds, "copies": a.copies, "mb": a.sparse_mb, "files": a.sparse_files}
    if name == "list":
        return {"creds": a.list_creds, "copies": 1, "mb": 0, "files": max(1, a.list_creds // 25)}
    if name == "pairs":
        return {"creds": a.pairs_creds, "copies": a.pairs_files, "mb": 0, "files": a.pairs_files}
    return {"creds": a.size_creds, "copies": a.size_copies, "mb": 0, "files": max(1, a.size_creds * a.size_copies // 50)}


def write_tree(out, params, seed, pools):
    """Writes the tree; returns its manifest (files, bytes, credentials by kind, planted values)."""
    r = random.Random(seed)
    files = max(params["files"], params["copies"])
    in_file = [[] for _ in range(files)]
    kinds = {}
    for _ in range(params["creds"]):
        kind, pairs = credential(r)
        kinds[kind] = kinds.get(kind, 0) + 1
        for index in r.sample(range(files), params["copies"]):
            in_file[index].append(pairs)
    avg_bytes = params["mb"] * 1048576 / files
    weights = [lang[2] for lang in corpus.LANGS]
    g = corpus.Gen(r)
    written = 0
    for index, planted in enumerate(in_file):
        lang, ext, _w, _fn, header = r.choices(corpus.LANGS, weights=weights)[0]
        env = r.choice(ENVIRONMENTS)
        words = corpus.WORDS
        rel = os.path.join("svc%02d" % (index % 40), words[(index * 7) % len(words)],
                           env or words[(index * 13) % len(words)], "%s_%d.%s" % (g.snake(2), index, ext))
        head = (header % g.sent()).rstrip("\n").split("\n")
        filler = r.choices(pools[lang], k=max(1, int(avg_bytes * r.uniform(0.5, 1.5)) // 62)) if avg_bytes else []
        # Each credential's lines stay one block, and blocks are kept apart by a filler line: two AWS
        # pairs interleaved or back to back would be paired crosswise and chain many credentials
        # into one identity (not what this benchmark measures).
        chunks = [[line] for line in filler]
        for pairs in planted:
            chunks.insert(r.randrange(len(chunks) + 1), secret_lines(lang, pairs) + [r.choice(pools[lang])])
        lines = head + [line for chunk in chunks for line in chunk]
        if lang == "json":
            lines.append('  "end": true\n}')
        data = ("\n".join(lines) + "\n").encode()
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
    return {"files": files, "bytes": written, "credentials": params["creds"], "copies": params["copies"],
            "by_kind": kinds}


def write_pairs_tree(out, params, seed, _pools):
    """--pairs-creds AWS key pairs, all of them in each of --pairs-files copies of one ini file."""
    r = random.Random(seed)
    pairs = [("AKIA" + "".join(r.choices(AWS_B32, k=16)), "".join(r.choices(B64, k=40)))
             for _ in range(params["creds"])]
    lines = [line for key_id, secret in pairs
             for line in ("aws_access_key_id = " + key_id, "aws_secret_access_key = " + secret)]
    written = 0
    os.makedirs(out, exist_ok=True)
    for index in range(params["files"]):
        body = list(lines)
        if index % 2:
            blocks = [body[i:i + 6] for i in range(0, len(body), 6)]
            for block in blocks:
                r.shuffle(block)
            body = [line for block in blocks for line in block]
        data = ("\n".join(body) + "\n").encode()
        with open(os.path.join(out, "credentials-%03d.ini" % index), "wb") as f:
            f.write(data)
        written += len(data)
    return {"files": params["files"], "bytes": written, "credentials": params["creds"],
            "copies": params["files"], "by_kind": {"aws": params["creds"]}}


def ensure_tree(base, name, params, seed, pools_cache):
    digest = hashlib.sha256()
    for source in (__file__, corpus.__file__):
        with open(source, "rb") as f:
            digest.update(f.read())
    digest.update(json.dumps([GENERATOR_VERSION, params, seed], sort_keys=True).encode())
    stamp_value = digest.hexdigest()
    out = os.path.join(base, "inventory-%s-%d-%d-%s" % (name, params["creds"], params["copies"], params["mb"]))
    stamp = out + ".stamp"
    if os.path.isdir(out) and os.path.exists(stamp):
        with open(stamp) as f:
            saved = json.load(f)
        if saved.get("stamp") == stamp_value:
            return out, saved["manifest"]
    shutil.rmtree(out, ignore_errors=True)
    if not pools_cache and name != "pairs":
        pools_cache["pools"] = corpus.build_pools(corpus.Gen(random.Random(seed)))
    start = time.time()
    manifest = (write_pairs_tree if name == "pairs" else write_tree)(out, params, seed, pools_cache.get("pools"))
    log("  wrote %s: %d files, %.1f MiB, %d credentials x %d in %.1f s" % (
        out, manifest["files"], manifest["bytes"] / 1048576, params["creds"], params["copies"], time.time() - start))
    with open(stamp, "w") as f:
        json.dump({"stamp": stamp_value, "manifest": manifest}, f)
    return out, manifest


# ---------------------------------------------------------------- running


def log(text):
    print(text, file=sys.stderr, flush=True)


def warm(tree):
    for dirpath, _dirs, names in os.walk(tree):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 20):
                    pass


CPU = {}  # the last timed() child's user + system seconds


def timed(args, stdout=subprocess.DEVNULL):
    """Runs args; returns (seconds, peak RSS MiB, exit code, stderr text). CPU["last"]: its CPU seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU["last"] = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode, err.decode(errors="replace")


def remove_store(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def store_bytes(path):
    return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))


def last_scan(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        row = db.execute("SELECT findings, identities, locations, status FROM scans ORDER BY id DESC LIMIT 1").fetchone()
        return {"findings": row[0], "identities": row[1], "locations": row[2], "status": row[3]}
    finally:
        db.close()


def table_sizes(path):
    """Bytes per table and index (dbstat), or {} when this sqlite3 lacks it."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        return {name: size for name, size in rows}
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def parts_per_identity(path):
    """{number of parts: identities with that many} of a datastore."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = db.execute("SELECT n, count(*) FROM (SELECT count(*) AS n FROM identity_parts GROUP BY identity) "
                          "GROUP BY n ORDER BY n").fetchall()
        return {n: count for n, count in rows}
    finally:
        db.close()


def check_rc(what, rc, err):
    if rc not in (0, 1):  # 1: findings reported
        sys.exit("%s failed (exit %d): %s" % (what, rc, err.strip()[-2000:]))


def bench_scan_modes(sprawl, tree, work, runs):
    """Plain scan vs --datastore (new file, rescan) vs --inventory, interleaved."""
    fresh, same = os.path.join(work, "fresh.db"), os.path.join(work, "same.db")
    base = [sprawl, "scan", tree, "--format", "json", "-o", "/dev/null"]
    modes = [("scan", base, None), ("--datastore NEW", base + ["--datastore", fresh], fresh),
             ("--datastore SAME (rescan)", base + ["--datastore", same], None),
             ("--inventory", base + ["--inventory"], None)]
    warm(tree)
    remove_store(same)
    times = {name: [] for name, _args, _fresh in modes}
    cpu = {name: [] for name, _args, _fresh in modes}
    rss = {name: 0.0 for name, _args, _fresh in modes}
    for round_ in range(runs + 1):
        for name, args, new_file in modes:
            if new_file:
                remove_store(new_file)
            seconds, peak, rc, err = timed(args)
            check_rc(name, rc, err)
            if round_ == 0:
                continue  # warm-up
            times[name].append(seconds)
            cpu[name].append(CPU["last"])
            rss[name] = max(rss[name], peak)
    counts = last_scan(fresh)
    base_median = statistics.median(times["scan"])
    base_cpu = statistics.median(cpu["scan"])
    rows = []
    for name, _args, _new in modes:
        median = statistics.median(times[name])
        rows.append({"mode": name, "median_s": median, "runs_s": times[name], "ratio": median / base_median,
                     "best_s": min(times[name]), "best_ratio": min(times[name]) / min(times["scan"]),
                     "cpu_s": statistics.median(cpu[name]), "cpu_ratio": statistics.median(cpu[name]) / base_cpu,
                     "peak_rss_mib": rss[name]})
    return {"counts": counts, "rows": rows, "datastore_bytes": store_bytes(fresh)}


def bench_list(sprawl, tree, work, runs):
    store = os.path.join(work, "list.db")
    remove_store(store)
    warm(tree)
    seconds, peak, rc, err = timed([sprawl, "scan", tree, "--format", "json", "-o", "/dev/null", "--datastore", store])
    check_rc("scan --datastore", rc, err)
    counts = last_scan(store)
    db = sqlite3.connect(store)
    some_id = db.execute("SELECT id FROM identities ORDER BY key LIMIT 1 OFFSET 1000").fetchone()[0]
    db.close()
    inv = [sprawl, "inventory", "--datastore", store]
    commands = [("inventory -f json", inv + ["-f", "json", "-o", "/dev/null"]),
                ("inventory (table)", inv + ["-o", "/dev/null"]),
                ("inventory --provider aws (table)", inv + ["--provider", "aws", "-o", "/dev/null"]),
                ("inventory show ID", [sprawl, "inventory", "show", some_id, "--datastore", store]),
                ("inventory diff --since 1", [sprawl, "inventory", "diff", "--since", "1", "--datastore", store])]
    rows = []
    for name, args in commands:
        samples, peak_max = [], 0.0
        for round_ in range(runs + 1):
            t, peak, rc, err = timed(args)
            if rc != 0:
                sys.exit("%s failed (exit %d): %s" % (name, rc, err.strip()[-2000:]))
            if round_:
                samples.append(t)
                peak_max = max(peak_max, peak)
        rows.append({"command": name, "median_s": statistics.median(samples), "runs_s": samples,
                     "peak_rss_mib": peak_max})
    return {"counts": counts, "scan_s": seconds, "scan_peak_rss_mib": peak, "rows": rows,
            "datastore_bytes": store_bytes(store)}


def bench_size(sprawl, tree, work):
    store = os.path.join(work, "size.db")
    remove_store(store)
    warm(tree)
    plain_s, plain_rss, rc, err = timed([sprawl, "scan", tree, "--format", "json", "-o", "/dev/null"])
    check_rc("scan", rc, err)
    seconds, peak, rc, err = timed([sprawl, "scan", tree, "--format", "json", "-o", "/dev/null", "--datastore", store])
    check_rc("scan --datastore", rc, err)
    counts = last_scan(store)
    size = store_bytes(store)
    return {"counts": counts, "scan_s": plain_s, "scan_peak_rss_mib": plain_rss, "record_scan_s": seconds,
            "record_peak_rss_mib": peak, "datastore_bytes": size,
            "bytes_per_location": size / max(1, counts["locations"]),
            "mb_per_million_locations": size / max(1, counts["locations"]) * 1e6 / 1048576,
            "tables": table_sizes(store)}


# ---------------------------------------------------------------- report


def print_scan_table(title, tree, result):
    c = result["counts"]
    print("\n%s: %s (%d files, %.0f MiB, %d credentials x %d) -> %d findings, %d identities, %d locations" % (
        title, tree["path"], tree["files"], tree["bytes"] / 1048576, tree["credentials"], tree["copies"],
        c["findings"], c["identities"], c["locations"]))
    print("| run | median wall (s) | runs (s) | wall ratio | best ratio | median CPU (s) | CPU ratio | peak RSS MiB |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        print("| %s | %.2f | %s | %.3f | %.3f | %.2f | %.3f | %.0f |" % (
            row["mode"], row["median_s"], " ".join("%.2f" % t for t in row["runs_s"]), row["ratio"],
            row["best_ratio"], row["cpu_s"], row["cpu_ratio"], row["peak_rss_mib"]))
    print("datastore: %.1f MiB" % (result["datastore_bytes"] / 1048576))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="record,sparse,list,size,pairs")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copies", type=int, default=4, help="files per credential (record, sparse)")
    ap.add_argument("--record-creds", type=int, default=25000)
    ap.add_argument("--record-mb", type=int, default=256)
    ap.add_argument("--record-files", type=int, default=4000)
    ap.add_argument("--sparse-creds", type=int, default=2500)
    ap.add_argument("--sparse-mb", type=int, default=1024)
    ap.add_argument("--sparse-files", type=int, default=16000)
    ap.add_argument("--list-creds", type=int, default=50000)
    ap.add_argument("--size-creds", type=int, default=250000)
    ap.add_argument("--size-copies", type=int, default=4)
    ap.add_argument("--pairs-creds", type=int, default=1000)
    ap.add_argument("--pairs-files", type=int, default=100)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()

    sprawl = os.environ.get("SPRAWL_BIN", "build/sprawl")
    if not os.path.isabs(sprawl):
        sprawl = os.path.join(ROOT, sprawl)
    if not os.access(sprawl, os.X_OK):
        sys.exit("no sprawl binary at %s (set SPRAWL_BIN)" % sprawl)
    base = os.environ.get("SPRAWL_BENCH_DIR", "/tmp/sprawl-bench")
    work = os.path.join(base, "inventory-work")
    os.makedirs(work, exist_ok=True)
    only = a.only.split(",")
    pools = {}
    results = {"sprawl": sprawl, "nproc": os.cpu_count(), "seed": a.seed, "runs": a.runs}
    for name in only:
        params = tree_params(a, name)
        log("%s: tree" % name)
        path, manifest = ensure_tree(base, name, params, a.seed, pools)
        tree = dict(manifest, path=path)
        log("%s: timing" % name)
        if name in ("record", "sparse", "pairs"):
            result = bench_scan_modes(sprawl, path, work, a.runs)
            print_scan_table("scan + datastore (%s)" % name, tree, result)
            if name == "pairs":
                result["parts_per_identity"] = parts_per_identity(os.path.join(work, "fresh.db"))
                print("parts per identity: %s" % ", ".join(
                    "%d parts: %d identities" % item for item in sorted(result["parts_per_identity"].items())))
        elif name == "list":
            result = bench_list(sprawl, path, work, a.runs)
            c = result["counts"]
            print("\ninventory of %d identities (%d locations; recorded by a %.2f s scan, %.1f MiB datastore)" % (
                c["identities"], c["locations"], result["scan_s"], result["datastore_bytes"] / 1048576))
            print("| command | median (s) | runs (s) | peak RSS MiB |")
            print("|---|---:|---|---:|")
            for row in result["rows"]:
                print("| %s | %.3f | %s | %.0f |" % (row["command"], row["median_s"],
                                                    " ".join("%.3f" % t for t in row["runs_s"]), row["peak_rss_mib"]))
        elif name == "size":
            result = bench_size(sprawl, path, work)
            c = result["counts"]
            print("\ndatastore size: %d identities, %d locations, %d findings -> %.1f MiB, %.0f bytes/location, "
                  "%.0f MiB per million locations" % (c["identities"], c["locations"], c["findings"],
                                                      result["datastore_bytes"] / 1048576,
                                                      result["bytes_per_location"],
                                                      result["mb_per_million_locations"]))
            print("scan %.2f s (%.0f MiB RSS); with --datastore %.2f s (%.0f MiB RSS)" % (
                result["scan_s"], result["scan_peak_rss_mib"], result["record_scan_s"], result["record_peak_rss_mib"]))
            for table, size in list(result["tables"].items())[:8]:
                print("  %-32s %8.1f MiB" % (table, size / 1048576))
        else:
            sys.exit("unknown benchmark %r" % name)
        results[name] = dict(result, tree=tree)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
