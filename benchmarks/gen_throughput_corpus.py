#!/usr/bin/env python3
"""Generate a reproducible source-like corpus for throughput benchmarks.

    gen_throughput_corpus.py OUT_DIR [--size-mb 512] [--seed 1]

The corpus is a tree of Python / JavaScript / Go / Java / YAML / JSON / Markdown-like files,
4 KB - 400 KB each (log-uniform), made of realistic identifiers, string literals, comments,
hex hashes, UUIDs, base64 blobs and, in some JavaScript files, long minified lines.  Fake
secrets are planted sparsely (about one per 5 MB).  OUT_DIR/MANIFEST.json records the size,
file count, seed and the planted secrets (path, line, kind).

Speed: lines are drawn from per-language pools that are built once, so generating 512 MB
takes well under a minute on one core.  Output is byte-identical for the same seed and size.
"""

import argparse
import base64
import json
import math
import os
import random
import string
import sys
import time
import uuid
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys  # noqa: E402

GENERATOR_VERSION = 1

# Words for identifiers. Secret-ish words (key, token, auth, session, hash) are left out so that
# high-entropy literals assigned to generated names do not look like leaked credentials: the only
# findings a scanner should report here are the planted ones.
WORDS = """account action address admin agent alert amount analytics api app archive asset audit backend
balance batch billing blob bucket buffer build bundle cache callback catalog channel checkout
client cluster code column config connection consumer container content context cookie count
credit cursor customer dashboard data database dataset date debug delivery deploy device digest
directory discount document domain download driver email endpoint entity entry environment error
event export factory feature feed field file filter flag format frame gateway graph group handler
header health history host image import index input instance invoice item job label layer layout
ledger limit link list loader locale lock log login manager manifest map market media member
message metadata metric migration mode model module monitor node notification object offset order
owner package page parser partition payload payment peer permission pipeline plan platform plugin
policy pool port post price process product profile project provider proxy query queue quota range
rate reader record region registry release report repository request resource response result
retry role route rule runner sample scheduler schema scope search section segment selector
sequence server service setting shard shipment signal snapshot source span stage state status
storage store stream subscription summary supplier table tag task template tenant thread ticket
timer topic trace transaction transfer trigger upload user validator value vendor version view
volume warehouse webhook widget worker workflow workspace zone""".split()

VERBS = """add apply build check clean close collect compute create decode delete dispatch emit
encode ensure fetch find flush format get handle init load lookup merge migrate normalize notify
open parse prepare process publish push read refresh register reload remove render reset resolve
retry run save schedule send serialize set start stop store submit sync transform update upload
validate verify wait write""".split()

ADJ = """active async base cached current default dirty empty external final first global hidden
internal last legacy local main max min new next old pending primary private public raw remote
shared stale static temp total valid""".split()

SENT = """the value is cached until the next refresh cycle completes
retry with exponential backoff when the upstream returns a transient error
this is kept for backwards compatibility with older clients
make sure the lock is released even if the handler raises
see the design doc for the reasoning behind the batching strategy
the order of these checks matters for performance
TODO remove once all tenants are migrated to the new schema
FIXME this is not thread safe when called from multiple workers
normalize the input before computing the digest
do not log the payload here because it can be very large
fall back to the default region when none is configured
keep in sync with the client library version
the response is paginated so we loop until the cursor is empty
token refresh happens in the background worker
password hashes are computed with a per-user salt
validate the signature before trusting the webhook body""".split("\n")

HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits


class Gen:
    def __init__(self, rng):
        self.r = rng

    def w(self):
        return self.r.choice(WORDS)

    def snake(self, n=None):
        n = n or self.r.randint(1, 3)
        parts = [self.r.choice(ADJ)] if self.r.random() < 0.2 else []
        parts += [self.w() for _ in range(n)]
        return "_".join(parts[:3])

    def camel(self, n=None):
        s = self.snake(n).split("_")
        return s[0] + "".join(p.capitalize() for p in s[1:])

    def pascal(self, n=None):
        return "".join(p.capitalize() for p in self.snake(n).split("_"))

    def func(self):
        return self.r.choice(VERBS) + "_" + self.snake(self.r.randint(1, 2))

    def funcc(self):
        f = self.func().split("_")
        return f[0] + "".join(p.capitalize() for p in f[1:])

    def upper(self):
        return self.snake().upper()

    def hexs(self, n):
        return "".join(self.r.choices(HEX, k=n))

    def uuid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def b64(self, nbytes):
        return base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(nbytes))).decode()

    def sent(self):
        return self.r.choice(SENT)

    def num(self):
        return str(self.r.choice([0, 1, 2, 3, 5, 8, 10, 16, 30, 60, 64, 100, 128, 256, 500, 1000,
                                  1024, 3600, 4096, 8080, 65536]))

    def strlit(self):
        c = self.r.random()
        if c < 0.35:
            return self.sent()[: self.r.randint(8, 50)]
        if c < 0.5:
            return "/api/v%d/%s/%s" % (self.r.randint(1, 3), self.w(), self.w())
        if c < 0.6:
            return self.hexs(self.r.choice([32, 40, 64]))
        if c < 0.7:
            return self.uuid()
        if c < 0.8:
            return "%s.%s" % (self.snake(), self.r.choice(["json", "yaml", "csv", "txt", "log"]))
        return self.snake()


def py_line(g):
    r = g.r
    ind = " " * r.choice([0, 4, 4, 8, 8, 12])
    t = r.randrange(22)
    if t == 0:
        return ""
    if t == 1:
        return "def %s(self, %s, %s=%s):" % (g.func(), g.snake(1), g.snake(1), r.choice(["None", "True", g.num()]))
    if t == 2:
        return "%s# %s" % (ind, g.sent())
    if t == 3:
        return "%s%s = %s(%s, %s)" % (ind, g.snake(), g.func(), g.snake(1), g.snake(1))
    if t == 4:
        return "%sreturn self.%s.%s(%s)" % (ind, g.snake(1), g.func(), g.snake(1))
    if t == 5:
        return '%slogger.info("%s %%s", %s)' % (ind, g.sent(), g.snake())
    if t == 6:
        return "%sif %s is None:" % (ind, g.snake())
    if t == 7:
        return "from %s.%s import %s, %s" % (g.w(), g.w(), g.pascal(), g.pascal())
    if t == 8:
        return '%s%s = "%s"' % (ind, g.upper(), g.strlit())
    if t == 9:
        return '%s"%s": "%s",' % (ind, g.snake(), g.strlit())
    if t == 10:
        return 'COMMIT_%s = "%s"' % (g.upper(), g.hexs(40))
    if t == 11:
        return '%s_blob = (\n    "%s"\n)' % (g.snake(1), g.b64(r.randint(40, 240)))
    if t == 12:
        return "class %s(%s):" % (g.pascal(), r.choice(["object", "BaseModel", "Exception", g.pascal()]))
    if t == 13:
        return "%sself.%s = %s" % (ind, g.snake(), g.snake())
    if t == 14:
        return '%stoken = request.headers.get("Authorization", "")' % ind
    if t == 15:
        return "%spassword_hash = hashlib.sha256(password.encode()).hexdigest()" % ind
    if t == 16:
        return '%s"""%s."""' % (ind, g.sent().capitalize())
    if t == 17:
        return "%sfor %s in %s:" % (ind, g.snake(1), g.snake())
    if t == 18:
        return '%sraise ValueError("%s: %%r" %% %s)' % (ind, g.sent(), g.snake(1))
    if t == 19:
        return '%s%s_id = "%s"' % (ind, g.snake(1), g.uuid())
    if t == 20:
        return '%sapi_key = os.environ.get("%s_API_KEY")' % (ind, g.w().upper())
    return "%s%s.%s(%s=%s, %s=%s)" % (ind, g.snake(1), g.func(), g.snake(1), g.num(), g.snake(1), g.snake(1))


def js_line(g):
    r = g.r
    ind = " " * r.choice([0, 2, 2, 4, 4, 6])
    t = r.randrange(20)
    if t == 0:
        return ""
    if t == 1:
        return "%sconst %s = await %s(%s, { %s: %s });" % (ind, g.camel(), g.funcc(), g.camel(1), g.camel(1), g.num())
    if t == 2:
        return "%s// %s" % (ind, g.sent())
    if t == 3:
        return "export function %s(%s, %s) {" % (g.funcc(), g.camel(1), g.camel(1))
    if t == 4:
        return "%sreturn %s.%s(%s);" % (ind, g.camel(1), g.funcc(), g.camel(1))
    if t == 5:
        return "%sconsole.log(`%s ${%s}`);" % (ind, g.sent(), g.camel())
    if t == 6:
        return "%sif (!%s) {" % (ind, g.camel())
    if t == 7:
        return "import { %s, %s } from '../%s/%s';" % (g.pascal(), g.funcc(), g.w(), g.camel())
    if t == 8:
        return "%s%s: '%s'," % (ind, g.camel(), g.strlit())
    if t == 9:
        return "%s}" % ind
    if t == 10:
        return '%sintegrity: "sha512-%s",' % (ind, g.b64(64))
    if t == 11:
        return "%sconst %s = process.env.%s_TOKEN;" % (ind, g.camel(), g.w().upper())
    if t == 12:
        return "%sthis.%s = %s;" % (ind, g.camel(), g.camel())
    if t == 13:
        return "%s} catch (err) {" % ind
    if t == 14:
        return "/**\n * %s.\n */" % g.sent().capitalize()
    if t == 15:
        return "%sconst %s = '%s';" % (ind, g.camel(), g.uuid())
    if t == 16:
        return "%sheaders['Authorization'] = `Bearer ${session.accessToken}`;" % ind
    if t == 17:
        return "%simg.src = 'data:image/png;base64,iVBORw0KGgo%s';" % (ind, g.b64(r.randint(30, 300)))
    if t == 18:
        return "%s%s.on('%s', (%s) => %s(%s));" % (ind, g.camel(1), g.w(), g.camel(1), g.funcc(), g.camel(1))
    return "%slet %s = %s.map((x) => x.%s).filter(Boolean);" % (ind, g.camel(), g.camel(), g.camel(1))


def go_line(g):
    r = g.r
    ind = "\t" * r.choice([0, 1, 1, 2, 2, 3])
    t = r.randrange(18)
    if t == 0:
        return ""
    if t == 1:
        return "func (s *%s) %s(ctx context.Context, %s string) (*%s, error) {" % (g.pascal(), g.pascal(), g.camel(1), g.pascal())
    if t == 2:
        return "%s// %s" % (ind, g.sent())
    if t == 3:
        return "%s%s, err := s.%s.%s(ctx, %s)" % (ind, g.camel(), g.camel(1), g.pascal(), g.camel(1))
    if t == 4:
        return "%sif err != nil {\n%s\treturn nil, fmt.Errorf(\"%s: %%w\", err)\n%s}" % (ind, ind, g.sent()[:40], ind)
    if t == 5:
        return '%s%s string `json:"%s" yaml:"%s"`' % (ind, g.pascal(), g.snake(), g.snake())
    if t == 6:
        return "type %s struct {" % g.pascal()
    if t == 7:
        return '\t"%s/%s"' % (r.choice(["github.com/acme/platform", "golang.org/x/sync", "net", "encoding"]), g.w())
    if t == 8:
        return '%sconst %s = "%s"' % (ind, g.pascal(), g.strlit())
    if t == 9:
        return "%s}" % ind
    if t == 10:
        return '%s%s := os.Getenv("%s_SECRET")' % (ind, g.camel(), g.w().upper())
    if t == 11:
        return '%slog.Printf("%s: %%v", %s)' % (ind, g.sent()[:40], g.camel())
    if t == 12:
        return '%sdigest := "%s"' % (ind, g.hexs(64))
    if t == 13:
        return "%sfor _, %s := range %s {" % (ind, g.camel(1), g.camel())
    if t == 14:
        return '%sreq.Header.Set("Authorization", "Bearer "+tok.AccessToken)' % ind
    if t == 15:
        return "%sreturn &%s{%s: %s}, nil" % (ind, g.pascal(), g.pascal(), g.camel(1))
    return "%s%s.%s = %s" % (ind, g.camel(1), g.pascal(), g.num())


def java_line(g):
    r = g.r
    ind = " " * r.choice([0, 4, 4, 8, 8, 12])
    t = r.randrange(18)
    if t == 0:
        return ""
    if t == 1:
        return "    public %s %s(%s %s) throws %sException {" % (g.pascal(), g.funcc(), g.pascal(), g.camel(1), g.pascal(1))
    if t == 2:
        return "%s// %s" % (ind, g.sent())
    if t == 3:
        return "%sfinal %s %s = this.%s.%s(%s);" % (ind, g.pascal(), g.camel(), g.camel(1), g.funcc(), g.camel(1))
    if t == 4:
        return "import com.acme.%s.%s.%s;" % (g.w(), g.w(), g.pascal())
    if t == 5:
        return '%sprivate static final String %s = "%s";' % (ind, g.upper(), g.strlit())
    if t == 6:
        return "%sif (%s == null) {" % (ind, g.camel())
    if t == 7:
        return "%s}" % ind
    if t == 8:
        return '%sLOG.debug("%s {}", %s);' % (ind, g.sent(), g.camel())
    if t == 9:
        return "    @Override"
    if t == 10:
        return "%sreturn %s.stream().map(%s::%s).collect(Collectors.toList());" % (ind, g.camel(), g.pascal(), g.funcc())
    if t == 11:
        return '%sString password = System.getenv("%s_PASSWORD");' % (ind, g.w().upper())
    if t == 12:
        return "/**\n * %s.\n */" % g.sent().capitalize()
    if t == 13:
        return "public class %s extends Abstract%s implements %s {" % (g.pascal(), g.pascal(1), g.pascal(1))
    if t == 14:
        return '%sprivate static final String %s_SHA = "%s";' % (ind, g.upper(), g.hexs(40))
    if t == 15:
        return "%s} catch (%sException e) {" % (ind, g.pascal(1))
    if t == 16:
        return "%sthis.%s = Objects.requireNonNull(%s, \"%s\");" % (ind, g.camel(), g.camel(), g.camel())
    return "%s%s.set%s(%s);" % (ind, g.camel(1), g.pascal(1), g.num())


def yaml_line(g):
    r = g.r
    ind = " " * r.choice([0, 2, 2, 4, 4, 6, 8])
    t = r.randrange(14)
    if t == 0:
        return ""
    if t == 1:
        return "%s%s:" % (ind, g.snake())
    if t == 2:
        return "%s# %s" % (ind, g.sent())
    if t == 3:
        return "%s%s: %s" % (ind, g.snake(), g.num())
    if t == 4:
        return '%s%s: "%s"' % (ind, g.camel(), g.strlit())
    if t == 5:
        return "%s- name: %s" % (ind, g.snake().replace("_", "-"))
    if t == 6:
        return "%simage: registry.acme.internal/%s:%s" % (ind, g.w(), g.hexs(12))
    if t == 7:
        return "%s- %s" % (ind, g.snake())
    if t == 8:
        return "%svalueFrom:\n%s  secretKeyRef:\n%s    name: %s\n%s    key: password" % (ind, ind, ind, g.w(), ind)
    if t == 9:
        return "%schecksum/config: %s" % (ind, g.hexs(64))
    if t == 10:
        return "%s%s: %s" % (ind, g.snake(), r.choice(["true", "false", "null", "~"]))
    if t == 11:
        return "%suid: %s" % (ind, g.uuid())
    if t == 12:
        return "%spassword: ${%s_PASSWORD}" % (ind, g.w().upper())
    return "%s%s: %s" % (ind, g.snake(), g.snake())


def json_line(g):
    r = g.r
    ind = " " * r.choice([2, 4, 4, 6, 8])
    t = r.randrange(12)
    if t == 0:
        return '%s"%s": {' % (ind, g.camel())
    if t == 1:
        return "%s}," % ind
    if t == 2:
        return '%s"%s": %s,' % (ind, g.camel(), g.num())
    if t == 3:
        return '%s"%s": "%s",' % (ind, g.camel(), g.strlit())
    if t == 4:
        return '%s"id": "%s",' % (ind, g.uuid())
    if t == 5:
        return '%s"sha": "%s",' % (ind, g.hexs(40))
    if t == 6:
        return '%s"integrity": "sha512-%s",' % (ind, g.b64(64))
    if t == 7:
        return '%s"%s": [%s],' % (ind, g.camel(), ", ".join('"%s"' % g.w() for _ in range(r.randint(1, 5))))
    if t == 8:
        return '%s"%s": %s,' % (ind, g.camel(), r.choice(["true", "false", "null"]))
    if t == 9:
        return '%s"thumbnail": "data:image/jpeg;base64,/9j/4AAQSkZJRg%s",' % (ind, g.b64(r.randint(40, 400)))
    if t == 10:
        return '%s"createdAt": "20%02d-%02d-%02dT%02d:%02d:%02dZ",' % (ind, r.randint(18, 25), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    return '%s"%s": "%s",' % (ind, g.snake(), g.snake())


def md_line(g):
    r = g.r
    t = r.randrange(14)
    if t == 0:
        return ""
    if t == 1:
        return "## %s" % g.sent().capitalize()
    if t == 2:
        return "%s. %s, %s." % (g.sent().capitalize(), g.sent(), g.sent())
    if t == 3:
        return "- `%s`: %s" % (g.snake(), g.sent())
    if t == 4:
        return "```bash\n%s %s --%s=%s\n```" % (r.choice(["kubectl", "curl", "make", "npm run", "go run ."]), g.w(), g.w(), g.w())
    if t == 5:
        return "| `%s` | %s | `%s` |" % (g.snake(), g.sent()[:30], g.num())
    if t == 6:
        return "See [%s](../%s/%s.md) for %s." % (g.w(), g.w(), g.w(), g.sent())
    if t == 7:
        return "export %s_API_KEY=<your-api-key>" % g.w().upper()
    if t == 8:
        return "Commit `%s` fixed %s." % (g.hexs(40), g.sent())
    if t == 9:
        return "> **Note**: %s." % g.sent()
    if t == 10:
        return "1. %s" % g.sent().capitalize()
    if t == 11:
        return "![%s](data:image/png;base64,iVBORw0KGgo%s)" % (g.w(), g.b64(r.randint(30, 200)))
    return "%s %s %s." % (g.sent().capitalize(), g.w(), g.sent())


def js_minified_line(g, target_len):
    """One long line of minified-looking JavaScript."""
    r = g.r
    out = []
    n = 0
    while n < target_len:
        t = r.randrange(6)
        if t == 0:
            s = "function %s(%s,%s){return %s.%s(%s)}" % (r.choice(ALNUM[:26]), "e", "t", "e", g.camel(1), "t")
        elif t == 1:
            s = "var %s={%s:\"%s\",%s:%s};" % (r.choice(ALNUM[:26]) + str(r.randrange(99)), g.camel(1), g.strlit(), g.camel(1), g.num())
        elif t == 2:
            s = "%s.exports=\"%s\";" % (r.choice("enr"), g.b64(r.randint(20, 120)))
        elif t == 3:
            s = "if(!%s)throw new Error(\"%s\");" % (r.choice("abcdef"), g.sent()[:30])
        elif t == 4:
            s = "%s[%d]=function(e,t,n){\"use strict\";n.d(t,{%s:function(){return %s}})};" % (r.choice("ro"), r.randrange(9999), r.choice("abcxyz"), r.choice("abcxyz"))
        else:
            s = "Object.defineProperty(t,\"__esModule\",{value:!0});"
        out.append(s)
        n += len(s)
    return "".join(out)


LANGS = [
    # name, ext, weight, line generator, header
    ("python", "py", 25, py_line, "#!/usr/bin/env python3\n\"\"\"%s.\"\"\"\nimport logging\nimport os\n\nlogger = logging.getLogger(__name__)\n"),
    ("javascript", "js", 20, js_line, "'use strict';\n// %s\nconst path = require('path');\n"),
    ("go", "go", 15, go_line, "// Package %s does things.\npackage main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os\"\n)\n"),
    ("java", "java", 15, java_line, "// %s\npackage com.acme.platform;\n\nimport java.util.*;\n"),
    ("yaml", "yaml", 8, yaml_line, "# %s\napiVersion: v1\nkind: ConfigMap\n"),
    ("json", "json", 8, json_line, "{\n  \"_comment\": \"%s\",\n"),
    ("markdown", "md", 9, md_line, "# %s\n\n"),
]

POOL_SIZE = 12000


def build_pools(g):
    pools = {}
    for name, _ext, _w, fn, _h in LANGS:
        pools[name] = [fn(g) for _ in range(POOL_SIZE)]
    return pools


# ---------------------------------------------------------------- planted secrets

AWS_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _b62(n, width):
    s = ""
    while n:
        n, m = divmod(n, 62)
        s = B62[m] + s
    return s.rjust(width, "0")


def gh_token(r, prefix):
    body = "".join(r.choices(ALNUM, k=30))
    return prefix + body + _b62(zlib.crc32(body.encode()), 6)


def make_secret(g, lang, private_key_pem):
    """Return (kind, text_lines) for one planted secret in the syntax of lang."""
    r = g.r
    kind = r.choice(["aws", "github", "slack", "stripe", "private-key", "gcp", "openai"])
    if kind == "aws":
        kid = "AKIA" + "".join(r.choices(AWS_B32, k=16))
        sec = "".join(r.choices(B64, k=40))
        pairs = [("aws_access_key_id", kid), ("aws_secret_access_key", sec)]
    elif kind == "github":
        pairs = [("github_token", gh_token(r, "ghp_"))]
    elif kind == "slack":
        pairs = [("slack_bot_token", "xoxb-%d-%d-%s" % (r.randrange(10 ** 11, 10 ** 12), r.randrange(10 ** 12, 10 ** 13), "".join(r.choices(ALNUM, k=24))))]
    elif kind == "stripe":
        pairs = [("stripe_secret_key", "sk_live_" + "".join(r.choices(ALNUM, k=24)))]
    elif kind == "gcp":
        pairs = [("google_api_key", "AIza" + "".join(r.choices(ALNUM + "-_", k=35)))]
    elif kind == "openai":
        a = string.ascii_letters + string.digits + "-_"
        pairs = [("openai_api_key", "sk-proj-" + "".join(r.choices(a, k=74)) + "T3BlbkFJ" + "".join(r.choices(a, k=74)))]
    else:
        body = private_key_pem.strip("\n")
        if lang in ("json",):
            return kind, ['  "private_key": "%s",' % body.replace("\n", "\\n")]
        if lang == "yaml":
            return kind, ["tls_key: |"] + ["  " + ln for ln in body.split("\n")]
        if lang == "markdown":
            return kind, ["```"] + body.split("\n") + ["```"]
        if lang == "go":
            return kind, ["const deployKey = `" + body + "`"]
        if lang == "javascript":
            return kind, ["const deployKey = `" + body + "`;"]
        if lang == "java":
            return kind, ['private static final String DEPLOY_KEY = "' + body.replace("\n", "\\n") + '";']
        return kind, ['DEPLOY_KEY = """' + body + '"""']
    lines = []
    for k, v in pairs:
        if lang == "python":
            lines.append('%s = "%s"' % (k.upper(), v))
        elif lang == "javascript":
            lines.append("const %s = '%s';" % (k, v))
        elif lang == "go":
            lines.append('const %s = "%s"' % (k, v))
        elif lang == "java":
            lines.append('private static final String %s = "%s";' % (k.upper(), v))
        elif lang == "yaml":
            lines.append("%s: %s" % (k, v))
        elif lang == "json":
            lines.append('  "%s": "%s",' % (k, v))
        else:
            lines.append("export %s=%s" % (k.upper(), v))
    return kind, lines


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--size-mb", type=float, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secret-every-mb", type=float, default=5.0, help="average spacing of planted secrets")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()

    t0 = time.time()
    rng = random.Random(a.seed)
    g = Gen(rng)
    pools = build_pools(g)
    minified = [js_minified_line(g, rng.randint(2000, 40000)) for _ in range(64)]
    key = fakekeys.rsa_keypair(random.Random(a.seed * 7919 + 1), 1024)
    private_key_pem = fakekeys.pem_rsa_pkcs1(key)

    total = int(a.size_mb * 1024 * 1024)
    os.makedirs(a.out_dir, exist_ok=True)
    weights = [l[2] for l in LANGS]
    log_lo, log_hi = math.log(4 * 1024), math.log(400 * 1024)
    spacing = a.secret_every_mb * 1024 * 1024
    next_secret = rng.expovariate(1.0 / spacing)
    written = 0
    files = 0
    planted = []
    counts = {}
    while written < total:
        lang, ext, _w, _fn, header = rng.choices(LANGS, weights=weights)[0]
        size = int(math.exp(rng.uniform(log_lo, log_hi)))
        size = min(size, max(total - written, 1024))
        proj = files // 400
        sub = (files // 40) % 10
        name = "%s_%s" % (g.snake(2), files)
        if lang == "java":
            name = g.pascal(2) + str(files)
        rel = "repo%02d/%s/%s/%s.%s" % (proj, WORDS[(proj * 7 + sub * 13) % len(WORDS)],
                                        WORDS[(sub * 31 + proj) % len(WORDS)], name, ext)
        pool = pools[lang]
        avg = 40
        parts = [header % g.sent()]
        body = "\n".join(rng.choices(pool, k=size // avg + 8))
        if lang == "javascript" and rng.random() < 0.08:
            # a few files carry long minified lines
            ins = [rng.choice(minified) for _ in range(rng.randint(1, 3))]
            cut = rng.randrange(len(body) // 2 + 1)
            nl = body.find("\n", cut)
            if nl > 0:
                body = body[:nl + 1] + "\n".join(ins) + body[nl:]
        parts.append(body)
        text = "".join(parts)
        if len(text) > size:
            nl = text.rfind("\n", 0, size)
            text = text[:nl + 1] if nl > 0 else text[:size]
        if lang == "json":
            text += '  "end": true\n}\n'
        elif not text.endswith("\n"):
            text += "\n"
        # plant secrets whose global offset falls in this file
        while next_secret < written + len(text):
            kind, lines = make_secret(g, lang, private_key_pem)
            pos = rng.randrange(len(text))
            nl = text.rfind("\n", 0, pos)
            pos = nl + 1
            if lang == "json" and pos == 0:
                pos = text.find("\n") + 1
            line = text.count("\n", 0, pos) + 1
            ins = "\n".join(lines) + "\n"
            text = text[:pos] + ins + text[pos:]
            planted.append({"path": rel, "line": line, "kind": kind})
            counts[kind] = counts.get(kind, 0) + 1
            next_secret += rng.expovariate(1.0 / spacing)
        data = text.encode()
        path = os.path.join(a.out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        files += 1

    manifest = {
        "generator": "gen_throughput_corpus.py",
        "generator_version": GENERATOR_VERSION,
        "seed": a.seed,
        "size_mb": a.size_mb,
        "bytes": written,
        "files": files,
        "planted_secrets": len(planted),
        "planted_by_kind": counts,
        "planted": planted,
    }
    with open(os.path.join(a.out_dir, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    if not a.quiet:
        print("wrote %d files, %.1f MB, %d planted secrets in %.1f s -> %s" % (
            files, written / 1048576, len(planted), time.time() - t0, a.out_dir))


if __name__ == "__main__":
    main()
