#!/usr/bin/env python3
"""Generate a repository with a large work tree and one staged change, for pre-commit benchmarks.

    gen_staged_repo.py OUT_DIR [--files 100000] [--seed 1]      # create, then stage a secret
    gen_staged_repo.py OUT_DIR --restage secret|clean           # reset and stage again

Creating: one commit of --files source-like files (0.1-64 KB, log-normal, median 1 KB; lines from
gen_throughput_corpus.py's pools) in about --files / 50 nested directories, written with one
`git fast-import`, then `git reset --hard` fills the work tree and the index.

Staging (always after `git reset --hard`, so the state does not depend on what came before):
  secret: one tracked file gets a few new lines, one of them a fake GitHub token, and is
          staged with `git add` (a pre-commit scan must report it: exit code 1);
  clean:  the same file gets a few clean lines and is staged, and a *different* tracked file gets
          a fake AWS key pair that is left unstaged (a scan of staged changes must not see it:
          exit code 0).
OUT_DIR.manifest.json (beside the repository) names the files and the planted values.
"""

import argparse
import json
import math
import os
import random
import string
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_throughput_corpus as gtc  # noqa: E402

GENERATOR_VERSION = 1
LANG_BY_EXT = {ext: (name, header) for name, ext, _w, _fn, header in gtc.LANGS}


def git(repo, *args, **kw):
    return subprocess.run(["git", "-C", repo] + list(args), check=True, **kw)


def make_dirs(rng, n):
    dirs = ["src", "lib", "docs", "config", "services", "web", "tools", "tests"]
    while len(dirs) < n:
        parent = rng.choice(dirs)
        if parent.count("/") < 4:
            dirs.append("%s/%s_%d" % (parent, rng.choice(gtc.WORDS), len(dirs)))
    return dirs


def create(a, out, manifest_path):
    t0 = time.time()
    rng = random.Random(a.seed)
    g = gtc.Gen(rng)
    pools = gtc.build_pools(g)
    exts = [l[1] for l in gtc.LANGS]
    weights = [l[2] for l in gtc.LANGS]
    dirs = make_dirs(rng, max(8, a.files // 50))

    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    git(out, "config", "gc.auto", "0")
    fi = subprocess.Popen(["git", "-C", out, "-c", "pack.compression=1", "fast-import", "--quiet", "--depth=0"],
                          stdin=subprocess.PIPE, bufsize=1 << 20)
    msg = b"Import %d files\n" % a.files
    fi.stdin.write(b"commit refs/heads/main\nauthor Build Bot <ci@acme.example> 1700000000 +0000\n"
                   b"committer Build Bot <ci@acme.example> 1700000000 +0000\ndata %d\n%s" % (len(msg), msg))
    paths = []
    nbytes = 0
    for i in range(a.files):
        ext = rng.choices(exts, weights)[0]
        lang, header = LANG_BY_EXT[ext]
        size = int(min(max(rng.lognormvariate(math.log(768), 1.0), 100), 64 * 1024))
        path = "%s/%s_%d.%s" % (rng.choice(dirs), g.snake(2), i, ext)
        text = (header % g.sent() + "\n".join(rng.choices(pools[lang], k=max(size // 40, 2))) + "\n").encode()
        fi.stdin.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(text), text))
        paths.append(path)
        nbytes += len(text)
    fi.stdin.close()
    if fi.wait() != 0:
        raise SystemExit("git fast-import failed")
    t_import = time.time() - t0
    git(out, "reset", "-q", "--hard", "main")
    t_checkout = time.time() - t0 - t_import

    alnum = string.ascii_letters + string.digits
    py = sorted(p for p in paths if p.endswith(".py"))
    manifest = {
        "generator": "gen_staged_repo.py", "generator_version": GENERATOR_VERSION, "seed": a.seed,
        "files": a.files, "bytes": nbytes, "repository": out,
        "staged_file": py[rng.randrange(len(py))],
        "unstaged_file": py[rng.randrange(len(py))],
        "github_token": gtc.gh_token(rng, "ghp_"),
        "aws_access_key_id": "AKIA" + "".join(rng.choices(gtc.AWS_B32, k=16)),
        "aws_secret_access_key": "".join(rng.choices(alnum + "+/", k=40)),
        "clean_lines": [rng.choice(pools["python"]) for _ in range(3)],
    }
    if manifest["unstaged_file"] == manifest["staged_file"]:
        manifest["unstaged_file"] = py[(py.index(manifest["staged_file"]) + 1) % len(py)]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d files, %.0f MB: fast-import %.1f s, checkout %.1f s -> %s" % (
        a.files, nbytes / 1048576, t_import, t_checkout, out), file=sys.stderr)
    return manifest


def append(path, lines):
    with open(path, "a") as f:
        f.write("\n".join(lines) + "\n")


def stage(repo, manifest, mode):
    """Reset the work tree and index to HEAD, then stage the 'secret' or 'clean' change."""
    git(repo, "reset", "-q", "--hard")
    m = manifest
    staged = os.path.join(repo, m["staged_file"])
    if mode == "secret":
        append(staged, m["clean_lines"][:2] + ['GITHUB_TOKEN = "%s"' % m["github_token"]] + m["clean_lines"][2:])
    else:
        append(staged, m["clean_lines"])
        append(os.path.join(repo, m["unstaged_file"]), ['AWS_ACCESS_KEY_ID = "%s"' % m["aws_access_key_id"],
                                                        'AWS_SECRET_ACCESS_KEY = "%s"' % m["aws_secret_access_key"]])
    git(repo, "add", "--", m["staged_file"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", help="default: OUT_DIR.manifest.json")
    ap.add_argument("--restage", choices=["secret", "clean"], help="stage again in an existing repository")
    a = ap.parse_args()
    out = os.path.abspath(a.out_dir)
    manifest_path = a.manifest or out.rstrip("/") + ".manifest.json"
    if a.restage:
        with open(manifest_path) as f:
            stage(out, json.load(f), a.restage)
        return
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit("%s exists and is not empty" % out)
    stage(out, create(a, out, manifest_path), "secret")


if __name__ == "__main__":
    main()
