#!/usr/bin/env python3
"""Score sprawl's findings on a quality corpus against its ground truth.

    score_quality.py CORPUS_DIR [--sprawl build/sprawl] [--findings FILE] [--json OUT] [--check]

Runs `sprawl scan CORPUS_DIR --format json --show-secrets` (or reads an existing JSON report with
--findings), then matches findings to CORPUS_DIR/ground_truth.jsonl:

  * a finding matches a planted secret when it is in the same file, its lines overlap the
    secret's lines (for one-line secrets: the same line) and one secret contains the other
    (compared without whitespace and without literal \\n / \\r escapes, so a private key found
    inside a JSON string or an indented YAML block still matches; the finding side must keep at
    least 8 characters);
  * several findings of one planted secret count once (one true positive);
  * findings that match nothing are false positives; findings on the same line whose secrets
    contain one another count as one.  A false positive is attributed to a family by its rule's
    provider (see PROVIDER_FAMILY), or by its rule id / nhi_type when the provider is generic.

Prints recall and precision per family and overall, the missed secrets and the false positives
(annotated with the hard-negative kind when the generator recorded one at that spot).
--check exits 1 when overall recall or precision is below --min-recall / --min-precision (0.95).
Findings inside the generator's own metadata files (ground_truth.jsonl, ...) are ignored.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

META_FILES = {"ground_truth.jsonl", "hard_negatives.jsonl", "MANIFEST.json"}

# provider (lowercase, alphanumerics only) -> ground-truth family
PROVIDER_FAMILY = {
    "aws": "aws", "amazon": "aws", "amazonwebservices": "aws",
    "gcp": "gcp", "google": "gcp", "googlecloud": "gcp", "firebase": "gcp",
    "azure": "azure", "microsoft": "azure", "microsoftazure": "azure",
    "github": "github", "gitlab": "gitlab", "npm": "npm", "pypi": "pypi",
    "docker": "docker", "dockerhub": "docker",
    "slack": "slack", "discord": "discord", "telegram": "telegram", "twilio": "twilio",
    "sendgrid": "sendgrid", "twiliosendgrid": "sendgrid", "mailgun": "mailgun", "mailchimp": "mailchimp",
    "stripe": "stripe", "square": "square", "shopify": "shopify", "datadog": "datadog",
    "newrelic": "newrelic", "sentry": "sentry", "grafana": "grafana", "grafanalabs": "grafana",
    "openai": "openai", "anthropic": "anthropic", "huggingface": "huggingface", "replicate": "replicate",
    "groq": "groq",
    "postgres": "database", "postgresql": "database", "mysql": "database", "mongodb": "database",
    "mongo": "database", "redis": "database", "rabbitmq": "database", "amqp": "database",
    "jdbc": "database", "sqlserver": "database", "mssql": "database", "database": "database",
    "jwt": "jwt",
}
GENERIC_PROVIDERS = {"", "generic", "unknown", "none"}
DB_WORDS = ("postgres", "mysql", "mongo", "redis", "amqp", "rabbit", "jdbc", "database", "connection-string", "pgpass")


def norm(s):
    s = s.replace("\\n", "").replace("\\r", "")
    return re.sub(r"\s+", "", s)


def alnum(s):
    return re.sub(r"[^a-z0-9]", "", (s or "").lower())


def family_of(f):
    p = alnum(f.get("provider"))
    if p in PROVIDER_FAMILY:
        return PROVIDER_FAMILY[p]
    rid = (f.get("rule_id") or "").lower()
    nhi = (f.get("nhi_type") or "").lower()
    if "jwt" in rid:
        return "jwt"
    if nhi == "private_key" or "private-key" in rid or "privatekey" in rid:
        return "private-key"
    if nhi == "connection_string" or any(w in rid for w in DB_WORDS):
        return "database"
    if p not in GENERIC_PROVIDERS:
        return p
    for key, fam in PROVIDER_FAMILY.items():
        if len(key) > 3 and key in alnum(rid):
            return fam
    return "generic"


def rel_path(path, corpus_arg):
    pre = corpus_arg.rstrip("/") + "/"
    if path.startswith(pre):
        return path[len(pre):]
    if path.startswith("./") and ("./" + path[2:]).startswith(pre):
        return path[len(pre):]
    try:
        r = os.path.relpath(os.path.abspath(path), os.path.abspath(corpus_arg))
        if not r.startswith(".."):
            return r.replace(os.sep, "/")
    except ValueError:
        pass
    return path


def load_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def run_sprawl(sprawl, corpus, threads):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
        out = tf.name
    argv = [sprawl, "scan", corpus, "--format", "json", "--show-secrets", "--output", out]
    if threads:
        argv += ["--threads", str(threads)]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with open(out) as f:
            text = f.read()
    finally:
        os.unlink(out)
    if not text.strip():
        text = p.stdout.decode(errors="replace")
    if p.returncode not in (0, 1):
        print("warning: sprawl exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[-500:]), file=sys.stderr)
    try:
        return json.loads(text), p.returncode, argv
    except ValueError as e:
        print("error: could not parse sprawl output as JSON (%s); stderr: %s" % (e, p.stderr.decode(errors="replace")[-500:]), file=sys.stderr)
        return None, p.returncode, argv


def preview(s, n=32):
    s = s.replace("\r", "\\r").replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + "...(%d)" % len(s)


def score(truth, findings, negatives, corpus_arg):
    for i, t in enumerate(truth):
        t["_id"] = i
        t["_n"] = norm(t["secret"])
        t["_end"] = t["line"] + t["secret"].count("\n")
    by_path = {}
    for t in truth:
        by_path.setdefault(t["path"], []).append(t)
    neg_by_path = {}
    for n in negatives:
        n["_n"] = norm(n["value"])
        n["_end"] = n["line"] + n["value"].count("\n")
        neg_by_path.setdefault(n["path"], []).append(n)

    matched = {}      # truth id -> list of findings
    fps = []          # groups: dict(path, line, secret, rules, family, neg)
    ignored = 0
    redacted = 0
    for f in findings:
        rp = rel_path(f.get("path", ""), corpus_arg)
        if rp in META_FILES:
            ignored += 1
            continue
        line = int(f.get("line") or 0)
        end = int(f.get("end_line") or line)
        sec = f.get("secret") or ""
        if f.get("redacted"):
            redacted += 1
        ns = norm(sec)
        hit = None
        for t in by_path.get(rp, ()):
            if end < t["line"] or line > t["_end"]:
                continue
            if f.get("redacted"):
                hit = t
                break
            if (t["_n"] in ns) or (len(ns) >= 8 and ns in t["_n"]):
                hit = t
                break
        if hit is not None:
            matched.setdefault(hit["_id"], []).append(f)
            continue
        # unmatched: merge with a false positive on the same line whose secret contains / is contained
        for g in fps:
            if g["path"] == rp and g["line"] == line and (g["_n"] in ns or ns in g["_n"]):
                if f.get("rule_id") not in g["rules"]:
                    g["rules"].append(f.get("rule_id"))
                if len(ns) > len(g["_n"]):
                    g["_n"], g["secret"] = ns, sec
                break
        else:
            neg = None
            for n in neg_by_path.get(rp, ()):
                if end < n["line"] or line > n["_end"]:
                    continue
                if n["_n"] in ns or (len(ns) >= 4 and ns in n["_n"]):
                    neg = n["kind"]
                    break
            fps.append({"path": rp, "line": line, "secret": sec, "_n": ns, "rules": [f.get("rule_id")],
                        "provider": f.get("provider"), "family": family_of(f), "hard_negative": neg})

    fams = {}
    for t in truth:
        d = fams.setdefault(t["family"], {"truth": 0, "tp": 0, "fp": 0})
        d["truth"] += 1
        if t["_id"] in matched:
            d["tp"] += 1
    for g in fps:
        fams.setdefault(g["family"], {"truth": 0, "tp": 0, "fp": 0})["fp"] += 1

    def ratios(d):
        d["recall"] = d["tp"] / d["truth"] if d["truth"] else None
        d["precision"] = d["tp"] / (d["tp"] + d["fp"]) if (d["tp"] + d["fp"]) else None
        return d

    for d in fams.values():
        ratios(d)
    overall = ratios({"truth": len(truth), "tp": len(matched), "fp": len(fps)})
    missed = [t for t in truth if t["_id"] not in matched]
    return overall, fams, missed, fps, matched, ignored, redacted


def pct(v):
    return "  n/a" if v is None else "%5.1f%%" % (100 * v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--sprawl", default=os.path.join(os.environ.get("BUILD_DIR", "build"), "sprawl"))
    ap.add_argument("--findings", help="score this sprawl JSON report instead of running sprawl")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", help="write the numbers, misses and false positives to this file")
    ap.add_argument("--check", action="store_true", help="exit 1 if overall recall or precision is below the minimum")
    ap.add_argument("--min-recall", type=float, default=0.95)
    ap.add_argument("--min-precision", type=float, default=0.95)
    ap.add_argument("--max-list", type=int, default=400, help="list at most this many misses / false positives")
    a = ap.parse_args()

    truth = load_jsonl(os.path.join(a.corpus, "ground_truth.jsonl"))
    if not truth:
        print("error: %s/ground_truth.jsonl is missing or empty" % a.corpus, file=sys.stderr)
        return 2
    negatives = load_jsonl(os.path.join(a.corpus, "hard_negatives.jsonl"))

    if a.findings:
        with open(a.findings) as f:
            txt = f.read()
        try:
            report = json.loads(txt)
        except ValueError:  # jsonl
            objs = [json.loads(l) for l in txt.splitlines() if l.strip()]
            report = {"findings": [o for o in objs if o.get("type") == "finding"],
                      "summary": next((o for o in objs if o.get("type") == "summary"), None),
                      "skipped": [o for o in objs if o.get("type") == "skipped"],
                      "errors": [o for o in objs if o.get("type") == "error"]}
        rc = None
        corpus_arg = a.corpus
    else:
        if not os.access(a.sprawl, os.X_OK):
            print("error: %s not found or not executable (--sprawl or BUILD_DIR)" % a.sprawl, file=sys.stderr)
            return 2
        report, rc, argv = run_sprawl(a.sprawl, a.corpus, a.threads)
        if report is None:
            return 2
        corpus_arg = a.corpus
        print("ran: %s (exit %s)" % (" ".join(argv), rc))

    findings = report.get("findings") or []
    overall, fams, missed, fps, matched, ignored, redacted = score(truth, findings, negatives, corpus_arg)
    skipped = {rel_path(s.get("path", ""), corpus_arg): s.get("reason") for s in (report.get("skipped") or [])}
    errors = {rel_path(s.get("path", ""), corpus_arg): s.get("message") for s in (report.get("errors") or [])}

    print()
    print("| family | planted | found | recall | false pos | precision |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in sorted(fams):
        d = fams[name]
        print("| %s | %d | %d | %s | %d | %s |" % (name, d["truth"], d["tp"], pct(d["recall"]), d["fp"], pct(d["precision"])))
    print("| **overall** | %d | %d | %s | %d | %s |" % (overall["truth"], overall["tp"], pct(overall["recall"]), overall["fp"], pct(overall["precision"])))
    print()
    print("%d findings (%d matched planted secrets, %d distinct false positives, %d in metadata files ignored)" % (
        len(findings), sum(len(v) for v in matched.values()), len(fps), ignored))
    if redacted:
        print("warning: %d findings were redacted; they were matched by path and line only (use --show-secrets)" % redacted)
    summ = report.get("summary")
    if summ:
        print("sprawl summary: files_scanned=%s bytes_scanned=%s skipped=%s errors=%s dropped=%s" % (
            summ.get("files_scanned"), summ.get("bytes_scanned"), summ.get("skipped"), summ.get("errors"),
            json.dumps(summ.get("dropped"), sort_keys=True)))

    if missed:
        print("\nMissed (%d):" % len(missed))
        for t in missed[: a.max_list]:
            why = ""
            if t["path"] in skipped:
                why = "  [file skipped: %s]" % skipped[t["path"]]
            elif t["path"] in errors:
                why = "  [file error: %s]" % errors[t["path"]]
            print("  %s:%d  %s/%s  %s%s" % (t["path"], t["line"], t["family"], t.get("kind", ""), preview(t["secret"]), why))
        if len(missed) > a.max_list:
            print("  ... %d more" % (len(missed) - a.max_list))
    if fps:
        print("\nFalse positives (%d):" % len(fps))
        for g in sorted(fps, key=lambda g: (g["path"], g["line"]))[: a.max_list]:
            hn = "  [hard negative: %s]" % g["hard_negative"] if g["hard_negative"] else ""
            print("  %s:%d  %s  (%s)  %s%s" % (g["path"], g["line"], ",".join(str(x) for x in g["rules"]), g["family"], preview(g["secret"]), hn))
        if len(fps) > a.max_list:
            print("  ... %d more" % (len(fps) - a.max_list))

    ok = (overall["recall"] or 0) >= a.min_recall and (overall["precision"] or 0) >= a.min_precision
    if a.json:
        def clean(x):
            return {k: v for k, v in x.items() if not k.startswith("_")}
        out = {"corpus": a.corpus, "overall": overall, "families": fams,
               "missed": [clean(t) for t in missed],
               "false_positives": [clean(g) for g in fps],
               "findings": len(findings), "ignored_meta_findings": ignored, "sprawl_exit": rc,
               "sprawl_summary": summ, "thresholds": {"recall": a.min_recall, "precision": a.min_precision},
               "pass": ok}
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")
    print("\noverall recall %s, precision %s (targets >= %.0f%% / >= %.0f%%): %s" % (
        pct(overall["recall"]).strip(), pct(overall["precision"]).strip(), 100 * a.min_recall, 100 * a.min_precision,
        "PASS" if ok else "FAIL"))
    if a.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
