#!/usr/bin/env python3
"""Generate a reproducible container image for image-scan benchmarks.

    gen_image_corpus.py OUT_DIR [--size-mb 1024] [--layers 8] [--gzip] [--seed 1]

The image holds SIZE_MB of source-like and config text files (1 KiB - 200 KiB each, log-uniform;
the line pools and planted fake secrets of gen_throughput_corpus.py, about one per 5 MB) spread
over N layers of varied size, laid out like an application image (etc/, usr/share/doc/,
usr/lib/python3/, app/node_modules/, app/src/, opt/).  No path is written twice and there are no
whiteouts, so the final filesystem is every file of every layer.  It writes:

  OUT_DIR/image.tar      a `docker save` tarball (<layerid>/layer.tar uncompressed, <config>.json,
                         manifest.json, repositories; members in lexical order, as docker writes them)
  OUT_DIR/image-oci.tar  with --gzip: an OCI image layout tarball with gzip layers
  OUT_DIR/rootfs/        the final filesystem as a plain directory tree
  OUT_DIR/MANIFEST.json  seed, sizes, digests, and the planted secrets (path, line, kind, layer)

so that `sprawl scan OUT_DIR/image.tar` can be compared with `sprawl scan OUT_DIR/rootfs`.
Output is byte-identical for the same seed and sizes (fixed mtimes, gzip without timestamps).
"""

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import random
import shutil
import sys
import tarfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys  # noqa: E402
import gen_throughput_corpus as corpus  # noqa: E402

GENERATOR_VERSION = 1
MTIME = 1704067200  # 2024-01-01T00:00:00Z
CREATED = "2024-01-01T00:00:00Z"
REFERENCE = "bench/app:1.0"
CHUNK = 1 << 20

# Where each language's files live in the image: a directory pattern per language.
ROOTS = {
    "python": "usr/lib/python3/dist-packages/{pkg}/{sub}",
    "javascript": "app/node_modules/{pkg}/lib/{sub}",
    "go": "app/src/{pkg}/{sub}",
    "java": "opt/{pkg}/src/main/java/com/acme/{sub}",
    "yaml": "etc/{pkg}/{sub}",
    "json": "app/config/{pkg}/{sub}",
    "markdown": "usr/share/doc/{pkg}/{sub}",
}


def file_text(g, pools, minified, lang, header, size):
    """One file of about `size` bytes in the style of gen_throughput_corpus.py."""
    rng = g.r
    body = "\n".join(rng.choices(pools[lang], k=size // 40 + 8))
    if lang == "javascript" and rng.random() < 0.08:
        nl = body.find("\n", rng.randrange(len(body) // 2 + 1))
        if nl > 0:
            body = body[: nl + 1] + rng.choice(minified) + body[nl:]
    text = header % g.sent() + body
    if len(text) > size:
        nl = text.rfind("\n", 0, size)
        text = text[: nl + 1] if nl > 0 else text[:size]
    if lang == "json":
        text += '  "end": true\n}\n'
    elif not text.endswith("\n"):
        text += "\n"
    return text


def plant(g, lang, text, private_key_pem):
    """Inserts one fake secret at a line start; returns (text, line, kind)."""
    kind, lines = corpus.make_secret(g, lang, private_key_pem)
    pos = text.rfind("\n", 0, g.r.randrange(len(text))) + 1
    if lang == "json" and pos == 0:
        pos = text.find("\n") + 1
    line = text.count("\n", 0, pos) + 1
    return text[:pos] + "\n".join(lines) + "\n" + text[pos:], line, kind


def tar_info(name, size=0, directory=False):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = MTIME
    info.mode = 0o755 if directory else 0o644
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.uname = info.gname = "root"
    return info


def add_parents(tar, path, seen):
    """Adds the directory entries above `path` that this tar does not hold yet."""
    parts = path.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d)
            tar.addfile(tar_info(d, directory=True))


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


class Generator:
    def __init__(self, seed, size_mb, layer_count, out_dir):
        self.rng = random.Random(seed)
        self.g = corpus.Gen(self.rng)
        self.pools = corpus.build_pools(self.g)
        self.minified = [corpus.js_minified_line(self.g, self.rng.randint(2000, 40000)) for _ in range(32)]
        key = fakekeys.rsa_keypair(random.Random(seed * 7919 + 1), 1024)
        self.private_key_pem = fakekeys.pem_rsa_pkcs1(key)
        self.total = int(size_mb * 1024 * 1024)
        self.layer_count = layer_count
        self.out_dir = out_dir
        self.rootfs = os.path.join(out_dir, "rootfs")
        self.spacing = 5 * 1024 * 1024
        self.next_secret = self.rng.expovariate(1.0 / self.spacing)
        self.written = 0
        self.files = 0
        self.planted = []

    def layer_budgets(self):
        weights = [self.rng.uniform(0.4, 1.6) for _ in range(self.layer_count)]
        budgets = [int(self.total * w / sum(weights)) for w in weights]
        budgets[-1] += self.total - sum(budgets)
        return budgets

    def next_file(self, layer):
        lang, ext, _w, _fn, header = self.rng.choices(corpus.LANGS, weights=[l[2] for l in corpus.LANGS])[0]
        size = int(math.exp(self.rng.uniform(math.log(1024), math.log(200 * 1024))))
        pkg = corpus.WORDS[(self.files // 60 * 7 + layer * 13) % len(corpus.WORDS)]
        sub = corpus.WORDS[(self.files // 12 * 31 + layer) % len(corpus.WORDS)]
        name = (self.g.pascal(2) if lang == "java" else self.g.snake(2)) + "_%d.%s" % (self.files, ext)
        rel = ROOTS[lang].format(pkg=pkg, sub=sub) + "/" + name
        text = file_text(self.g, self.pools, self.minified, lang, header, size)
        while self.next_secret < self.written + len(text):
            text, line, kind = plant(self.g, lang, text, self.private_key_pem)
            self.planted.append({"path": rel, "line": line, "kind": kind, "layer": layer})
            self.next_secret += self.rng.expovariate(1.0 / self.spacing)
        return rel, text.encode()

    def write_layer(self, layer, budget, path):
        """Writes one uncompressed layer tar (and its files below rootfs/) of about `budget` bytes."""
        seen = set()
        end = self.written + budget
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            while self.written < end or (layer == self.layer_count - 1 and self.written < self.total):
                rel, data = self.next_file(layer)
                add_parents(tar, rel, seen)
                tar.addfile(tar_info(rel, len(data)), io.BytesIO(data))
                target = os.path.join(self.rootfs, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(data)
                self.written += len(data)
                self.files += 1


def config_json(diff_ids, layer_count):
    history = [{"created": CREATED, "created_by": "ENV APP_ENV=production", "empty_layer": True}]
    history += [{"created": CREATED, "created_by": "COPY layer-%d/ / # buildkit" % i} for i in range(layer_count)]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_ENV=production"],
            "Cmd": ["/app/bin/server"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.title": "sprawl image benchmark"},
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
        "history": history,
    }
    return json.dumps(config, sort_keys=True, separators=(",", ":")).encode()


def add_bytes(tar, name, data):
    tar.addfile(tar_info(name, len(data)), io.BytesIO(data))


def add_file(tar, name, path):
    with open(path, "rb") as f:
        tar.addfile(tar_info(name, os.path.getsize(path)), f)


def write_tarball(path, members):
    """members: {name: bytes | ("file", path) | None (a directory)}, written in lexical order."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            value = members[name]
            if value is None:
                tar.addfile(tar_info(name.rstrip("/"), directory=True))
            elif isinstance(value, tuple):
                add_file(tar, name, value[1])
            else:
                add_bytes(tar, name, value)


def write_docker_save(path, layer_paths, layer_digests, config):
    config_hex = hashlib.sha256(config).hexdigest()
    members = {config_hex + ".json": config}
    ids, parent = [], ""
    for layer_path, digest in zip(layer_paths, layer_digests):
        layer_id = hashlib.sha256((parent + "\n" + digest).encode()).hexdigest()
        legacy = {"id": layer_id, "created": CREATED, "os": "linux"}
        if parent:
            legacy["parent"] = parent
        members[layer_id + "/"] = None
        members[layer_id + "/VERSION"] = b"1.0"
        members[layer_id + "/json"] = json.dumps(legacy, sort_keys=True, separators=(",", ":")).encode()
        members[layer_id + "/layer.tar"] = ("file", layer_path)
        ids.append(layer_id)
        parent = layer_id
    manifest = [{"Config": config_hex + ".json", "RepoTags": [REFERENCE], "Layers": [i + "/layer.tar" for i in ids]}]
    members["manifest.json"] = json.dumps(manifest, separators=(",", ":")).encode()
    name, tag = REFERENCE.rsplit(":", 1)
    members["repositories"] = json.dumps({name: {tag: parent}}, separators=(",", ":")).encode()
    write_tarball(path, members)


def gzip_file(src, dst):
    with open(src, "rb") as fin, open(dst, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            shutil.copyfileobj(fin, gz, CHUNK)


def write_oci_archive(path, work, layer_paths, config):
    members = {"blobs/": None, "blobs/sha256/": None, "oci-layout": b'{"imageLayoutVersion":"1.0.0"}'}
    descriptors = []
    for i, layer_path in enumerate(layer_paths):
        gz_path = os.path.join(work, "layer%d.tar.gz" % i)
        gzip_file(layer_path, gz_path)
        digest = file_digest(gz_path)
        members["blobs/sha256/" + digest] = ("file", gz_path)
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": "sha256:" + digest, "size": os.path.getsize(gz_path)})
    config_hex = hashlib.sha256(config).hexdigest()
    members["blobs/sha256/" + config_hex] = config
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + config_hex, "size": len(config)},
        "layers": descriptors,
    }, separators=(",", ":")).encode()
    manifest_hex = hashlib.sha256(manifest).hexdigest()
    members["blobs/sha256/" + manifest_hex] = manifest
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + manifest_hex,
        "size": len(manifest), "annotations": {"io.containerd.image.name": REFERENCE,
                                               "org.opencontainers.image.ref.name": REFERENCE.rsplit(":", 1)[1]}}]}
    members["index.json"] = json.dumps(index, separators=(",", ":")).encode()
    write_tarball(path, members)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--size-mb", type=float, default=1024, help="uncompressed bytes of all files (MiB)")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--gzip", action="store_true", help="also write image-oci.tar with gzip layers")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.layers < 1 or a.size_mb <= 0:
        ap.error("--layers must be at least 1 and --size-mb positive")

    t0 = time.time()
    os.makedirs(a.out_dir, exist_ok=True)
    gen = Generator(a.seed, a.size_mb, a.layers, a.out_dir)
    work = os.path.join(a.out_dir, ".work")
    for stale in (gen.rootfs, work):
        shutil.rmtree(stale, ignore_errors=True)
    os.makedirs(work)
    layer_paths, diff_ids = [], []
    for i, budget in enumerate(gen.layer_budgets()):
        layer_paths.append(os.path.join(work, "layer%d.tar" % i))
        gen.write_layer(i, budget, layer_paths[-1])
        diff_ids.append(file_digest(layer_paths[-1]))
    config = config_json(diff_ids, a.layers)
    image = os.path.join(a.out_dir, "image.tar")
    write_docker_save(image, layer_paths, diff_ids, config)
    outputs = {"image.tar": {"bytes": os.path.getsize(image), "sha256": file_digest(image)}}
    oci = os.path.join(a.out_dir, "image-oci.tar")
    if a.gzip:
        write_oci_archive(oci, work, layer_paths, config)
        outputs["image-oci.tar"] = {"bytes": os.path.getsize(oci), "sha256": file_digest(oci)}
    elif os.path.exists(oci):
        os.remove(oci)
    shutil.rmtree(work)

    counts = {}
    for p in gen.planted:
        counts[p["kind"]] = counts.get(p["kind"], 0) + 1
    manifest = {
        "generator": "gen_image_corpus.py", "generator_version": GENERATOR_VERSION, "seed": a.seed,
        "size_mb": a.size_mb, "layers": a.layers, "bytes": gen.written, "files": gen.files,
        "reference": REFERENCE, "config_digest": "sha256:" + hashlib.sha256(config).hexdigest(),
        "diff_ids": ["sha256:" + d for d in diff_ids], "outputs": outputs,
        "planted_secrets": len(gen.planted), "planted_by_kind": counts, "planted": gen.planted,
    }
    with open(os.path.join(a.out_dir, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    extra = ", image-oci.tar %.1f MB" % (outputs["image-oci.tar"]["bytes"] / 1048576) if a.gzip else ""
    print("wrote %d files, %.1f MB in %d layers, %d planted secrets: image.tar %.1f MB%s, rootfs/ in %.1f s -> %s" % (
        gen.files, gen.written / 1048576, a.layers, len(gen.planted), outputs["image.tar"]["bytes"] / 1048576,
        extra, time.time() - t0, a.out_dir))


if __name__ == "__main__":
    main()
