#!/usr/bin/env python3
"""Generate a synthetic git repository with a long history, for history-scan benchmarks.

    gen_git_history.py OUT_DIR [--commits 10000] [--files 3000] [--seed 1] [--bare]
                       [--secrets N] [--manifest PATH] [--repack gc|full|none]

One `git fast-import` process receives the whole history on its standard input (no git process
per commit), so 10,000 commits take seconds.  The history:

- a tree of --files source-like files (Python, JavaScript, Go, Java, YAML, JSON, Markdown lines
  from gen_throughput_corpus.py's pools), 2 KB - 300 KB each (log-normal, median 10 KB), in nested
  directories up to five levels deep; about a third of them are in the first commit, the rest
  are added in batches over the first fifth of the history;
- each commit edits 1-3 files, changing, inserting or deleting a few lines; some files are "hot"
  (edit weights are Pareto-distributed), so after packing their versions form deep delta chains;
- now and then a file is added, deleted or renamed;
- feature branches (up to three open at a time) with their own commits, most merged back into
  main with a merge commit, some left unmerged; an annotated tag about every 400 commits and a
  few lightweight tags;
- --secrets planted fake credentials (default: one per 200 commits): AWS access key id +
  secret key, GitHub, Slack, Stripe, Google API and OpenAI keys, RSA / EC / OpenSSH / PKCS#8
  private keys; each is added on main, into an existing file or a new file, and most are
  removed again 10-800 commits later (the rest are still at HEAD).

At the end the repository is packed (--repack gc: `git gc`, which keeps fast-import's deltas and
finds deltas for the rest; full: `git repack -adf --depth=50 --window=250`, much slower).

The manifest (default OUT_DIR.manifest.json, beside the repository so that it is never part of
a scan of it) lists every planted secret: kind, value, path, 1-based line, the commit that
introduced it, the blob id of the file at that commit, and the commit that removed it (null
when it is still at HEAD).  AWS pairs are two entries with the same commit.  The same seed and
options give the same commit ids.
"""

import argparse
import bisect
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
import fakekeys  # noqa: E402
import gen_throughput_corpus as gtc  # noqa: E402

GENERATOR_VERSION = 1
EPOCH = 1577836800  # 2020-01-01T00:00:00Z, the first commit's date

AUTHORS = [
    ("Alice Martin", "alice@acme.example"), ("Bob Chen", "bob.chen@acme.example"),
    ("Carla Rossi", "carla@acme.example"), ("Dmitri Volkov", "dvolkov@acme.example"),
    ("Emeka Obi", "emeka.obi@acme.example"), ("Fatima Zahra", "fzahra@acme.example"),
    ("Grace Kim", "grace.kim@acme.example"), ("Hiro Tanaka", "hiro@acme.example"),
    ("Ines Duarte", "ines@acme.example"), ("Jonas Berg", "jonas.berg@acme.example"),
    ("Kavya Iyer", "kavya@acme.example"), ("Liam Walsh", "liam.walsh@acme.example"),
    ("build-bot", "ci@acme.example"),
]
LANG_BY_EXT = {ext: (name, header) for name, ext, _w, _fn, header in gtc.LANGS}


# ---------------------------------------------------------------- fast-import stream


class FastImport:
    """Records the history, then writes it to `git fast-import` in two parts: first every blob,
    each right after the version it was edited from, then the commits, which name blobs by mark.

    fast-import stores a blob as a delta against the blob written just before it, so this
    order gives the pack the delta chains of real history (one edit per link) without a
    `git repack -f`; writing each blob inline in its commit would delta it against an
    unrelated file."""

    def __init__(self):
        self.ops = []  # bytes, or (path, File) for a file modification

    def data(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.ops.append(b"data %d\n%s\n" % (len(payload), payload))

    def commit(self, ref, mark, who, when, message, parent=None, merge=None):
        ident = "%s <%s> %d +0000" % (who[0], who[1], when)
        self.ops.append(("commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (ref, mark, ident, ident)).encode())
        self.data(message)
        if parent is not None:
            self.ops.append(b"from :%d\n" % parent)
        if merge is not None:
            self.ops.append(b"merge :%d\n" % merge)

    def modify(self, path, f):
        self.ops.append((path, f))

    def delete(self, path):
        self.ops.append(("D %s\n" % path).encode())

    def rename(self, old, new):
        self.ops.append(('R "%s" "%s"\n' % (old, new)).encode())

    def tag(self, name, mark, who, when, message):
        self.ops.append(("tag %s\nfrom :%d\ntagger %s <%s> %d +0000\n" % (name, mark, who[0], who[1], when)).encode())
        self.data(message)

    def lightweight_tag(self, name, mark):
        self.ops.append(("reset refs/tags/%s\nfrom :%d\n\n" % (name, mark)).encode())

    def blob_order(self):
        """Every modified File once, depth-first along the edit lineage (parent before child)."""
        files = {}
        for op in self.ops:
            if isinstance(op, tuple):
                files[id(op[1])] = op[1]
        children, roots = {}, []
        for f in files.values():
            if f.parent is not None and id(f.parent) in files:
                children.setdefault(id(f.parent), []).append(f)
            else:
                roots.append(f)
        order, stack = [], roots[::-1]
        while stack:
            f = stack.pop()
            order.append(f)
            stack.extend(children.get(id(f), ())[::-1])
        return order

    def run(self, git_dir, marks_file, first_blob_mark):
        """Feed everything to git fast-import; returns the number of blob bytes written."""
        proc = subprocess.Popen(["git", "--git-dir", git_dir, "fast-import", "--quiet", "--depth=50",
                                 "--export-marks=" + marks_file], stdin=subprocess.PIPE, bufsize=1 << 20)
        out = proc.stdin
        marks = {}
        nbytes = 0
        for f in self.blob_order():
            mark = first_blob_mark + len(marks)
            marks[id(f)] = mark
            content = f.content()
            nbytes += len(content)
            out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(content), content))
        for op in self.ops:
            if isinstance(op, tuple):
                out.write(b"M 100644 :%d %s\n" % (marks[id(op[1])], op[0].encode()))
            else:
                out.write(op)
        out.close()
        if proc.wait() != 0:
            raise SystemExit("git fast-import failed")
        return nbytes


# ---------------------------------------------------------------- file contents


class File:
    """One file version: its language and its lines (elements may hold several lines).
    Never mutated: an edit makes a new File, so branches can share versions."""

    __slots__ = ("lang", "lines", "secrets", "parent")

    def __init__(self, lang, lines, secrets=(), parent=None):
        self.lang = lang
        self.lines = lines
        self.secrets = secrets  # elements holding live planted secrets: edits leave them alone
        self.parent = parent    # the version this one was edited from

    def content(self):
        return ("\n".join(self.lines) + "\n").encode()

    def line_of(self, index):
        return 1 + sum(el.count("\n") + 1 for el in self.lines[:index])


class Content:
    """Draws file contents and edits from per-language line pools."""

    def __init__(self, rng):
        self.r = rng
        self.g = gtc.Gen(rng)
        self.pools = gtc.build_pools(self.g)
        g = self.g
        self.pools["env"] = ["%s=%s" % (g.upper(), g.strlit().replace(" ", "_")) for _ in range(2000)]

    def new_file(self, ext, size):
        lang, header = LANG_BY_EXT[ext]
        lines = (header % self.g.sent()).rstrip("\n").split("\n")
        lines += self.r.choices(self.pools[lang], k=max(size // 40, 8))
        return File(lang, lines)

    def edit(self, f):
        """A few hunks: replace, insert or delete 1-5 lines; planted secrets are kept."""
        r, pool = self.r, self.pools.get(f.lang)
        if not pool:
            return f  # a planted key file: left alone until the key is removed
        lines = list(f.lines)
        for _ in range(r.choice((1, 1, 1, 2, 2, 3))):
            i = r.randrange(len(lines) + 1)
            k = r.randint(1, 5)
            op = r.random()
            if op < 0.35 or len(lines) < 20:
                lines[i:i] = r.choices(pool, k=k)
                continue
            doomed = [j for j in range(i, min(i + k, len(lines))) if lines[j] not in f.secrets]
            for j in reversed(doomed):
                if op < 0.75:
                    lines[j] = r.choice(pool)
                else:
                    del lines[j]
        return File(f.lang, lines, f.secrets, parent=f)


# ---------------------------------------------------------------- planted secrets


def secret_values(rng, kind, keys):
    """[(name, value)] for one planted credential; a private key is one ('key', pem) pair."""
    alnum = string.ascii_letters + string.digits
    if kind == "aws":
        return [("aws_access_key_id", "AKIA" + "".join(rng.choices(gtc.AWS_B32, k=16))),
                ("aws_secret_access_key", "".join(rng.choices(gtc.B64, k=40)))]
    if kind == "github":
        return [("github_token", gtc.gh_token(rng, "ghp_"))]
    if kind == "slack":
        return [("slack_bot_token", "xoxb-%d-%d-%s" % (rng.randrange(10 ** 11, 10 ** 12), rng.randrange(10 ** 12, 10 ** 13),
                                                       "".join(rng.choices(alnum, k=24))))]
    if kind == "stripe":
        return [("stripe_secret_key", "sk_live_" + "".join(rng.choices(alnum, k=24)))]
    if kind == "gcp":
        return [("google_api_key", "AIza" + "".join(rng.choices(alnum + "-_", k=35)))]
    if kind == "openai":
        a = alnum + "-_"
        return [("openai_api_key", "sk-proj-" + "".join(rng.choices(a, k=74)) + "T3BlbkFJ" + "".join(rng.choices(a, k=74)))]
    return [("key", keys(kind).strip("\n"))]


def secret_element(lang, name, value):
    """The text of one planted value in the syntax of lang (one list element, maybe multi-line)."""
    if name == "key":
        if lang == "json":
            return '  "private_key": "%s",' % value.replace("\n", "\\n")
        if lang == "yaml":
            return "tls_key: |\n" + "\n".join("  " + ln for ln in value.split("\n"))
        if lang == "markdown":
            return "```\n%s\n```" % value
        if lang in ("go", "javascript"):
            return "const deployKey = `%s`" % value
        if lang == "java":
            return 'private static final String DEPLOY_KEY = "%s";' % value.replace("\n", "\\n")
        if lang == "pem":
            return value
        return 'DEPLOY_KEY = """%s"""' % value
    return {
        "python": '%s = "%s"' % (name.upper(), value),
        "javascript": "const %s = '%s';" % (name, value),
        "go": 'const %s = "%s"' % (name, value),
        "java": 'private static final String %s = "%s";' % (name.upper(), value),
        "yaml": "%s: %s" % (name, value),
        "json": '  "%s": "%s",' % (name, value),
    }.get(lang, "export %s=%s" % (name.upper(), value))


class KeyMaker:
    """Private keys for the planted secrets (RSA keys are slow in pure Python: 1024-bit)."""

    def __init__(self, rng):
        self.r = rng

    def __call__(self, kind):
        r = self.r
        if kind == "rsa-key":
            return fakekeys.pem_rsa_pkcs1(fakekeys.rsa_keypair(r, 1024))
        if kind == "ec-key":
            return fakekeys.pem_ec_sec1(fakekeys.ec_p256_keypair(r))
        if kind == "openssh-key":
            return fakekeys.openssh_ed25519_private(r, fakekeys.ed25519_keypair(r))
        return fakekeys.pem_pkcs8_ec(fakekeys.ec_p256_keypair(r))


VALUE_KINDS = {"aws_access_key_id": "aws-access-key-id", "aws_secret_access_key": "aws-secret-access-key"}
SECRET_KINDS = ["aws", "aws", "github", "github", "slack", "stripe", "gcp", "openai",
                "rsa-key", "ec-key", "openssh-key", "pkcs8-key"]


# ---------------------------------------------------------------- the history


class Branch:
    def __init__(self, name, files, tip, commits_left):
        self.name = name
        self.files = dict(files)  # path -> File, shared with main until edited
        self.changed = {}         # path -> None, in order: what a merge brings into main
        self.tip = tip
        self.commits_left = commits_left


class History:
    def __init__(self, a, fi):
        self.a = a
        self.fi = fi
        self.r = random.Random(a.seed)
        self.content = Content(self.r)
        self.keys = KeyMaker(random.Random(a.seed * 7919 + 3))
        self.main = {}            # path -> File at the tip of main
        self.weight = {}          # path -> edit weight (Pareto: a few hot files)
        self.locked = {}          # path -> branch name: edited on an open branch, main keeps off
        self.branches = []
        self.merged = []          # names of merged branches
        self.mark = 0
        self.main_tip = None
        self.when = EPOCH
        self.commits = 0
        self.planted = []         # manifest entries (commit marks until resolved)
        self.live = []            # (entry group, its file elements, commit count to remove it at)
        self.dirs = self.make_dirs()
        self.unborn = []          # (path, size) still to be added
        self.path_seq = 0
        self._cum = None

    # -- layout

    def make_dirs(self):
        r, w = self.r, gtc.WORDS
        dirs = ["src", "lib", "docs", "config", "deploy", "tools", "services", "web", "tests"]
        while len(dirs) < max(40, self.a.files // 15):
            parent = r.choice(dirs)
            if parent.count("/") < 4:
                dirs.append(parent + "/" + r.choice(w) + ("_" + r.choice(w) if r.random() < 0.3 else ""))
        return sorted(set(dirs))

    def new_path(self, ext=None):
        ext = ext or self.r.choices([l[1] for l in gtc.LANGS], weights=[l[2] for l in gtc.LANGS])[0]
        self.path_seq += 1
        name = self.content.g.snake(2) if ext != "java" else self.content.g.pascal(2)
        return "%s/%s_%d.%s" % (self.r.choice(self.dirs), name, self.path_seq, ext)

    def file_size(self):
        # log-normal, median 10 KB: most source files are small, a few are large
        return int(min(max(self.r.lognormvariate(math.log(10 * 1024), 1.1), 2 * 1024), 300 * 1024))

    # -- picking files to edit

    def pick(self, files, ok):
        """A path of files drawn by edit weight, for which ok(path) holds; None if none found."""
        if self._cum is None:
            self._paths = sorted(self.main)
            self._cum = []
            total = 0.0
            for p in self._paths:
                total += self.weight[p]
                self._cum.append(total)
        for _ in range(30):
            p = self._paths[bisect.bisect(self._cum, self.r.random() * self._cum[-1])]
            if p in files and ok(p):
                return p
        return None

    def main_may_move(self, p):
        """Renames, deletes and new plants keep off files edited on a branch or holding secrets."""
        return p not in self.locked and not self.main[p].secrets

    def set_main(self, path, f):
        if path not in self.main:
            # A few hot files get most edits; large files (data, generated code) fewer.
            size = sum(len(el) + 1 for el in f.lines)
            self.weight[path] = min(self.r.paretovariate(1.1), 200.0) * min(1.0, (32768 / size) ** 0.5)
            self._cum = None
        self.main[path] = f

    def drop_main(self, path):
        del self.main[path]
        del self.weight[path]
        self._cum = None

    # -- commits

    def next_commit(self, ref, message, parent=None, merge=None):
        self.mark += 1
        self.commits += 1
        self.when += self.r.randint(300, 36000)
        self.fi.commit(ref, self.mark, self.r.choice(AUTHORS), self.when, message, parent, merge)
        return self.mark

    def message(self, verb, path):
        return "%s %s\n\n%s.\n" % (verb, path.rsplit("/", 1)[-1], self.content.g.sent().capitalize())

    def main_commit(self, due_secrets):
        r = self.r
        edits = []
        for _ in range(r.choice((1, 1, 1, 2, 2, 3))):
            p = self.pick(self.main, lambda q: q not in self.locked)
            if p and p not in edits:
                edits.append(p)
        msg = self.message("Update", edits[0]) if edits else "Tidy up\n"
        self.next_commit("refs/heads/main", msg)
        self.main_tip = self.mark
        for p in edits:
            f = self.main[p]
            self.main[p] = self.content.edit(f)
            if self.main[p] is not f:
                self.fi.modify(p, self.main[p])
        if self.unborn and r.random() < 0.5:
            for _ in range(min(len(self.unborn), r.randint(1, 20))):
                p, size = self.unborn.pop()
                self.set_main(p, self.content.new_file(p.rsplit(".", 1)[1], size))
                self.fi.modify(p, self.main[p])
        elif r.random() < 0.01:
            p = self.new_path()
            self.set_main(p, self.content.new_file(p.rsplit(".", 1)[1], self.file_size()))
            self.fi.modify(p, self.main[p])
        if r.random() < 0.01:
            self.rename_or_delete()
        for when_removed in due_secrets:
            self.plant(when_removed)
        self.remove_due_secrets()

    def rename_or_delete(self):
        p = self.pick(self.main, self.main_may_move)
        if p is None:
            return
        f = self.main[p]
        w = self.weight[p]
        self.drop_main(p)
        if self.r.random() < 0.3:
            self.fi.delete(p)
            return
        q = "%s/%s" % (self.r.choice(self.dirs), p.rsplit("/", 1)[1])
        if q in self.main or q == p:
            q = self.new_path(p.rsplit(".", 1)[1])
        self.fi.rename(p, q)
        self.set_main(q, f)
        self.weight[q] = w

    # -- branches

    def branch_commit(self, b):
        r = self.r
        ok = lambda p: (p in b.changed) or (p not in self.locked and p in self.main
                                            and self.main[p] is b.files[p] and not b.files[p].secrets)
        edits = []
        for _ in range(r.choice((1, 1, 2))):
            p = r.choice(list(b.changed)) if b.changed and r.random() < 0.4 else self.pick(b.files, ok)
            if p and p not in edits:
                edits.append(p)
        if not edits or r.random() < 0.05:
            p = self.new_path()
            b.files[p] = self.content.new_file(p.rsplit(".", 1)[1], self.file_size() // 2)
            edits = [p]
        else:
            edits = [(p, self.content.edit(b.files[p])) for p in edits]
            for p, f in edits:
                b.files[p] = f
            edits = [p for p, _ in edits]
        b.tip = self.next_commit("refs/heads/" + b.name, self.message("Change", edits[0]), parent=b.tip)
        for p in edits:
            b.changed[p] = None
            self.locked[p] = b.name
            self.fi.modify(p, b.files[p])
        b.commits_left -= 1

    def close_branch(self, b):
        self.branches.remove(b)
        for p in b.changed:
            del self.locked[p]
        if self.r.random() < 0.15:
            return  # left unmerged: the ref stays
        self.merged.append(b.name)  # its ref is deleted after the import, as after a pull request
        self.next_commit("refs/heads/main", "Merge branch '%s'\n" % b.name, merge=b.tip)
        self.main_tip = self.mark
        for p in b.changed:
            self.set_main(p, b.files[p])
            self.fi.modify(p, b.files[p])

    # -- secrets

    def plant(self, when_removed):
        r = self.r
        kind = r.choice(SECRET_KINDS)
        pairs = secret_values(r, kind, self.keys)
        target = self.pick(self.main, self.main_may_move) if r.random() < 0.7 else None
        if target is not None:
            f = self.main[target]
            lang = f.lang
            elements = [secret_element(lang, n, v) for n, v in pairs]
            i = r.randrange(len(f.lines) // 2 + 1) + 4
            lines = list(f.lines)
            lines[i:i] = elements
            new_file = False
        else:
            if kind.endswith("-key"):
                target, lang = "deploy/keys/%s_%d.pem" % (kind.split("-")[0], self.path_seq + 1), "pem"
                self.path_seq += 1
            else:
                target = self.new_path(r.choice(["yaml", "json", "py", "env"])) if r.random() < 0.7 else \
                    "config/.env.%s_%d" % (r.choice(gtc.WORDS), self.path_seq + 1)
                lang = LANG_BY_EXT.get(target.rsplit(".", 1)[-1], ("env", ""))[0]
            elements = [secret_element(lang, n, v) for n, v in pairs]
            filler = r.choices(self.content.pools.get(lang, self.content.pools["yaml"]), k=r.randint(3, 30))
            lines = ([] if lang == "pem" else filler[:2]) + elements + ([] if lang == "pem" else filler[2:])
            i = lines.index(elements[0])
            new_file = True
        f = File(lang, lines, secrets=frozenset(elements), parent=None if new_file else self.main[target])
        self.set_main(target, f)
        self.fi.modify(target, f)
        group = []
        for (name, value), el in zip(pairs, elements):
            k = lines.index(el)
            line = f.line_of(k) + (el[:el.find(value[:12])].count("\n") if name == "key" else 0)
            group.append({"kind": VALUE_KINDS.get(name, kind),
                          "value": value, "path": target, "line": line, "commit": self.mark,
                          "removed_in": None, "new_file": new_file})
        self.planted += group
        self.live.append((group, frozenset(elements), when_removed))

    def remove_due_secrets(self):
        for item in list(self.live):
            group, elements, when_removed = item
            if when_removed is None or self.commits < when_removed:
                continue
            path = group[0]["path"]
            f = self.main[path]
            if group[0]["new_file"] and (f.lang == "pem" or self.r.random() < 0.6):
                self.drop_main(path)
                self.fi.delete(path)
            else:
                lines = [el for el in f.lines if el not in elements]
                self.main[path] = File(f.lang, lines, f.secrets - elements, parent=f)
                self.fi.modify(path, self.main[path])
            for e in group:
                e["removed_in"] = self.mark
            self.live.remove(item)

    # -- the whole history

    def run(self):
        a, r = self.a, self.r
        sizes = [(self.new_path(), self.file_size()) for _ in range(a.files)]
        first, self.unborn = sizes[: a.files // 3], sizes[a.files // 3:][::-1]
        self.next_commit("refs/heads/main", "Initial import\n")
        self.main_tip = self.mark
        for p, size in first:
            self.set_main(p, self.content.new_file(p.rsplit(".", 1)[1], size))
            self.fi.modify(p, self.main[p])
        # Secrets are planted on main at these commit counts (after the files are all added:
        # a plant needs a file to go into) and most are removed 10-800 commits later.
        start = a.commits // 5
        plant_at = sorted(r.randrange(start, a.commits) for _ in range(a.secrets))
        removal = [None if r.random() < 0.2 else c + r.randint(10, 800) for c in plant_at]
        schedule = list(zip(plant_at, removal))[::-1]
        tags = 0
        while self.commits < a.commits:
            if len(self.branches) < 3 and r.random() < 0.02 and self.commits > start // 2:
                name = "feature/%s-%d" % (self.content.g.snake(2).replace("_", "-"), self.commits)
                self.branches.append(Branch(name, self.main, self.main_tip, r.randint(3, 40)))
            if self.branches and r.random() < 0.35:
                b = r.choice(self.branches)
                self.branch_commit(b)
                if b.commits_left <= 0:
                    self.close_branch(b)
                continue
            due = []
            while schedule and schedule[-1][0] <= self.commits:
                due.append(schedule.pop()[1])
            self.main_commit(due)
            if self.commits // 400 > tags:
                tags = self.commits // 400
                self.fi.tag("v0.%d.0" % tags, self.main_tip, AUTHORS[-1], self.when, "Release 0.%d.0\n" % tags)
                if tags % 5 == 0:
                    self.fi.lightweight_tag("deploy-%d" % tags, self.main_tip)
        for b in list(self.branches):  # still open at the end: left as unmerged branches
            self.branches.remove(b)


# ---------------------------------------------------------------- main


def git(git_dir, *args, **kw):
    return subprocess.run(["git", "--git-dir", git_dir] + list(args), check=True, **kw)


def cat_files(git_dir, specs):
    """Contents of REV:PATH specs (bytes; None when missing) from one `git cat-file --batch`."""
    out = git(git_dir, "cat-file", "--batch", input="".join(s + "\n" for s in specs).encode(),
              stdout=subprocess.PIPE).stdout
    result, pos = [], 0
    for _ in specs:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split()
        if header[-1] == b"missing":
            result.append(None)
            pos = nl + 1
            continue
        size = int(header[2])
        result.append(out[nl + 1:nl + 1 + size])
        pos = nl + 1 + size + 1
    return result


def squash(text):
    """Text without whitespace and literal \\n escapes: how a value is compared with a file."""
    return "".join(text.replace("\\n", "").split())


def resolve_and_verify(git_dir, marks_file, planted):
    """Replace commit marks by commit ids, add the blob id of each secret's file at its commit,
    and check in the repository itself that each secret is where the manifest says."""
    marks = {}
    with open(marks_file) as f:
        for line in f:
            m, sha = line.split()
            marks[int(m[1:])] = sha
    for e in planted:
        e["commit"] = marks[e["commit"]]
        if e["removed_in"] is not None:
            e["removed_in"] = marks[e["removed_in"]]
    specs = ["%s:%s" % (e["commit"], e["path"]) for e in planted]
    out = git(git_dir, "cat-file", "--batch-check=%(objectname)", input="".join(s + "\n" for s in specs).encode(),
              stdout=subprocess.PIPE).stdout.decode().split()
    for e, blob in zip(planted, out):
        e["blob_id"] = blob
    added = cat_files(git_dir, specs)
    removed = cat_files(git_dir, ["%s:%s" % (e["removed_in"] or e["commit"], e["path"]) for e in planted])
    for e, text, after in zip(planted, added, removed):
        text = (text or b"").decode()
        line = text.split("\n")[e["line"] - 1] if text.count("\n") >= e["line"] else ""
        head = e["value"].split("\n")[0]
        if squash(e["value"]) not in squash(text) or head not in line:
            raise SystemExit("internal error: %s not at %s:%s line %d" % (e["kind"], e["commit"], e["path"], e["line"]))
        if e["removed_in"] and after is not None and squash(e["value"]) in squash(after.decode()):
            raise SystemExit("internal error: %s still in %s:%s" % (e["kind"], e["removed_in"], e["path"]))
    return marks


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secrets", type=int, help="planted credentials (default: commits / 200, at least 10)")
    ap.add_argument("--bare", action="store_true", help="a bare repository (default: with a work tree)")
    ap.add_argument("--manifest", help="default: OUT_DIR.manifest.json")
    ap.add_argument("--repack", choices=["gc", "full", "none"], default="gc")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.secrets is None:
        a.secrets = max(10, a.commits // 200)
    out = os.path.abspath(a.out_dir)
    manifest_path = a.manifest or out.rstrip("/") + ".manifest.json"
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit("%s exists and is not empty" % out)

    t0 = time.time()
    subprocess.run(["git", "init", "-q", "-b", "main"] + (["--bare"] if a.bare else []) + [out], check=True)
    git_dir = out if a.bare else os.path.join(out, ".git")
    git(git_dir, "config", "gc.auto", "0")
    marks_file = os.path.join(git_dir, "fast-import.marks")
    fi = FastImport()
    h = History(a, fi)
    h.run()
    t_sim = time.time() - t0
    blob_bytes = fi.run(git_dir, marks_file, h.mark + 1)
    git(git_dir, "update-ref", "--stdin", input="".join("delete refs/heads/%s\n" % b for b in h.merged).encode())
    t_import = time.time() - t0
    if a.repack == "gc":
        git(git_dir, "gc", "--quiet")
    elif a.repack == "full":
        git(git_dir, "repack", "-adfq", "--depth=50", "--window=250")
    t_pack = time.time() - t0 - t_import
    if not a.bare:
        subprocess.run(["git", "-C", out, "reset", "-q", "--hard", "main"], check=True)
    marks = resolve_and_verify(git_dir, marks_file, h.planted)
    os.remove(marks_file)

    manifest = {
        "generator": "gen_git_history.py",
        "generator_version": GENERATOR_VERSION,
        "seed": a.seed,
        "commits": h.commits,
        "files": a.files,
        "bare": a.bare,
        "repository": out,
        "head": marks[h.main_tip],
        "blob_bytes_written": blob_bytes,
        "planted_secrets": len(h.planted),
        "planted": h.planted,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    if not a.quiet:
        print("%d commits, %d planted secret values, %.0f MB of blobs: history %.1f s, fast-import %.1f s, %s %.1f s -> %s"
              % (h.commits, len(h.planted), blob_bytes / 1048576, t_sim, t_import - t_sim, a.repack, t_pack, out))


if __name__ == "__main__":
    main()
