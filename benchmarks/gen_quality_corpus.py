#!/usr/bin/env python3
"""Generate a realistic source tree with planted FAKE credentials and hard negatives.

    gen_quality_corpus.py OUT_DIR [--seed 7]

Writes a few hundred files in many languages and config formats (Python, JS/TS, Go, Java, Ruby,
PHP, YAML, JSON, .env, .properties, .ini, .toml, XML, Terraform, shell, Dockerfile, dotfiles such
as .npmrc/.netrc/.git-credentials/.pgpass, docker config.json, Kubernetes manifests, Markdown, a
minified bundle with very long lines, CRLF files and UTF-16LE files with a BOM).

Every credential is generated at run time from the seed: random bodies in each provider's real
format (with GitHub/npm CRC32 checksums, real RSA/EC/Ed25519 key material built by fakekeys.py),
so none is valid anywhere.  Hard negatives (documented example keys, placeholders, environment
lookups, hashes, UUIDs, public keys, certificates, lockfile integrity hashes, obviously fake test
fixtures, prefixes with the wrong length, ...) are placed in the same files.

Outputs, besides the tree:
  OUT_DIR/ground_truth.jsonl    one line per planted secret:
        {"path", "line", "family", "secret", "kind"}   (line: 1-based line of the secret's first
        character; for UTF-16 files the line in the decoded text; "secret" is the raw text as it
        appears in the file, e.g. with literal \\n inside a JSON string)
  OUT_DIR/hard_negatives.jsonl  one line per recorded hard negative {"path", "line", "kind", "value"}
  OUT_DIR/MANIFEST.json         seed, counts per family / kind, file count

The same seed gives byte-identical output.  The metadata files above sit in OUT_DIR itself and
contain the secrets; scorers ignore findings in them (score_quality.py does).
"""

import argparse
import base64
import bisect
import hashlib
import hmac
import json
import os
import random
import string
import struct
import sys
import time
import uuid
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys  # noqa: E402

GENERATOR_VERSION = 1
META_FILES = ("ground_truth.jsonl", "hard_negatives.jsonl", "MANIFEST.json")

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
AWS_B32 = UPPER + "234567"
B62 = DIGITS + UPPER + LOWER

PLACEHOLDER_WORDS = ("example", "dummy", "fake", "sample", "placeholder", "changeme", "redacted",
                     "your_", "test", "xxxx", "password", "secret", "token")

NEUTRAL = """account action address agent alert amount analytics archive asset audit backend balance
batch billing blob bucket buffer build bundle cache callback catalog channel checkout client cluster
column config connection consumer container content context cookie count credit cursor customer
dashboard data dataset date debug delivery deploy device digest directory discount document domain
download driver email endpoint entity entry environment error event export factory feature feed field
file filter flag format frame gateway graph group handler header health history host image
index input instance invoice item job label layer layout ledger limit link list loader locale log
manager manifest map market media member message metadata metric migration mode model module monitor
node notification object offset order owner package page parser partition payload payment peer
pipeline plan platform plugin policy pool port post price process product profile project provider
proxy query queue quota range rate reader record region registry release report repository request
resource response result retry role route rule runner scheduler schema scope search section segment
selector sequence server service setting shard shipment signal snapshot source span stage state
status storage store stream subscription summary supplier table tag task template tenant thread
ticket timer topic trace transaction transfer trigger upload user validator value vendor version
view volume warehouse webhook widget worker workflow workspace zone""".split()

VERBS = """add apply build check clean close collect compute create decode delete dispatch emit encode
ensure fetch find flush format get handle init load lookup merge migrate normalize notify open parse
prepare process publish push read refresh register reload remove render reset resolve retry run save
schedule send serialize set start stop store submit sync transform update upload validate verify
wait write""".split()

SENTENCES = """the value is cached until the next refresh cycle completes
retry with exponential backoff when the upstream returns a transient error
this is kept for backwards compatibility with older clients
make sure the lock is released even if the handler raises
see the design doc for the reasoning behind the batching strategy
the order of these checks matters for performance
remove once all tenants are migrated to the new schema
this is not safe when called from multiple workers at once
normalize the input before computing the digest
do not log the payload here because it can be very large
fall back to the default region when none is configured
keep in sync with the client library version
the response is paginated so we loop until the cursor is empty
run the migration before deploying the new workers
values below are overridden per environment by the deploy pipeline
ask the platform team before changing the retention settings""".split("\n")


# =============================================================================================
# random helpers


class R:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def __getattr__(self, name):
        return getattr(self.r, name)

    def s(self, alphabet, n):
        return "".join(self.r.choices(alphabet, k=n))

    def body(self, alphabet, n):
        """Random string that does not look like a placeholder (no runs, no placeholder words)."""
        while True:
            v = self.s(alphabet, n)
            low = v.lower()
            if any(w in low for w in PLACEHOLDER_WORDS):
                continue
            if any(v[i] == v[i + 1] == v[i + 2] == v[i + 3] for i in range(len(v) - 3)):
                continue
            return v

    def hexs(self, n):
        return self.s(HEX, n)

    def uuid4(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def rbytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def b64bytes(self, n):
        return base64.b64encode(self.rbytes(n)).decode()

    def word(self):
        return self.r.choice(NEUTRAL)

    def sentence(self):
        return self.r.choice(SENTENCES)

    def ident(self, n=None):
        n = n or self.r.randint(1, 3)
        return "_".join(self.word() for _ in range(n))


def b62(n, width):
    out = ""
    while n:
        n, m = divmod(n, 62)
        out = B62[m] + out
    return out.rjust(width, "0")


def b64url_nopad(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


# =============================================================================================
# credential generators (all random, all in the provider's documented shape)


def checksummed(r, prefix):
    """GitHub / npm style token: 30 random base62 chars + 6-char base62 CRC32 of them."""
    while True:
        ent = r.body(ALNUM, 30)
        tok = prefix + ent + b62(zlib.crc32(ent.encode()), 6)
        if not any(w in tok.lower() for w in PLACEHOLDER_WORDS):
            return tok


def gen_aws_key_id(r, prefix="AKIA"):
    return prefix + r.body(AWS_B32, 16)


def gen_aws_secret(r):
    return r.body(B64, 40)


def gen_aws_session_token(r):
    head = r.choice(["IQoJb3JpZ2luX2VjE", "FwoGZXIvYXdzE"])
    return head + r.body(B64, r.randrange(340, 700)) + r.choice(["", "=", "=="])


def gen_password(r, n=None, url_safe=False):
    n = n or r.randint(16, 28)
    sym = "-_.~" if url_safe else "!@%^*-_+=.~"
    alphabet = ALNUM * 3 + sym
    while True:
        v = r.body(alphabet, n)
        if v[0].isalnum() and sum(c.isdigit() for c in v) >= 2 and any(c.isupper() for c in v) and any(c.islower() for c in v):
            return v


def gen_generic_value(r):
    c = r.randrange(5)
    if c == 0:
        return gen_password(r)
    if c == 1:
        return r.body(HEX, r.choice([32, 40, 64]))
    if c == 2:
        return base64.b64encode(r.rbytes(r.choice([24, 32, 48]))).decode()
    if c == 3:
        return r.body(ALNUM, r.randint(24, 40))
    return r.body(ALNUM, 8) + "-" + r.body(ALNUM, 8) + "-" + r.body(ALNUM, 8)


def gen_jwt(r):
    alg = r.choice(["HS256", "RS256", "HS512"])
    header = {"alg": alg, "typ": "JWT"}
    if alg == "RS256":
        header["kid"] = r.hexs(16)
    now = 1700000000 + r.randrange(0, 60000000)
    payload = {"sub": r.uuid4(), "iss": "https://auth.%s.io" % r.word(), "aud": r.choice(["api", "web", "mobile"]),
               "iat": now, "exp": now + r.choice([900, 3600, 86400, 2592000]),
               "scope": r.choice(["read write", "admin", "openid profile email", "orders:read orders:write"])}
    if r.random() < 0.5:
        payload["email"] = "%s.%s@%s.com" % (r.word(), r.word(), r.word())
    h = b64url_nopad(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_nopad(json.dumps(payload, separators=(",", ":")).encode())
    if alg == "RS256":
        sig = b64url_nopad(r.rbytes(256))
    else:
        key = r.rbytes(32)
        dig = hashlib.sha256 if alg == "HS256" else hashlib.sha512
        sig = b64url_nopad(hmac.new(key, (h + "." + p).encode(), dig).digest())
    return h + "." + p + "." + sig


def gen_db_uri(r):
    user = r.choice(["app", "svc_orders", "billing", "admin", "api_user", "etl", "reporting", "root", "deploy"])
    pw = gen_password(r, r.randint(14, 24), url_safe=True)
    host = r.choice(["db", "postgres", "mysql", "mongo-0.mongo", "cache", "rabbitmq"]) + "." + r.choice(
        ["internal", "prod.svc.cluster.local", "acme-corp.net", "eu-west-1.rds.amazonaws.com"])
    db = r.choice(["orders", "billing", "app", "analytics", "inventory", "users"])
    c = r.randrange(12)
    if c == 0:
        return "postgres://%s:%s@%s:5432/%s" % (user, pw, host, db), "postgres"
    if c == 1:
        return "postgresql://%s:%s@%s:5432/%s?sslmode=require" % (user, pw, host, db), "postgres"
    if c == 2:
        return "mysql://%s:%s@%s:3306/%s" % (user, pw, host, db), "mysql"
    if c == 3:
        return "mongodb+srv://%s:%s@cluster0.%s.mongodb.net/%s?retryWrites=true&w=majority" % (user, pw, r.s(LOWER + DIGITS, 5), db), "mongodb"
    if c == 4:
        return "mongodb://%s:%s@mongo-0.mongo:27017,mongo-1.mongo:27017/%s?replicaSet=rs0&authSource=admin" % (user, pw, db), "mongodb"
    if c == 5:
        return "redis://default:%s@%s:6379/0" % (pw, host), "redis"
    if c == 6:
        return "rediss://:%s@%s:6380" % (pw, host), "redis"
    if c == 7:
        return "amqp://%s:%s@%s:5672/%s" % (user, pw, host, db), "amqp"
    if c == 8:
        return "amqps://%s:%s@%s:5671/%%2F" % (user, pw, host), "amqp"
    if c == 9:
        return "jdbc:postgresql://%s:5432/%s?user=%s&password=%s" % (host, db, user, pw), "jdbc"
    if c == 10:
        return "jdbc:mysql://%s:3306/%s?user=%s&password=%s&useSSL=true" % (host, db, user, pw), "jdbc"
    return "jdbc:sqlserver://%s:1433;databaseName=%s;user=%s;password=%s;encrypt=true" % (host, db, user, pw), "jdbc"


def gen_pypi(r):
    ident = json.dumps({"version": 1, "permissions": "user"}).encode()
    mac = (b"\x02\x01\x08pypi.org\x02" + bytes([36]) + r.uuid4().encode() + b"\x00\x02" + bytes([len(ident)])
           + ident + b"\x00\x00\x06 " + r.rbytes(32))
    return "pypi-" + b64url_nopad(mac)


def gen_grafana_cloud(r):
    blob = json.dumps({"o": str(r.randrange(100000, 999999)), "n": "stack-%d-hm-read" % r.randrange(100000, 999999),
                       "k": r.body(ALNUM, 24), "m": {"r": r.choice(["us", "eu", "prod-us-east-0"])}},
                      separators=(",", ":")).encode()
    return "glc_" + base64.b64encode(blob).decode()


def gen_azure_conn(r):
    acct = r.choice(["acme", "prod", "data", "logs", "media"]) + r.s(LOWER + DIGITS, r.randint(6, 10))
    key = base64.b64encode(r.rbytes(64)).decode()
    return "DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (acct, key)


def gen_openai(r, kind):
    if kind == "legacy":
        return "sk-" + r.body(ALNUM, 20) + "T3BlbkFJ" + r.body(ALNUM, 20)
    pre = {"proj": "sk-proj-", "svcacct": "sk-svcacct-"}[kind]
    return pre + r.body(B64URL, 74) + "T3BlbkFJ" + r.body(B64URL, 74)


# ---- catalog of single-value credentials: kind -> (family, generator, names, count)
# names are snake_case base names; renderers convert the case per language.

def _digits(r, lo, hi):
    return str(r.randrange(10 ** (lo - 1), 10 ** hi))


CATALOG = {
    "gcp-api-key": ("gcp", lambda r: "AIza" + r.body(B64URL, 35), ["google_api_key", "gcp_api_key", "firebase_api_key", "maps_api_key", "youtube_api_key"], 8),
    "github-classic": ("github", lambda r: checksummed(r, "ghp_"), ["github_token", "gh_token", "github_pat", "git_token"], 7),
    "github-fine-grained": ("github", lambda r: "github_pat_" + r.body(ALNUM, 22) + "_" + r.body(ALNUM, 59), ["github_token", "github_pat", "gh_pat"], 5),
    "github-oauth": ("github", lambda r: checksummed(r, "gho_"), ["github_oauth_token", "oauth_token"], 3),
    "github-app-user": ("github", lambda r: checksummed(r, "ghu_"), ["github_app_user_token", "gh_user_token"], 2),
    "github-app-installation": ("github", lambda r: checksummed(r, "ghs_"), ["github_app_token", "installation_token"], 2),
    "github-refresh": ("github", lambda r: checksummed(r, "ghr_"), ["github_refresh_token"], 1),
    "gitlab-pat": ("gitlab", lambda r: "glpat-" + r.body(B64URL, 20), ["gitlab_token", "gitlab_pat", "ci_registry_token"], 6),
    "npm": ("npm", lambda r: checksummed(r, "npm_"), ["npm_token", "npm_auth_token", "node_auth_token"], 5),
    "pypi": ("pypi", gen_pypi, ["pypi_token", "twine_password", "pypi_api_token"], 4),
    "docker-pat": ("docker", lambda r: "dckr_pat_" + r.body(B64URL, 27), ["docker_hub_token", "dockerhub_pat", "docker_password"], 4),
    "slack-bot": ("slack", lambda r: "xoxb-%s-%s-%s" % (_digits(r, 11, 12), _digits(r, 12, 13), r.body(ALNUM, 24)), ["slack_bot_token", "slack_token", "bot_token"], 5),
    "slack-user": ("slack", lambda r: "xoxp-%s-%s-%s-%s" % (_digits(r, 11, 12), _digits(r, 11, 12), _digits(r, 12, 13), r.body(HEX, 32)), ["slack_user_token", "slack_token"], 4),
    "slack-webhook": ("slack", lambda r: "https://hooks.slack.com/services/T%s/B%s/%s" % (r.body(UPPER + DIGITS, r.randint(8, 10)), r.body(UPPER + DIGITS, r.randint(8, 10)), r.body(ALNUM, 24)), ["slack_webhook_url", "slack_webhook", "alerts_webhook"], 5),
    "discord-webhook": ("discord", lambda r: "https://discord.com/api/webhooks/%s/%s" % (_digits(r, 18, 19), r.body(B64URL, 68)), ["discord_webhook_url", "discord_webhook"], 5),
    "telegram-bot": ("telegram", lambda r: "%s:AA%s" % (_digits(r, 9, 10), r.body(B64URL, 33)), ["telegram_bot_token", "telegram_token", "tg_bot_token"], 5),
    "twilio-api-key": ("twilio", lambda r: "SK" + r.body(HEX, 32), ["twilio_api_key", "twilio_api_key_sid", "twilio_key"], 5),
    "sendgrid": ("sendgrid", lambda r: "SG." + r.body(B64URL, 22) + "." + r.body(B64URL, 43), ["sendgrid_api_key", "sendgrid_key", "smtp_api_key"], 5),
    "mailgun": ("mailgun", lambda r: "key-" + r.body(HEX, 32), ["mailgun_api_key", "mailgun_key"], 4),
    "mailchimp": ("mailchimp", lambda r: r.body(HEX, 32) + "-us" + str(r.randint(1, 21)), ["mailchimp_api_key", "mailchimp_key"], 4),
    "stripe-secret": ("stripe", lambda r: "sk_live_" + r.body(ALNUM, r.choice([24, 99])), ["stripe_secret_key", "stripe_api_key", "stripe_key"], 5),
    "stripe-restricted": ("stripe", lambda r: "rk_live_" + r.body(ALNUM, r.choice([24, 99])), ["stripe_restricted_key", "stripe_rk"], 3),
    "square-access": ("square", lambda r: "EAAA" + r.body(B64URL, 60), ["square_access_token", "square_token"], 2),
    "square-legacy": ("square", lambda r: "sq0atp-" + r.body(B64URL, 22), ["square_access_token"], 1),
    "square-oauth-secret": ("square", lambda r: "sq0csp-" + r.body(B64URL, 43), ["square_application_secret", "square_oauth_secret"], 2),
    "shopify-access": ("shopify", lambda r: "shpat_" + r.body(HEX, 32), ["shopify_access_token", "shopify_admin_token"], 3),
    "shopify-shared-secret": ("shopify", lambda r: "shpss_" + r.body(HEX, 32), ["shopify_shared_secret", "shopify_api_secret"], 2),
    "datadog-api": ("datadog", lambda r: r.body(HEX, 32), ["datadog_api_key", "dd_api_key"], 3),
    "datadog-app": ("datadog", lambda r: r.body(HEX, 40), ["datadog_app_key", "dd_app_key", "datadog_application_key"], 3),
    "newrelic-user": ("newrelic", lambda r: "NRAK-" + r.body(UPPER + DIGITS, 27), ["new_relic_api_key", "newrelic_user_key", "nr_api_key"], 4),
    "sentry-dsn": ("sentry", lambda r: "https://%s@o%s.ingest.sentry.io/%s" % (r.body(HEX, 32), _digits(r, 6, 7), _digits(r, 7, 7)), ["sentry_dsn", "dsn"], 4),
    "sentry-user-token": ("sentry", lambda r: "sntryu_" + r.body(HEX, 64), ["sentry_auth_token"], 1),
    "grafana-service-account": ("grafana", lambda r: "glsa_" + r.body(ALNUM, 32) + "_" + r.body(HEX, 8), ["grafana_token", "grafana_service_account_token", "grafana_api_key"], 3),
    "grafana-cloud": ("grafana", gen_grafana_cloud, ["grafana_cloud_token", "grafana_cloud_api_key"], 2),
    "openai-project": ("openai", lambda r: gen_openai(r, "proj"), ["openai_api_key", "openai_key", "llm_api_key"], 4),
    "openai-service-account": ("openai", lambda r: gen_openai(r, "svcacct"), ["openai_api_key"], 1),
    "openai-legacy": ("openai", lambda r: gen_openai(r, "legacy"), ["openai_api_key", "openai_key"], 2),
    "anthropic-api": ("anthropic", lambda r: "sk-ant-api03-" + r.body(B64URL, 93) + "AA", ["anthropic_api_key", "claude_api_key", "llm_api_key"], 4),
    "anthropic-admin": ("anthropic", lambda r: "sk-ant-admin01-" + r.body(B64URL, 93) + "AA", ["anthropic_admin_key"], 1),
    "huggingface": ("huggingface", lambda r: "hf_" + r.body(UPPER + LOWER, 34), ["hf_token", "huggingface_token", "hugging_face_hub_token"], 5),
    "replicate": ("replicate", lambda r: "r8_" + r.body(ALNUM, 37), ["replicate_api_token", "replicate_token"], 4),
    "groq": ("groq", lambda r: "gsk_" + r.body(ALNUM, 52), ["groq_api_key", "groq_key"], 4),
    "azure-storage-connection-string": ("azure", gen_azure_conn, ["azure_storage_connection_string", "storage_connection_string", "azure_storage_conn"], 6),
    "jwt": ("jwt", gen_jwt, ["access_token", "jwt", "bearer_token", "id_token", "service_jwt"], 8),
    "generic": ("generic", gen_generic_value, ["password", "db_password", "admin_password", "smtp_password", "secret_key",
                                                "client_secret", "api_key", "auth_token", "access_token", "app_secret",
                                                "jwt_secret", "encryption_key", "signing_key", "webhook_secret", "api_secret",
                                                "master_key", "service_password", "ldap_bind_password", "redis_password",
                                                "session_secret", "oauth_client_secret", "private_token"], 46),
}


# =============================================================================================
# values rendered into files


class V:
    """A value to write: a planted secret (family set), a hard negative (neg set) or plain text.

    raw=True means the value is an expression written without quotes (env lookups, calls)."""

    __slots__ = ("name", "value", "family", "kind", "neg", "raw")

    def __init__(self, name, value, family=None, kind=None, neg=None, raw=False):
        self.name, self.value, self.family, self.kind, self.neg, self.raw = name, value, family, kind, neg, raw


class Doc:
    def __init__(self, path):
        self.path = path
        self.parts = []
        self.n = 0
        self.recs = []  # (offset, V)

    def t(self, s):
        self.parts.append(s)
        self.n += len(s)

    def val(self, v):
        if v.family or v.neg:
            self.recs.append((self.n, v))
        self.t(v.value)

    def text(self):
        return "".join(self.parts)


# ---- name case conversion


def nm(base, style):
    parts = base.split("_")
    if style == "upper":
        return base.upper()
    if style == "snake":
        return base
    if style == "camel":
        return parts[0] + "".join(p.capitalize() for p in parts[1:])
    if style == "pascal":
        return "".join(p.capitalize() for p in parts)
    if style == "kebab":
        return "-".join(parts)
    if style == "dotted":
        return ".".join(parts)
    raise ValueError(style)


# =============================================================================================
# per-language syntax: filler blocks and value renderers.
# Each renderer writes a group of V's (1-3 fields that belong together) into a Doc.

BAD_XML = set('&<>"')


def q(d, v, quote='"'):
    d.t(quote)
    d.val(v)
    d.t(quote)


class Lang:
    name = "text"
    header = ""
    footer = ""
    comment = "#"

    def __init__(self, r):
        self.r = r

    def accepts(self, v):
        return True

    def filler(self, d):
        d.t("%s %s\n" % (self.comment, self.r.sentence()))

    def render(self, d, group):
        for v in group:
            d.t("%s = " % nm(v.name, "snake"))
            d.val(v)
            d.t("\n")

    def expr_env(self, env):
        return "$" + env

    def expr_call(self, name):
        return "lookup(%r)" % name

    def begin(self, d):
        d.t(self.header)

    def end(self, d):
        d.t(self.footer)


class Python(Lang):
    name = "python"

    def begin(self, d):
        r = self.r
        d.t('"""%s."""\n\nimport json\nimport logging\nimport os\n\nfrom %s.%s import %s\n\nlog = logging.getLogger(__name__)\n\n' % (
            r.sentence().capitalize(), r.word(), r.word(), nm(r.ident(2), "pascal")))

    def filler(self, d):
        r = self.r
        c = r.randrange(4)
        if c == 0:
            d.t("\n\ndef %s_%s(%s, %s=None):\n    \"\"\"%s.\"\"\"\n" % (r.choice(VERBS), r.ident(2), r.word(), r.word(), r.sentence().capitalize()))
            for _ in range(r.randint(2, 7)):
                d.t("    %s = %s.%s(%s)\n" % (r.ident(), r.word(), r.choice(VERBS), r.choice([r.word(), str(r.randint(0, 100)), "None"])))
            d.t("    log.info(\"%s %%s\", %s)\n    return %s\n\n" % (r.sentence(), r.word(), r.word()))
        elif c == 1:
            d.t("\n\nclass %s:\n    %s = %d\n\n    def __init__(self, %s):\n        self.%s = %s\n\n" % (
                nm(r.ident(2), "pascal"), r.ident().upper(), r.randint(1, 500), r.word(), r.word(), r.word()))
        elif c == 2:
            d.t("# %s\n" % r.sentence())
        else:
            d.t("%s = %s\n" % (r.ident().upper(), r.choice(['"%s"' % r.word(), str(r.randint(1, 9999)), "True", "[]"])))

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            for v in group:
                d.t("%s = " % nm(v.name, r.choice(["snake", "upper"])))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v)
                d.t("\n")
            return
        c = r.randrange(5)
        if c == 0:
            for v in group:
                d.t("%s = " % nm(v.name, "upper"))
                q(d, v)
                d.t("\n")
        elif c == 1:
            d.t("%s = {\n" % r.choice(["SETTINGS", "DEFAULTS", "CONFIG", "CREDENTIALS", "PROVIDERS"]))
            for v in group:
                d.t('    "%s": ' % nm(v.name, "snake"))
                q(d, v)
                d.t(",\n")
            d.t("}\n")
        elif c == 2:
            d.t("client = %sClient(\n" % nm(r.ident(1), "pascal"))
            for v in group:
                d.t("    %s=" % nm(v.name, "snake"))
                q(d, v, "'")
                d.t(",\n")
            d.t(")\n")
        elif c == 3:
            for v in group:
                d.t('os.environ.setdefault("%s", ' % nm(v.name, "upper"))
                q(d, v)
                d.t(")\n")
        else:
            for v in group:
                d.t("%s = " % nm(v.name, "snake"))
                q(d, v, "'")
                d.t("\n")

    def expr_env(self, env):
        return self.r.choice(['os.environ["%s"]', 'os.getenv("%s")', 'os.environ.get("%s", "")', "settings.%s"]) % env

    def expr_call(self, name):
        return self.r.choice(['get_secret("prod/%s")', 'vault.read("secret/data/%s")["data"]["value"]',
                              'keyring.get_password("deploy", "%s")',
                              'ssm.get_parameter(Name="/prod/%s", WithDecryption=True)["Parameter"]["Value"]']) % name


class JS(Lang):
    name = "javascript"
    comment = "//"

    def begin(self, d):
        r = self.r
        d.t("'use strict';\n\nconst %s = require('%s');\nconst { %s } = require('./%s');\n\n" % (
            nm(r.word(), "camel"), r.choice(["axios", "express", "lodash", "pino"]), nm(r.ident(2), "camel"), r.word()))

    def filler(self, d):
        r = self.r
        c = r.randrange(4)
        if c == 0:
            d.t("\nasync function %s(%s, %s) {\n" % (nm(r.choice(VERBS) + "_" + r.ident(2), "camel"), r.word(), r.word()))
            for _ in range(r.randint(2, 6)):
                d.t("  const %s = await %s.%s(%s);\n" % (nm(r.ident(), "camel"), r.word(), nm(r.choice(VERBS) + "_" + r.word(), "camel"), r.word()))
            d.t("  // %s\n  return %s;\n}\n\n" % (r.sentence(), r.word()))
        elif c == 1:
            d.t("const %s = {\n  %s: %d,\n  %s: '%s',\n  %s: %s,\n};\n" % (
                nm(r.ident(2), "camel"), r.word(), r.randint(1, 1000), r.word(), r.word(), r.word(), r.choice(["true", "false", "null"])))
        elif c == 2:
            d.t("// %s\n" % r.sentence())
        else:
            d.t("module.exports.%s = %s;\n" % (nm(r.ident(2), "camel"), nm(r.ident(2), "camel")))

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            for v in group:
                d.t("const %s = " % nm(v.name, "camel"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v, "'")
                d.t(";\n")
            return
        c = r.randrange(4)
        if c == 0:
            for v in group:
                d.t("const %s = " % nm(v.name, "camel"))
                q(d, v, r.choice(["'", '"', "`"]))
                d.t(";\n")
        elif c == 1:
            d.t("const %s = {\n" % r.choice(["config", "options", "credentials", "settings"]))
            for v in group:
                d.t("  %s: " % nm(v.name, "camel"))
                q(d, v, "'")
                d.t(",\n")
            d.t("};\n")
        elif c == 2:
            for v in group:
                e = nm(v.name, "upper")
                d.t("process.env.%s = process.env.%s || " % (e, e))
                q(d, v, '"')
                d.t(";\n")
        else:
            d.t("const client = new %sClient({ " % nm(r.word(), "pascal"))
            for i, v in enumerate(group):
                d.t("%s%s: " % (", " if i else "", nm(v.name, "camel")))
                q(d, v, "'")
            d.t(" });\n")

    def expr_env(self, env):
        return self.r.choice(["process.env.%s", 'process.env["%s"]', "config.get('%s')"]) % env

    def expr_call(self, name):
        return self.r.choice(["await secrets.get('%s')", "getSecret('%s')", "await vault.read('secret/%s')"]) % name


class TS(JS):
    name = "typescript"

    def begin(self, d):
        r = self.r
        d.t("import { %s } from './%s';\nimport type { %s } from '../types';\n\n" % (
            nm(r.ident(2), "camel"), r.word(), nm(r.ident(2), "pascal")))

    def render(self, d, group):
        if self.r.random() < 0.4 and not any(v.raw for v in group):
            for v in group:
                d.t("export const %s: string = " % nm(v.name, "upper"))
                q(d, v, "'")
                d.t(";\n")
        else:
            super().render(d, group)


class Go(Lang):
    name = "go"
    comment = "//"

    def begin(self, d):
        d.t("package %s\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os\"\n)\n\n" % self.r.word())

    def filler(self, d):
        r = self.r
        c = r.randrange(3)
        if c == 0:
            d.t("\n// %s %s.\nfunc %s(ctx context.Context, %s string) error {\n" % (
                nm(r.ident(2), "pascal"), r.sentence(), nm(r.ident(2), "pascal"), r.word()))
            for _ in range(r.randint(2, 5)):
                d.t("\tif err := %s.%s(ctx, %s); err != nil {\n\t\treturn fmt.Errorf(\"%s: %%w\", err)\n\t}\n" % (
                    r.word(), nm(r.choice(VERBS), "pascal"), r.word(), r.choice(VERBS)))
            d.t("\treturn nil\n}\n\n")
        elif c == 1:
            d.t("type %s struct {\n" % nm(r.ident(2), "pascal"))
            for _ in range(r.randint(2, 5)):
                w = r.ident(2)
                d.t("\t%s %s `json:\"%s\"`\n" % (nm(w, "pascal"), r.choice(["string", "int", "bool", "[]string"]), w))
            d.t("}\n\n")
        else:
            d.t("// %s\n" % r.sentence())

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            d.t("func init() {\n")
            for v in group:
                d.t("\t%s := " % nm(v.name, "camel"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v)
                d.t("\n\t_ = %s\n" % nm(v.name, "camel"))
            d.t("}\n")
            return
        c = r.randrange(4)
        if c == 0:
            for v in group:
                d.t("const %s = " % nm(v.name, "pascal"))
                q(d, v)
                d.t("\n")
        elif c == 1:
            d.t("var default%s = Config{\n" % nm(r.word(), "pascal"))
            for v in group:
                d.t("\t%s: " % nm(v.name, "pascal"))
                q(d, v)
                d.t(",\n")
            d.t("}\n")
        elif c == 2:
            for v in group:
                d.t("var %s = " % nm(v.name, "camel"))
                q(d, v, "`")
                d.t("\n")
        else:
            d.t("func init() {\n")
            for v in group:
                d.t('\tos.Setenv("%s", ' % nm(v.name, "upper"))
                q(d, v)
                d.t(")\n")
            d.t("}\n")

    def expr_env(self, env):
        return self.r.choice(['os.Getenv("%s")', 'viper.GetString("%s")']) % env

    def expr_call(self, name):
        return 'secrets.MustGet(context.Background(), "%s")' % name


class Java(Lang):
    name = "java"
    comment = "//"

    def begin(self, d):
        r = self.r
        self.cls = nm(r.ident(2), "pascal")
        d.t("package com.acme.%s;\n\nimport java.util.Properties;\n\n/** %s. */\npublic class %s {\n\n" % (
            r.word(), r.sentence().capitalize(), self.cls))

    def end(self, d):
        d.t("}\n")

    def filler(self, d):
        r = self.r
        c = r.randrange(3)
        if c == 0:
            d.t("    public %s %s(%s %s) {\n" % (r.choice(["void", "int", "String", "boolean"]), nm(r.choice(VERBS) + "_" + r.ident(2), "camel"), nm(r.word(), "pascal"), r.word()))
            for _ in range(r.randint(2, 5)):
                d.t("        %s.%s(%s);\n" % (r.word(), nm(r.choice(VERBS) + "_" + r.word(), "camel"), r.word()))
            d.t("    }\n\n")
        elif c == 1:
            d.t("    private static final int %s = %d;\n" % (r.ident().upper(), r.randint(1, 10000)))
        else:
            d.t("    // %s\n" % r.sentence())

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            d.t("    static {\n")
            for v in group:
                d.t("        String %s = " % nm(v.name, "camel"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v)
                d.t(";\n")
            d.t("    }\n")
            return
        c = r.randrange(3)
        if c == 0:
            for v in group:
                d.t("    private static final String %s = " % nm(v.name, "upper"))
                q(d, v)
                d.t(";\n")
        elif c == 1:
            d.t("    static Properties defaults() {\n        Properties props = new Properties();\n")
            for v in group:
                d.t('        props.setProperty("%s", ' % nm(v.name, "dotted"))
                q(d, v)
                d.t(");\n")
            d.t("        return props;\n    }\n")
        else:
            d.t("    Client build() {\n        return Client.builder()\n")
            for v in group:
                d.t("            .%s(" % nm(v.name, "camel"))
                q(d, v)
                d.t(")\n")
            d.t("            .build();\n    }\n")

    def expr_env(self, env):
        return self.r.choice(['System.getenv("%s")', 'env.getProperty("%s")']) % env

    def expr_call(self, name):
        return 'secretClient.getSecret("%s").getValue()' % name


class Ruby(Lang):
    name = "ruby"

    def begin(self, d):
        d.t("# frozen_string_literal: true\n\nrequire '%s'\n\nmodule %s\n" % (self.r.word(), nm(self.r.word(), "pascal")))

    def end(self, d):
        d.t("end\n")

    def filler(self, d):
        r = self.r
        if r.random() < 0.5:
            d.t("  def %s(%s)\n" % (r.choice(VERBS) + "_" + r.ident(2), r.word()))
            for _ in range(r.randint(1, 4)):
                d.t("    %s = %s.%s(%s)\n" % (r.ident(), r.word(), r.choice(VERBS), r.word()))
            d.t("  end\n\n")
        else:
            d.t("  # %s\n" % r.sentence())

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            for v in group:
                d.t("  %s = " % nm(v.name, "snake"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v, "'")
                d.t("\n")
            return
        c = r.randrange(3)
        if c == 0:
            for v in group:
                d.t("  %s = " % nm(v.name, "upper"))
                q(d, v, "'")
                d.t("\n")
        elif c == 1:
            d.t("  DEFAULTS = {\n")
            for v in group:
                d.t("    %s: " % nm(v.name, "snake"))
                q(d, v)
                d.t(",\n")
            d.t("  }.freeze\n")
        else:
            d.t("  configure do |config|\n")
            for v in group:
                d.t("    config.%s = " % nm(v.name, "snake"))
                q(d, v)
                d.t("\n")
            d.t("  end\n")

    def expr_env(self, env):
        return self.r.choice(['ENV["%s"]', 'ENV.fetch("%s")']) % env

    def expr_call(self, name):
        return 'Rails.application.credentials.dig(:%s)' % name


class PHP(Lang):
    name = "php"
    comment = "//"

    def begin(self, d):
        d.t("<?php\n\nnamespace App\\%s;\n\n" % nm(self.r.word(), "pascal"))

    def filler(self, d):
        r = self.r
        if r.random() < 0.5:
            d.t("function %s($%s)\n{\n" % (nm(r.choice(VERBS) + "_" + r.ident(2), "camel"), r.word()))
            for _ in range(r.randint(1, 4)):
                d.t("    $%s = $%s->%s();\n" % (nm(r.ident(), "camel"), r.word(), nm(r.choice(VERBS) + "_" + r.word(), "camel")))
            d.t("    return $%s;\n}\n\n" % r.word())
        else:
            d.t("// %s\n" % r.sentence())

    def render(self, d, group):
        r = self.r
        if any(v.raw for v in group):
            for v in group:
                d.t("$%s = " % nm(v.name, "camel"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v, "'")
                d.t(";\n")
            return
        c = r.randrange(3)
        if c == 0:
            for v in group:
                d.t("define('%s', " % nm(v.name, "upper"))
                q(d, v, "'")
                d.t(");\n")
        elif c == 1:
            d.t("$config = [\n")
            for v in group:
                d.t("    '%s' => " % nm(v.name, "snake"))
                q(d, v, "'")
                d.t(",\n")
            d.t("];\n")
        else:
            for v in group:
                d.t("$%s = " % nm(v.name, "camel"))
                q(d, v)
                d.t(";\n")

    def expr_env(self, env):
        return self.r.choice(["getenv('%s')", "env('%s')", "$_ENV['%s']"]) % env

    def expr_call(self, name):
        return "$vault->read('secret/%s')" % name


class Yaml(Lang):
    name = "yaml"

    def begin(self, d):
        d.t("# %s\n" % self.r.sentence())

    def filler(self, d):
        r = self.r
        d.t("%s:\n" % r.ident(1))
        for _ in range(r.randint(1, 5)):
            d.t("  %s: %s\n" % (r.ident(r.randint(1, 2)), r.choice([str(r.randint(1, 9000)), "true", "false", r.word(),
                                                                      "https://%s.acme-corp.net/%s" % (r.word(), r.word())])))

    def render(self, d, group):
        r = self.r
        c = r.randrange(5)
        if c == 0:
            d.t("%s:\n" % r.choice(["credentials", "integrations", "providers", r.word()]))
            for v in group:
                d.t("  %s: " % nm(v.name, "snake"))
                d.val(v)
                d.t("\n")
        elif c == 1:
            for v in group:
                d.t("%s: " % nm(v.name, "snake"))
                q(d, v, r.choice(['"', "'"]))
                d.t("\n")
        elif c == 2:
            d.t("%s:\n  environment:\n" % r.word())
            for v in group:
                d.t("    - %s=" % nm(v.name, "upper"))
                d.val(v)
                d.t("\n")
        elif c == 3:
            d.t("env:\n")
            for v in group:
                d.t("  - name: %s\n    value: " % nm(v.name, "upper"))
                q(d, v)
                d.t("\n")
        else:
            d.t("%s:\n" % r.word())
            for v in group:
                d.t("  %s: " % nm(v.name, "kebab"))
                d.val(v)
                d.t("\n")

    def expr_env(self, env):
        return self.r.choice(["${%s}", "${{ secrets.%s }}", "{{ .Values.%s }}", "((%s))"]) % env

    def expr_call(self, name):
        return "!vault secret/data/%s#value" % name


class K8sDeployment(Lang):
    """A Deployment manifest; values go into the container's env list."""
    name = "k8s-deployment"

    def begin(self, d):
        r = self.r
        app = d.path.split("/")[-2]
        d.t("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  labels:\n    app: %s\nspec:\n  replicas: %d\n"
            "  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n"
            "    spec:\n      containers:\n        - name: %s\n          image: registry.acme-corp.net/%s:%d.%d.%d\n"
            "          ports:\n            - containerPort: 8080\n          env:\n" % (
                app, app, r.randint(2, 6), app, app, app, app, r.randint(1, 3), r.randint(0, 40), r.randint(0, 9)))

    def filler(self, d):
        r = self.r
        if r.random() < 0.2:
            d.t("            # %s\n" % r.sentence())
        else:
            d.t('            - name: %s\n              value: "%s"\n' % (r.ident(2).upper(), r.choice([r.word(), str(r.randint(1, 9000)), "true"])))

    def render(self, d, group):
        for v in group:
            d.t("            - name: %s\n              value: " % nm(v.name, "upper"))
            if self.r.random() < 0.7:
                q(d, v)
            else:
                d.val(v)
            d.t("\n")

    def end(self, d):
        d.t("          resources:\n            limits:\n              memory: 512Mi\n")

    def expr_env(self, env):
        return "$(%s)" % env


class K8sConfigMap(Lang):
    name = "k8s-configmap"

    def begin(self, d):
        app = d.path.split("/")[-2]
        d.t("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n  namespace: %s\ndata:\n" % (app, app))

    def filler(self, d):
        r = self.r
        d.t('  %s: "%s"\n' % (r.ident(2).upper(), r.choice([r.word(), str(r.randint(1, 9000)), "true", "false"])))

    def render(self, d, group):
        for v in group:
            d.t("  %s: " % nm(v.name, "upper"))
            q(d, v)
            d.t("\n")

    def expr_env(self, env):
        return "${%s}" % env


class JsonLang(Lang):
    name = "json"

    def __init__(self, r):
        super().__init__(r)
        self.first = True

    def begin(self, d):
        d.t("{\n")
        self.first = True

    def _sep(self, d):
        if not self.first:
            d.t(",\n")
        self.first = False

    def end(self, d):
        d.t("\n}\n")

    def filler(self, d):
        r = self.r
        self._sep(d)
        c = r.randrange(3)
        if c == 0:
            d.t('  "%s": %d' % (nm(r.ident(2), "camel"), r.randint(0, 5000)))
        elif c == 1:
            d.t('  "%s": "%s"' % (nm(r.ident(2), "camel"), r.word()))
        else:
            d.t('  "%s": {\n    "enabled": %s,\n    "%s": "%s"\n  }' % (r.word(), r.choice(["true", "false"]), r.word(), r.word()))

    def render(self, d, group):
        r = self.r
        self._sep(d)
        if r.random() < 0.5 and len(group) == 1:
            v = group[0]
            d.t('  "%s": ' % nm(v.name, r.choice(["camel", "snake", "upper"])))
            q(d, v)
        else:
            d.t('  "%s": {\n' % r.choice(["credentials", "auth", "integrations", r.word()]))
            for i, v in enumerate(group):
                d.t('%s    "%s": ' % (",\n" if i else "", nm(v.name, "camel")))
                q(d, v)
            d.t("\n  }")

    def accepts(self, v):
        return "\\" not in v.value and '"' not in v.value


class Env(Lang):
    name = "env"

    def filler(self, d):
        r = self.r
        c = r.randrange(3)
        if c == 0:
            d.t("# %s\n" % r.sentence())
        elif c == 1:
            d.t("%s=%s\n" % (r.ident(2).upper(), r.choice(["true", "false", str(r.randint(1, 9000)), r.word(), "info", "production"])))
        else:
            d.t("\n")

    def render(self, d, group):
        r = self.r
        c = r.randrange(4)
        for v in group:
            if c == 0:
                d.t("%s=" % nm(v.name, "upper"))
                d.val(v)
            elif c == 1:
                d.t("%s=" % nm(v.name, "upper"))
                q(d, v)
            elif c == 2:
                d.t("export %s=" % nm(v.name, "upper"))
                d.val(v)
            else:
                d.t("%s=" % nm(v.name, "upper"))
                q(d, v, "'")
            d.t("\n")

    def expr_env(self, env):
        return "${%s}" % env


class Properties(Lang):
    name = "properties"

    def filler(self, d):
        r = self.r
        if r.random() < 0.3:
            d.t("# %s\n" % r.sentence())
        else:
            d.t("%s.%s=%s\n" % (r.word(), nm(r.ident(2), "dotted"), r.choice(["true", "false", str(r.randint(1, 9000)), r.word()])))

    def render(self, d, group):
        sep = self.r.choice(["=", " = ", ": "])
        for v in group:
            d.t("%s%s" % (nm(v.name, "dotted"), sep))
            d.val(v)
            d.t("\n")

    def expr_env(self, env):
        return "${%s}" % env


class Ini(Lang):
    name = "ini"
    comment = ";"

    def filler(self, d):
        r = self.r
        d.t("\n[%s]\n" % r.word())
        for _ in range(r.randint(1, 4)):
            d.t("%s = %s\n" % (r.ident(2), r.choice(["true", "false", str(r.randint(1, 9000)), r.word()])))

    def render(self, d, group):
        d.t("\n[%s]\n" % self.r.choice(["default", "production", "credentials", self.r.word()]))
        for v in group:
            d.t("%s = " % nm(v.name, "snake"))
            d.val(v)
            d.t("\n")

    def expr_env(self, env):
        return self.r.choice(["%%(%s)s", "${%s}"]) % env.lower()


class Toml(Lang):
    name = "toml"

    def filler(self, d):
        r = self.r
        d.t("\n[%s]\n" % r.word())
        for _ in range(r.randint(1, 4)):
            d.t("%s = %s\n" % (r.ident(2), r.choice(["true", "false", str(r.randint(1, 9000)), '"%s"' % r.word()])))

    def render(self, d, group):
        d.t("\n[%s]\n" % self.r.choice(["secrets", "auth", "database", self.r.word()]))
        for v in group:
            d.t("%s = " % nm(v.name, "snake"))
            q(d, v, self.r.choice(['"', "'"]))
            d.t("\n")

    def expr_env(self, env):
        return "${%s}" % env


class Xml(Lang):
    name = "xml"
    comment = None

    def begin(self, d):
        d.t('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n')

    def end(self, d):
        d.t("  </appSettings>\n</configuration>\n")

    def filler(self, d):
        r = self.r
        if r.random() < 0.3:
            d.t("    <!-- %s -->\n" % r.sentence())
        else:
            d.t('    <add key="%s" value="%s" />\n' % (nm(r.ident(2), "pascal"), r.choice(["true", "false", str(r.randint(1, 9000)), r.word()])))

    def render(self, d, group):
        c = self.r.randrange(2)
        for v in group:
            if c == 0:
                d.t('    <add key="%s" value="' % nm(v.name, "pascal"))
                d.val(v)
                d.t('" />\n')
            else:
                tag = nm(v.name, "camel")
                d.t("    <%s>" % tag)
                d.val(v)
                d.t("</%s>\n" % tag)

    def accepts(self, v):
        return not (set(v.value) & BAD_XML)

    def expr_env(self, env):
        return "${%s}" % env


class Terraform(Lang):
    name = "terraform"

    def filler(self, d):
        r = self.r
        d.t('\nresource "%s" "%s" {\n' % (r.choice(["aws_s3_bucket", "aws_sqs_queue", "google_storage_bucket", "aws_cloudwatch_log_group"]), r.ident(2)))
        d.t('  name = "%s-%s"\n' % (r.word(), r.word()))
        d.t("  tags = {\n    team = \"%s\"\n  }\n}\n" % r.word())

    def render(self, d, group):
        r = self.r
        if r.random() < 0.5 or any(v.raw for v in group):
            d.t('\nresource "%s" "%s" {\n' % (r.choice(["aws_db_instance", "datadog_monitor", "kubernetes_secret", "github_actions_secret", "vault_generic_secret"]), r.word()))
            for v in group:
                d.t("  %s = " % nm(v.name, "snake"))
                if v.raw:
                    d.val(v)
                else:
                    q(d, v)
                d.t("\n")
            d.t("}\n")
        else:
            for v in group:
                d.t('\nvariable "%s" {\n  type    = string\n  default = ' % nm(v.name, "snake"))
                q(d, v)
                d.t("\n}\n")

    def expr_env(self, env):
        return self.r.choice(["var.%s", "data.aws_secretsmanager_secret_version.%s.secret_string", "random_password.%s.result"]) % env.lower()


class Shell(Lang):
    name = "shell"

    def begin(self, d):
        d.t("#!/usr/bin/env bash\nset -euo pipefail\n\n")

    def filler(self, d):
        r = self.r
        c = r.randrange(3)
        if c == 0:
            d.t("echo \"==> %s\"\n" % r.sentence())
        elif c == 1:
            d.t("%s() {\n  local %s=\"$1\"\n  %s --%s \"$%s\"\n}\n\n" % (r.ident(2), r.word(), r.choice(["kubectl apply -f", "make", "terraform plan", "docker build ."]), r.word(), r.word()))
        else:
            d.t("# %s\n" % r.sentence())

    def render(self, d, group):
        r = self.r
        c = r.randrange(3)
        if c == 2 and len(group) == 1 and not group[0].raw and group[0].kind not in NEEDS_CONTEXT:
            d.t('curl -sS -H "Authorization: Bearer ')
            d.val(group[0])
            d.t('" https://api.%s.io/v1/%s\n' % (r.word(), r.word()))
            return
        for v in group:
            d.t("export %s=" % nm(v.name, "upper") if c == 0 else "%s=" % nm(v.name, "upper"))
            if v.raw:
                d.val(v)
            else:
                q(d, v, '"' if c == 0 else "'")
            d.t("\n")

    def expr_env(self, env):
        return self.r.choice(['"$%s"', '"${%s:?missing}"', '"$(cat /run/secrets/%s)"']) % env

    def expr_call(self, name):
        return '"$(vault kv get -field=value secret/%s)"' % name


class Dockerfile(Lang):
    name = "dockerfile"

    def begin(self, d):
        r = self.r
        d.t("FROM %s\n\nWORKDIR /app\n" % r.choice(["python:3.12-slim", "node:20-alpine", "golang:1.22 AS build", "eclipse-temurin:21-jre"]))

    def filler(self, d):
        r = self.r
        d.t(r.choice(["RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n",
                      "COPY . /app\n", "EXPOSE %d\n" % r.choice([80, 8080, 3000, 5000]), "ENV LOG_LEVEL=info\n",
                      "RUN make build\n", "USER 10001\n", "# %s\n" % r.sentence()]))

    def render(self, d, group):
        c = self.r.randrange(3)
        for v in group:
            if c == 0:
                d.t("ENV %s=" % nm(v.name, "upper"))
            elif c == 1:
                d.t("ENV %s " % nm(v.name, "upper"))
            else:
                d.t("ARG %s=" % nm(v.name, "upper"))
            d.val(v)
            d.t("\n")

    def end(self, d):
        d.t('CMD ["./start.sh"]\n')

    def expr_env(self, env):
        return "${%s}" % env


class Markdown(Lang):
    name = "markdown"

    def begin(self, d):
        d.t("# %s\n\n%s.\n\n" % (nm(self.r.ident(2), "pascal"), self.r.sentence().capitalize()))

    def filler(self, d):
        r = self.r
        c = r.randrange(4)
        if c == 0:
            d.t("\n## %s\n\n" % r.sentence().capitalize())
        elif c == 1:
            d.t("%s. %s.\n\n" % (r.sentence().capitalize(), r.sentence().capitalize()))
        elif c == 2:
            d.t("- `%s`: %s\n" % (r.ident(2), r.sentence()))
        else:
            d.t("```bash\n%s %s --%s\n```\n\n" % (r.choice(["make", "kubectl get", "npm run", "go test"]), r.word(), r.word()))

    def render(self, d, group):
        r = self.r
        if r.random() < 0.6:
            d.t("```bash\n")
            for v in group:
                d.t("export %s=" % nm(v.name, "upper"))
                d.val(v)
                d.t("\n")
            d.t("```\n\n")
        else:
            for v in group:
                d.t("Set `%s` to `" % nm(v.name, "upper"))
                d.val(v)
                d.t("` before running the service.\n\n")


LANG_CLASSES = {c.name: c for c in (Python, JS, TS, Go, Java, Ruby, PHP, Yaml, K8sDeployment, K8sConfigMap, JsonLang, Env, Properties, Ini, Toml,
                                    Xml, Terraform, Shell, Dockerfile, Markdown)}


# =============================================================================================
# hard negatives


AWS_DOC_PAIRS = [("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                 ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")]

PLACEHOLDERS = [
    ("api_key", "${API_KEY}"), ("password", "${DB_PASSWORD}"), ("client_secret", "{{ .Values.clientSecret }}"),
    ("secret_key", "{{ secret_key }}"), ("auth_token", "<your-token>"), ("api_key", "<YOUR_API_KEY>"),
    ("stripe_secret_key", "your_stripe_secret_key_here"), ("password", "xxxxxxxxxxxxxxxx"), ("api_secret", "********"),
    ("admin_password", "changeme"), ("db_password", "CHANGE_ME"), ("token", "REPLACE_WITH_YOUR_TOKEN"),
    ("password", "%(db_password)s"), ("secret", "$SECRET_KEY"), ("access_token", "[REDACTED]"),
    ("github_token", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ("stripe_secret_key", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
    ("slack_bot_token", "xoxb-your-bot-token-here"), ("aws_access_key_id", "AKIAXXXXXXXXXXXXXXXX"),
    ("gitlab_token", "glpat-xxxxxxxxxxxxxxxxxxxx"), ("anthropic_api_key", "sk-ant-api03-..."), ("hf_token", "hf_********************************"),
    ("google_api_key", "AIza-your-google-api-key"), ("npm_token", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
    ("sendgrid_api_key", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("slack_webhook_url", "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("database_url", "postgres://user:password@localhost:5432/mydb"), ("database_url", "mysql://root:${MYSQL_ROOT_PASSWORD}@mysql:3306/app"),
    ("mongo_uri", "mongodb://<username>:<password>@cluster0.mongodb.net/app"), ("openai_api_key", "sk-proj-REPLACE_ME"),
    ("jwt_secret", "your-256-bit-secret"), ("password", "<password>"), ("api_key", "YOUR_API_KEY"),
    ("client_secret", "__CLIENT_SECRET__"), ("twilio_api_key", "SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("discord_webhook_url", "https://discord.com/api/webhooks/<id>/<token>"), ("datadog_api_key", "<DATADOG_API_KEY>"),
    ("telegram_bot_token", "<bot-id>:<bot-token>"), ("password", "**********"), ("secret_key", "insert-secret-key-here"),
    ("registry_url", "https://${REGISTRY_USER}:${REGISTRY_PASSWORD}@registry.acme-corp.net/v2"),
    ("export_url", "https://api.acme-corp.net/v2/export?api_key=${EXPORT_API_KEY}"), ("jenkins_url", "https://ci@jenkins.internal/job/main"),
]

FIXTURE_FAKES = [
    ("password", "fake-password-123"), ("api_key", "dummy_api_key_for_tests"), ("token", "sample-token-value"),
    ("aws_access_key_id", "AKIA0000000000000000"), ("github_token", "ghp_" + "0" * 36), ("stripe_secret_key", "sk_live_" + "0" * 24),
    ("slack_bot_token", "xoxb-000000000000-0000000000000-" + "x" * 24), ("client_secret", "dummy-client-secret"),
    ("secret_key", "fake_secret_key_do_not_use"), ("auth_token", "test-token"), ("password", "test_password"),
    ("openai_api_key", "sk-fake-key-for-unit-tests"), ("db_password", "example-password"), ("webhook_secret", "whsec_test_dummy"),
    ("api_token", "00000000-0000-0000-0000-000000000000"), ("private_token", "placeholder-token"), ("jwt", "fake.jwt.token"),
    ("password", "sample_password"), ("anthropic_api_key", "sk-ant-dummy"), ("hf_token", "hf_fake_token"),
]


def wrong_length(r):
    c = r.randrange(12)
    return [
        ("github_token", "ghp_" + r.body(ALNUM, 10)), ("aws_access_key_id", "AKIA" + r.body(AWS_B32, 8)),
        ("gitlab_token", "glpat-" + r.body(ALNUM, 6)), ("slack_bot_token", "xoxb-" + r.body(DIGITS, 5)),
        ("anthropic_api_key", "sk-ant-api03-" + r.body(ALNUM, 12)), ("google_api_key", "AIza" + r.body(ALNUM, 10)),
        ("npm_token", "npm_" + r.body(ALNUM, 12)), ("hf_token", "hf_" + r.body(LOWER, 8)),
        ("sendgrid_api_key", "SG." + r.body(ALNUM, 10)), ("shopify_access_token", "shpat_" + r.body(HEX, 10)),
        ("stripe_secret_key", "sk_live_" + r.body(ALNUM, 6)), ("groq_api_key", "gsk_" + r.body(ALNUM, 9)),
    ][c]


def lookalike(r):
    return r.choice([
        ("password_min_length", str(r.choice([8, 10, 12, 16]))), ("token_type", "Bearer"), ("secret_name", "prod/%s/credentials" % r.word()),
        ("api_key_header", "X-Api-Key"), ("ssh_key_path", "~/.ssh/id_ed25519"), ("token_ttl_seconds", str(r.choice([300, 900, 3600]))),
        ("password_reset_url", "https://accounts.%s.io/password/reset" % r.word()),
        ("auth_url", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"), ("kms_key_id", "alias/%s-%s" % (r.word(), r.word())),
        ("secret_ref", "%s-credentials" % r.word()), ("password_field", "password"), ("token_endpoint", "https://oauth2.googleapis.com/token"),
        ("google_client_id", "%s-%s.apps.googleusercontent.com" % (r.body(DIGITS, 12), r.body(LOWER + DIGITS, 32))),
        ("key_file", "/etc/ssl/private/%s.key" % r.word()), ("secret_mount_path", "/var/run/secrets/%s" % r.word()),
        ("private_key_path", "certs/%s.pem" % r.word()), ("api_key_env_var", "%s_API_KEY" % r.word().upper()),
        ("credentials_provider", "aws.auth.DefaultCredentialsProvider"), ("token_cache_dir", "/tmp/.%s-cache" % r.word()),
    ])


def png_data_uri(r):
    ihdr = struct.pack(">IIBBBBB", r.randint(16, 64), r.randint(16, 64), 8, 6, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = r.rbytes(r.randint(60, 300))
    data = b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", len(idat)) + b"IDAT" + idat
    return "data:image/png;base64," + base64.b64encode(data).decode()


def gen_negative_kv(r, lang):
    """One hard negative as a group of V's (usually one)."""
    c = r.choices(["aws_doc", "placeholder", "env", "call", "hash", "uuid", "commit", "image", "fixture", "wrong_length", "lookalike"],
                  weights=[4, 14, 14, 6, 9, 6, 4, 3, 0, 7, 8])[0]
    if c == "aws_doc":
        kid, sec = r.choice(AWS_DOC_PAIRS)
        return [V("aws_access_key_id", kid, neg="aws-documented-example"), V("aws_secret_access_key", sec, neg="aws-documented-example")]
    if c == "placeholder":
        n, v = r.choice(PLACEHOLDERS)
        return [V(n, v, neg="placeholder")]
    if c == "env" or (c == "call" and lang.name not in RAW_LANGS):
        n = r.choice(["db_password", "api_key", "stripe_secret_key", "github_token", "aws_secret_access_key", "slack_bot_token",
                      "openai_api_key", "jwt_secret", "client_secret", "sendgrid_api_key", "datadog_api_key"])
        return [V(n, lang.expr_env(n.upper()), neg="env-lookup", raw=lang.name in RAW_LANGS)]
    if c == "call" and lang.name in RAW_LANGS:
        n = r.choice(["db_password", "api_key", "stripe_key", "signing_key", "client_secret"])
        return [V(n, lang.expr_call(n), neg="secret-manager-call", raw=lang.name in RAW_LANGS)]
    if c == "hash":
        n, v = r.choice([("checksum", r.hexs(64)), ("sha256", r.hexs(64)), ("digest", "sha256:" + r.hexs(64)),
                         ("etag", r.hexs(32)), ("content_md5", r.hexs(32)), ("sha1", r.hexs(40)), ("file_hash", r.hexs(64))])
        return [V(n, v, neg="hash")]
    if c == "uuid":
        return [V(r.choice(["request_id", "trace_id", "tenant_id", "correlation_id", "installation_id", "workspace_id", "device_id"]), r.uuid4(), neg="uuid")]
    if c == "commit":
        return [V(r.choice(["commit", "revision", "git_sha", "base_ref", "pinned_rev"]), r.hexs(40), neg="git-commit")]
    if c == "image":
        return [V(r.choice(["logo", "favicon", "placeholder_image", "avatar_default"]), png_data_uri(r), neg="base64-image")]
    if c == "wrong_length":
        n, v = wrong_length(r)
        return [V(n, v, neg="wrong-length")]
    n, v = lookalike(r)
    return [V(n, v, neg="lookalike")]


# kinds whose value has no distinctive shape: only ever written next to a name that says what it is
NEEDS_CONTEXT = {"generic", "datadog-api", "datadog-app", "aws-secret-access-key", "aws-session-token", "telegram-bot",
                 "mailchimp", "mailgun", "twilio-api-key"}

RAW_LANGS = {"python", "javascript", "typescript", "go", "java", "ruby", "php", "terraform", "shell"}


# =============================================================================================
# positive items


def make_positive_groups(r):
    """All key/value positives, each a group of V's that belong together."""
    groups = []
    for kind, (family, fn, names, count) in CATALOG.items():
        for _ in range(count):
            groups.append([V(r.choice(names), fn(r), family=family, kind=kind)])
    for _ in range(10):
        groups.append([V("aws_access_key_id", gen_aws_key_id(r), family="aws", kind="aws-access-key-id"),
                       V("aws_secret_access_key", gen_aws_secret(r), family="aws", kind="aws-secret-access-key")])
    for _ in range(4):
        groups.append([V("aws_access_key_id", gen_aws_key_id(r, "ASIA"), family="aws", kind="aws-access-key-id"),
                       V("aws_secret_access_key", gen_aws_secret(r), family="aws", kind="aws-secret-access-key"),
                       V("aws_session_token", gen_aws_session_token(r), family="aws", kind="aws-session-token")])
    for i in range(8):
        host = "%s.%s" % (r.choice(["registry", "nexus", "artifacts", "jenkins", "grafana", "es"]), r.choice(["acme-corp.net", "internal"]))
        if i % 2 == 0:
            url = "https://%s:%s@%s/%s" % (r.choice(["admin", "ci", "deploy", "svc-build"]), gen_password(r, url_safe=True), host, r.word())
            groups.append([V(r.choice(["registry_url", "artifact_repo_url", "elasticsearch_url", "jenkins_url"]), url, family="generic", kind="url-basic-auth")])
        else:
            url = "https://%s/api/v2/%s?%s=%s" % (host, r.word(), r.choice(["api_key", "access_token", "token"]), r.body(ALNUM, r.randint(28, 40)))
            groups.append([V(r.choice(["status_endpoint", "export_url", "callback_url"]), url, family="generic", kind="url-query-token")])
    for _ in range(24):
        uri, sub = gen_db_uri(r)
        name = {"postgres": ["database_url", "db_url", "sqlalchemy_database_uri"], "mysql": ["database_url", "mysql_url"],
                "mongodb": ["mongo_uri", "mongodb_url"], "redis": ["redis_url", "cache_url"], "amqp": ["broker_url", "amqp_url", "celery_broker_url"],
                "jdbc": ["datasource_url", "jdbc_url"]}[sub]
        groups.append([V(r.choice(name), uri, family="database", kind="database-uri-" + sub)])
    r.shuffle(groups)
    return groups


# =============================================================================================
# the tree


class FileSpec:
    def __init__(self, path, lang, role, filler=(3, 10), crlf=False):
        self.path, self.lang, self.role, self.filler, self.crlf = path, lang, role, filler, crlf
        self.pos = []   # groups of V
        self.neg = []


SERVICES = [
    ("billing-api", "python"), ("auth-service", "go"), ("web-frontend", "typescript"), ("notifications", "javascript"),
    ("ledger", "java"), ("storefront", "ruby"), ("cms", "php"), ("data-pipeline", "python"), ("gateway", "go"),
    ("admin-portal", "javascript"), ("search-indexer", "java"), ("ml-inference", "python"),
]
EXT = {"python": "py", "javascript": "js", "typescript": "ts", "go": "go", "java": "java", "ruby": "rb", "php": "php"}


def plan_tree(r):
    specs = []

    seen = set()

    def add(path, lang, role, filler=(3, 10), crlf=False):
        while path in seen:
            stem, dot, ext = path.rpartition(".")
            path = stem + "_2" + dot + ext if dot and "/" not in ext else path + "_2"
        seen.add(path)
        s = FileSpec(path, lang, role, filler, crlf)
        specs.append(s)
        return s

    for svc, lang in SERVICES:
        base = "services/%s" % svc
        ext = EXT[lang]
        for _ in range(r.randint(5, 9)):
            name = r.ident(r.randint(1, 2))
            if lang == "java":
                path = "%s/src/main/java/com/acme/%s/%s.java" % (base, svc.replace("-", ""), nm(name, "pascal"))
            elif lang == "go":
                path = "%s/internal/%s/%s.go" % (base, r.word(), name)
            elif lang in ("javascript", "typescript"):
                path = "%s/src/%s/%s.%s" % (base, r.word(), nm(name, "camel"), ext)
            elif lang == "ruby":
                path = "%s/app/%s/%s.rb" % (base, r.choice(["models", "services", "jobs"]), name)
            elif lang == "php":
                path = "%s/src/%s/%s.php" % (base, nm(r.word(), "pascal"), nm(name, "pascal"))
            else:
                path = "%s/%s/%s.py" % (base, svc.replace("-", "_"), name)
            add(path, lang, "src")
        for _ in range(r.randint(2, 3)):
            name = r.ident(1)
            tpath = {"python": "%s/tests/test_%s.py", "go": "%s/internal/%s_test.go", "java": "%s/src/test/java/%sTest.java",
                     "ruby": "%s/spec/%s_spec.rb", "php": "%s/tests/%sTest.php", "javascript": "%s/test/%s.test.js",
                     "typescript": "%s/src/__tests__/%s.test.ts"}[lang]
            add(tpath % (base, nm(name, "pascal") if lang in ("java", "php") else name), lang, "test", (2, 5))
        # config files per stack
        if lang == "java":
            add("%s/src/main/resources/application.properties" % base, "properties", "config")
            add("%s/src/main/resources/application-prod.yml" % base, "yaml", "config")
            add("%s/src/main/resources/log4j2.xml" % base, "xml", "config", (2, 5))
        elif lang == "python":
            add("%s/settings.toml" % base, "toml", "config")
            add("%s/alembic.ini" % base, "ini", "config")
            add("%s/config/%s.yaml" % (base, r.choice(["prod", "default", "staging"])), "yaml", "config")
        elif lang == "go":
            add("%s/config.toml" % base, "toml", "config")
            add("%s/config/%s.yaml" % (base, r.choice(["prod", "default"])), "yaml", "config")
        elif lang in ("javascript", "typescript"):
            add("%s/config/default.json" % base, "json", "config")
            add("%s/config/production.json" % base, "json", "config")
        elif lang == "ruby":
            add("%s/config/database.yml" % base, "yaml", "config")
            add("%s/config/secrets.yml" % base, "yaml", "config")
        else:
            add("%s/config/app.php" % base, "php", "config")
        add("%s/.env" % base, "env", "env", (2, 6), crlf=r.random() < 0.2)
        add("%s/.env.example" % base, "env", "envexample", (2, 5))
        add("%s/Dockerfile" % base, "dockerfile", "config", (3, 6))
        add("%s/docker-compose.yml" % base, "yaml", "config", (2, 6))
        add("%s/README.md" % base, "markdown", "doc", (4, 10))
        add("%s/scripts/%s.sh" % (base, r.choice(["deploy", "release", "bootstrap", "seed"])), "shell", "src", (3, 7))

    for name in ["main", "variables", "providers", "rds", "monitoring", "iam", "outputs"]:
        add("infra/terraform/%s.tf" % name, "terraform", "config")
    for env in ["staging", "prod"]:
        add("infra/terraform/envs/%s/terraform.tfvars" % env, "terraform", "config", (1, 3))
    for svc in ["billing", "auth", "ledger", "search", "gateway", "web"]:
        add("infra/k8s/%s/deployment.yaml" % svc, "k8s-deployment", "config", (3, 7))
        add("infra/k8s/%s/configmap.yaml" % svc, "k8s-configmap", "config", (2, 5))
    add("infra/helm/platform/values.yaml", "yaml", "config", (6, 14))
    add("infra/helm/platform/values-prod.yaml", "yaml", "config", (3, 8))
    add("infra/ansible/group_vars/all.yml", "yaml", "config", (4, 8))
    add("infra/ansible/roles/db/defaults/main.yml", "yaml", "config", (2, 5))
    for wf in ["ci", "deploy", "release", "nightly"]:
        add(".github/workflows/%s.yml" % wf, "yaml", "ci", (3, 7))
    add(".gitlab-ci.yml", "yaml", "ci", (4, 8))
    for doc in ["setup", "deployment", "runbook", "architecture", "onboarding", "incident-2023-11", "api", "local-development"]:
        add("docs/%s.md" % doc, "markdown", "doc", (6, 14))
    for name in ["backup_db", "rotate_logs", "sync_assets", "smoke_test", "bootstrap_cluster"]:
        add("scripts/%s.sh" % name, "shell", "src", (3, 8))
    for name in ["migrate_users", "export_reports", "reindex"]:
        add("tools/%s.py" % name, "python", "src")
    add("config/legacy/app.config", "xml", "config", (3, 8), crlf=True)
    add("config/legacy/web.config", "xml", "config", (3, 8), crlf=True)
    add("config/legacy/settings.ini", "ini", "config", (3, 8), crlf=True)
    add("config/legacy/service.properties", "properties", "config", (3, 8), crlf=True)
    for name in ["billing", "orders", "users", "payments"]:
        add("tests/fixtures/%s.json" % name, "json", "test", (3, 8))
    add("tests/fixtures/settings_test.yaml", "yaml", "test", (3, 6))
    add("tests/integration/test_providers.py", "python", "test", (3, 6))
    add("tests/integration/conftest.py", "python", "test", (2, 4))

    # CRLF on a random ~10% of the other text files
    for s in specs:
        if s.role in ("src", "config") and r.random() < 0.1:
            s.crlf = True
    return specs


def distribute(r, specs, pos_groups, n_neg, langs):
    """Place positive groups and negatives into files of suitable roles."""
    role_weight = {"src": 1, "config": 2, "env": 4, "ci": 1}
    pos_targets = [s for s in specs if s.role in role_weight for _ in range(role_weight[s.role])]
    doc_targets = [s for s in specs if s.role == "doc"]
    for i, g in enumerate(pos_groups):
        pool = doc_targets if i % 25 == 0 else pos_targets
        for _ in range(50):
            s = r.choice(pool)
            lang = langs[s.lang]
            if len(s.pos) < (6 if s.role == "env" else 4) and all(lang.accepts(v) for v in g):
                s.pos.append(g)
                break
        else:
            raise RuntimeError("could not place a positive")
    # negatives: placeholders dominate .env.example/docs, fixtures in tests, the rest anywhere
    for s in specs:
        lang = langs[s.lang]
        if s.role == "envexample":
            for _ in range(r.randint(3, 6)):
                n, v = r.choice(PLACEHOLDERS)
                if lang.accepts(V(n, v)):
                    s.neg.append([V(n, v, neg="placeholder")])
        elif s.role == "test":
            for _ in range(r.randint(1, 3)):
                n, v = r.choice(FIXTURE_FAKES)
                if lang.accepts(V(n, v)):
                    s.neg.append([V(n, v, neg="test-fixture")])
    placed = 0
    targets = [s for s in specs]
    while placed < n_neg:
        s = r.choice(targets)
        lang = langs[s.lang]
        g = gen_negative_kv(r, lang)
        if all(lang.accepts(v) for v in g):
            s.neg.append(g)
            placed += len(g)


def render_spec(r, s, lang):
    d = Doc(s.path)
    lang.begin(d)
    items = [("p", g) for g in s.pos] + [("n", g) for g in s.neg]
    nfill = r.randint(*s.filler)
    items += [("f", None)] * nfill
    r.shuffle(items)
    for kind, g in items:
        if kind == "f":
            lang.filler(d)
        else:
            lang.render(d, g)
    lang.end(d)
    return d


# =============================================================================================
# special files


def special_files(r, keys):
    """Files with structure of their own. Returns a list of (Doc, crlf, encoding)."""
    out = []

    def doc(path):
        return Doc(path)

    # --- GCP service-account JSON keys (private_key is the planted secret, JSON-escaped)
    def sa_json(d, k, indent="", project=None):
        project = project or "%s-%s-%d" % (r.word(), r.choice(["prod", "staging", "data"]), r.randrange(100000, 999999))
        acct = "%s-%s" % (r.word(), r.choice(["sa", "runner", "deployer", "reader"]))
        email = "%s@%s.iam.gserviceaccount.com" % (acct, project)
        pk = fakekeys.pem_pkcs8_rsa(k).replace("\n", "\\n")
        d.t('%s{\n%s  "type": "service_account",\n%s  "project_id": "%s",\n%s  "private_key_id": "%s",\n%s  "private_key": "' % (
            indent, indent, indent, project, indent, r.hexs(40), indent))
        d.val(V("private_key", pk, family="gcp", kind="gcp-service-account-key"))
        d.t('",\n%s  "client_email": "%s",\n%s  "client_id": "%s",\n' % (indent, email, indent, r.body(DIGITS, 21)))
        d.t('%s  "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n%s  "token_uri": "https://oauth2.googleapis.com/token",\n' % (indent, indent))
        d.t('%s  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",\n' % indent)
        d.t('%s  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/%s",\n' % (indent, email.replace("@", "%40")))
        d.t('%s  "universe_domain": "googleapis.com"\n%s}' % (indent, indent))

    for path in ["infra/gcp/service-account.json", "services/data-pipeline/credentials/bq-loader-key.json"]:
        d = doc(path)
        sa_json(d, keys.pop())
        d.t("\n")
        out.append((d, False, "utf-8"))
    d = doc("infra/k8s/data/gcp-credentials-secret.yaml")
    d.t("apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp-credentials\n  namespace: data\ntype: Opaque\nstringData:\n  key.json: |\n")
    sa_json(d, keys.pop(), indent="    ")
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("infra/terraform/gcp.tf")
    d.t('resource "google_secret_manager_secret_version" "loader" {\n  secret      = google_secret_manager_secret.loader.id\n  secret_data = <<EOT\n')
    sa_json(d, keys.pop())
    d.t('\nEOT\n}\n\nprovider "google" {\n  project = "acme-data"\n  region  = "europe-west1"\n}\n')
    out.append((d, False, "utf-8"))

    # --- private keys: PEM files and embedded blocks
    def pk(d, text, kind):
        d.val(V("private_key", text.rstrip("\n"), family="private-key", kind=kind))

    rsa = keys.pop()
    d = doc("deploy/keys/server.key")
    pk(d, fakekeys.pem_rsa_pkcs1(rsa), "rsa-pkcs1")
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("deploy/keys/server.crt")
    cert = fakekeys.self_signed_cert_pem(r, rsa, cn="api.acme-corp.net")
    d.val(V("certificate", cert.rstrip("\n"), neg="certificate"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.ssh/id_ed25519")
    ed = fakekeys.ed25519_keypair(r)
    pk(d, fakekeys.openssh_ed25519_private(r, ed, "deploy@bastion"), "openssh-ed25519")
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.ssh/id_ed25519.pub")
    d.val(V("public_key", fakekeys.ssh_ed25519_public(ed, "deploy@bastion"), neg="public-key"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    rsa_ssh = fakekeys.rsa_keypair(r, 2048)
    d = doc("home/ci/.ssh/id_rsa")
    pk(d, fakekeys.openssh_rsa_private(r, rsa_ssh, "ci@runner-7"), "openssh-rsa")
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/ci/.ssh/authorized_keys")
    d.val(V("public_key", fakekeys.ssh_rsa_public(rsa_ssh, "ci@runner-7"), neg="public-key"))
    d.t("\n")
    for i in range(3):
        other = fakekeys.ed25519_keypair(r)
        d.val(V("public_key", fakekeys.ssh_ed25519_public(other, "%s@laptop" % r.word()), neg="public-key"))
        d.t("\n")
    out.append((d, False, "utf-8"))
    ec = fakekeys.ec_p256_keypair(r)
    d = doc("services/auth-service/keys/jwt-signing-ec.pem")
    pk(d, fakekeys.pem_ec_sec1(ec), "ec-sec1")
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("services/auth-service/keys/jwt-signing-ec.pub.pem")
    d.val(V("public_key", fakekeys.pem_ec_public(ec).rstrip("\n"), neg="public-key"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("services/gateway/certs/upstream-client.key")
    pk(d, fakekeys.pem_pkcs8_ed25519(fakekeys.ed25519_keypair(r)), "pkcs8-ed25519")
    d.t("\n")
    out.append((d, True, "utf-8"))

    # TLS secret in a k8s manifest (RSA PKCS#1 block under a YAML literal) + cert (negative)
    rsa2 = keys.pop()
    d = doc("infra/k8s/gateway/tls-secret.yaml")
    d.t("apiVersion: v1\nkind: Secret\nmetadata:\n  name: gateway-tls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n")
    for ln in fakekeys.self_signed_cert_pem(r, rsa2, cn="gateway.acme-corp.net").rstrip("\n").split("\n"):
        d.t("    ")
        if ln.startswith("-----BEGIN"):
            d.val(V("certificate-line", ln, neg="certificate"))
        else:
            d.t(ln)
        d.t("\n")
    d.t("  tls.key: |\n")
    body = fakekeys.pem_rsa_pkcs1(rsa2).rstrip("\n").split("\n")
    # the planted secret is the whole block as it appears in the file (indented lines)
    d.t("    ")
    d.val(V("private_key", "\n    ".join(body), family="private-key", kind="rsa-pkcs1-yaml"))
    d.t("\n")
    out.append((d, False, "utf-8"))

    # EC key in a Terraform heredoc
    d = doc("infra/terraform/signing.tf")
    d.t('resource "vault_generic_secret" "signing" {\n  path = "secret/signing"\n\n  data_json = jsonencode({\n    algorithm = "ES256"\n  })\n}\n\n')
    d.t('locals {\n  signing_key = <<-EOT\n')
    pk(d, fakekeys.pem_ec_sec1(fakekeys.ec_p256_keypair(r)), "ec-sec1-heredoc")
    d.t("\n  EOT\n}\n")
    out.append((d, False, "utf-8"))

    # PKCS#8 RSA in a JS template literal, PKCS#8 EC in a Python string, PKCS#8 RSA JSON-escaped in Java
    d = doc("services/notifications/src/push/apnsKey.js")
    d.t("'use strict';\n\n// APNs provider key used by the push worker.\nconst APNS_KEY = `")
    pk(d, fakekeys.pem_pkcs8_ec(fakekeys.ec_p256_keypair(r)), "pkcs8-ec-js")
    d.t("`;\n\nmodule.exports = { APNS_KEY, teamId: '%s', keyId: '%s' };\n" % (r.body(UPPER + DIGITS, 10), r.body(UPPER + DIGITS, 10)))
    out.append((d, False, "utf-8"))
    d = doc("services/ml-inference/ml_inference/signing.py")
    d.t('"""Request signing for the model gateway."""\n\nSIGNING_KEY_PEM = """')
    pk(d, fakekeys.pem_pkcs8_rsa(keys.pop()), "pkcs8-rsa-python")
    d.t('"""\n\n\ndef load_signing_key():\n    return serialization.load_pem_private_key(SIGNING_KEY_PEM.encode(), None)\n')
    out.append((d, False, "utf-8"))
    d = doc("services/ledger/src/main/java/com/acme/ledger/BankConnectorKeys.java")
    d.t("package com.acme.ledger;\n\npublic final class BankConnectorKeys {\n    static final String CLIENT_KEY =\n        \"")
    txt = fakekeys.pem_pkcs8_ec(fakekeys.ec_p256_keypair(r)).replace("\n", "\\n")
    d.val(V("private_key", txt, family="private-key", kind="pkcs8-ec-java-escaped"))
    d.t("\";\n    private BankConnectorKeys() {}\n}\n")
    out.append((d, False, "utf-8"))

    # a runbook with a pasted OpenSSH key and public keys / certificate (negatives)
    d = doc("docs/runbooks/bastion-access.md")
    d.t("# Bastion access\n\nAdd your public key to `authorized_keys`:\n\n```\n")
    d.val(V("public_key", fakekeys.ssh_ed25519_public(fakekeys.ed25519_keypair(r), "alice@laptop"), neg="public-key"))
    d.t("\n```\n\nThe CA certificate of the internal PKI:\n\n```\n")
    d.val(V("certificate", fakekeys.self_signed_cert_pem(r, fakekeys.rsa_keypair(r, 1024), cn="ca.acme.internal").rstrip("\n"), neg="certificate"))
    d.t("\n```\n\nIn an emergency, use the break-glass key below (rotate afterwards!):\n\n```\n")
    pk(d, fakekeys.openssh_ed25519_private(r, fakekeys.ed25519_keypair(r), "breakglass@bastion"), "openssh-ed25519-markdown")
    d.t("\n```\n\nVerify the host key fingerprint `SHA256:%s` before connecting.\n" % base64.b64encode(r.rbytes(32)).decode().rstrip("="))
    out.append((d, False, "utf-8"))
    d = doc("deploy/keys/server.csr")
    d.val(V("csr", fakekeys.csr_pem(r, fakekeys.rsa_keypair(r, 1024), cn="api.acme-corp.net").rstrip("\n"), neg="certificate-request"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("docs/security/release-signing.md")
    d.t("# Release signing\n\nReleases are signed with the key below. Import it with `gpg --import`:\n\n```\n")
    d.val(V("pgp", fakekeys.pgp_public_key_block(r).rstrip("\n"), neg="public-key"))
    d.t("\n```\n\nFingerprint: `%s`\n" % " ".join(r.hexs(4).upper() for _ in range(10)))
    out.append((d, False, "utf-8"))
    d = doc("deploy/keys/jwt-public.pem")
    d.val(V("public_key", fakekeys.pem_rsa_public(fakekeys.rsa_keypair(r, 1024)).rstrip("\n"), neg="public-key"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("infra/k8s/ingress/ca-configmap.yaml")
    d.t("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: internal-ca\ndata:\n  ca.crt: |\n")
    ca = fakekeys.self_signed_cert_pem(r, fakekeys.rsa_keypair(r, 1024), cn="Acme Root CA").rstrip("\n").split("\n")
    d.t("    ")
    d.val(V("certificate", "\n    ".join(ca), neg="certificate"))
    d.t("\n")
    out.append((d, False, "utf-8"))

    # --- dotfiles
    d = doc("home/deploy/.npmrc")
    d.t("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=")
    d.val(V("npm", checksummed(r, "npm_"), family="npm", kind="npm-npmrc"))
    d.t("\n@acme:registry=https://npm.pkg.github.com/\n//npm.pkg.github.com/:_authToken=")
    d.val(V("gh", checksummed(r, "ghp_"), family="github", kind="github-classic-npmrc"))
    d.t("\nalways-auth=true\n")
    out.append((d, False, "utf-8"))
    d = doc("services/web-frontend/.npmrc")
    d.t("engine-strict=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
    d.recs.append((len("engine-strict=true\n//registry.npmjs.org/:_authToken="), V("npm", "${NPM_TOKEN}", neg="placeholder")))
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.netrc")
    d.t("machine api.github.com\n  login deploy-bot\n  password ")
    d.val(V("gh", checksummed(r, "ghp_"), family="github", kind="github-classic-netrc"))
    d.t("\nmachine ftp.partner-%s.com\n  login acme\n  password " % r.word())
    d.val(V("pw", gen_password(r), family="generic", kind="netrc-password"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.git-credentials")
    d.t("https://deploy-bot:")
    d.val(V("gh", checksummed(r, "ghp_"), family="github", kind="github-classic-git-credentials"))
    d.t("@github.com\nhttps://oauth2:")
    d.val(V("gl", "glpat-" + r.body(B64URL, 20), family="gitlab", kind="gitlab-pat-git-credentials"))
    d.t("@gitlab.acme-corp.net\n")
    out.append((d, False, "utf-8"))
    d = doc("home/dba/.pgpass")
    for i in range(3):
        host = r.choice(["db-primary", "db-replica", "analytics"]) + ".internal"
        d.t("%s:5432:%s:%s:" % (host, r.choice(["orders", "billing", "*"]), r.choice(["postgres", "app", "etl"])))
        d.val(V("pw", gen_password(r, url_safe=True), family="database", kind="pgpass-password"))
        d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.pypirc")
    d.t("[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = ")
    d.val(V("pypi", gen_pypi(r), family="pypi", kind="pypi-pypirc"))
    d.t("\n")
    out.append((d, False, "utf-8"))
    d = doc("home/deploy/.aws/credentials")
    for prof in ["default", "prod-admin"]:
        d.t("[%s]\naws_access_key_id = " % prof)
        d.val(V("k", gen_aws_key_id(r), family="aws", kind="aws-access-key-id"))
        d.t("\naws_secret_access_key = ")
        d.val(V("s", gen_aws_secret(r), family="aws", kind="aws-secret-access-key"))
        d.t("\nregion = %s\n\n" % r.choice(["us-east-1", "eu-west-1"]))
    d.t("[docs-example]\naws_access_key_id = ")
    d.val(V("k", "AKIAIOSFODNN7EXAMPLE", neg="aws-documented-example"))
    d.t("\naws_secret_access_key = ")
    d.val(V("s", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", neg="aws-documented-example"))
    d.t("\n")
    out.append((d, False, "utf-8"))

    # --- docker config.json (auth = base64(user:password))
    for path in ["home/deploy/.docker/config.json", "infra/registry/config.json"]:
        d = doc(path)
        auth = base64.b64encode(("%s:%s" % (r.choice(["acmebot", "ci-pusher", "deploy"]), gen_password(r))).encode()).decode()
        d.t('{\n  "auths": {\n    "https://index.docker.io/v1/": {\n      "auth": "')
        d.val(V("auth", auth, family="docker", kind="docker-config-auth"))
        d.t('"\n    },\n    "ghcr.io": {\n      "auth": "')
        gh = "deploy-bot:" + checksummed(r, "ghp_")
        d.val(V("auth", base64.b64encode(gh.encode()).decode(), family="docker", kind="docker-config-auth"))
        d.t('"\n    }\n  },\n  "credsStore": "desktop",\n  "currentContext": "default"\n}\n')
        out.append((d, False, "utf-8"))

    # --- Kubernetes Secret manifests with stringData (plain) and one with data (base64, hard negative: not decoded here)
    for svc in ["billing", "ledger", "search"]:
        d = doc("infra/k8s/%s/secret.yaml" % svc)
        d.t("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s-secrets\n  namespace: %s\ntype: Opaque\nstringData:\n" % (svc, svc))
        uri, _ = gen_db_uri(r)
        d.t("  DATABASE_URL: ")
        d.val(V("db", uri, family="database", kind="database-uri-k8s"))
        d.t("\n  STRIPE_SECRET_KEY: ")
        d.val(V("st", "sk_live_" + r.body(ALNUM, 24), family="stripe", kind="stripe-secret"))
        d.t("\n  SENTRY_DSN: ")
        d.val(V("sd", CATALOG["sentry-dsn"][1](r), family="sentry", kind="sentry-dsn"))
        d.t("\n  LOG_LEVEL: info\n")
        out.append((d, False, "utf-8"))

    # --- minified bundle with very long lines
    d = doc("services/web-frontend/public/js/main.%s.js" % r.hexs(8))
    d.t("/*! acme-web v%d.%d.%d | (c) Acme */\n" % (r.randint(1, 4), r.randint(0, 20), r.randint(0, 9)))

    def minified_chunk(target):
        parts = []
        n = 0
        while n < target:
            c = r.randrange(5)
            if c == 0:
                s = "function %s(e,t){return e.%s(t)}" % (r.choice(LOWER) + r.choice(LOWER), nm(r.ident(2), "camel"))
            elif c == 1:
                s = "var %s={%s:\"%s\",%s:%d};" % (r.choice(LOWER), r.word(), r.word(), r.word(), r.randint(0, 999))
            elif c == 2:
                s = "%d:function(e,t,n){\"use strict\";n.d(t,{a:function(){return %s}})}," % (r.randint(100, 99999), r.choice(LOWER))
            elif c == 3:
                s = "if(!%s)throw new Error(\"%s\");" % (r.choice(LOWER), r.sentence()[:30])
            else:
                s = "Object.defineProperty(t,\"__esModule\",{value:!0});"
            parts.append(s)
            n += len(s)
        return "".join(parts)

    mins = [
        ("firebaseConfig={apiKey:\"", CATALOG["gcp-api-key"][1](r), "gcp", "gcp-api-key", "\",authDomain:\"acme-web.firebaseapp.com\",projectId:\"acme-web\"};"),
        ("Sentry.init({dsn:\"", CATALOG["sentry-dsn"][1](r), "sentry", "sentry-dsn", "\",tracesSampleRate:.2});"),
        ("var chatKey=\"", gen_openai(r, "proj"), "openai", "openai-project", "\";"),
        ("headers:{Authorization:\"Bearer ", gen_jwt(r), "jwt", "jwt", "\"},"),
        ("slackHook:\"", CATALOG["slack-webhook"][1](r), "slack", "slack-webhook", "\","),
        ("stripe:{secretKey:\"", "sk_live_" + r.body(ALNUM, 99), "stripe", "stripe-secret", "\"},"),
    ]
    negs = [("apiKey:\"", "${FIREBASE_API_KEY}", "placeholder"), ("integrity:\"", "sha512-" + r.b64bytes(64), "lockfile-integrity"),
            ("logo:\"", png_data_uri(r), "base64-image"), ("buildId:\"", r.hexs(40), "git-commit"),
            ("requestId:\"", r.uuid4(), "uuid"), ("token:\"", "ghp_" + r.body(ALNUM, 10), "wrong-length")]
    for line_no in range(2):
        d.t(minified_chunk(r.randint(20000, 60000)))
        for _ in range(3):
            pre, val, fam, kind, post = mins.pop()
            d.t(pre)
            d.val(V("m", val, family=fam, kind=kind))
            d.t(post)
            d.t(minified_chunk(r.randint(5000, 30000)))
            pre, val, nk = negs.pop()
            d.t(pre)
            d.val(V("m", val, neg=nk))
            d.t("\"," + minified_chunk(r.randint(5000, 20000)))
        d.t("\n")
    d.t("//# sourceMappingURL=main.js.map\n")
    out.append((d, False, "utf-8"))

    # --- UTF-16LE files with a BOM (Windows registry export and a PowerShell script), CRLF
    d = doc("deploy/windows/agent-settings.reg")
    d.t("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Acme\\MonitoringAgent]\n\"InstallDir\"=\"C:\\\\Program Files\\\\Acme\\\\Agent\"\n\"ApiKey\"=\"")
    d.val(V("dd", r.body(HEX, 32), family="datadog", kind="datadog-api-utf16"))
    d.t("\"\n\"Site\"=\"datadoghq.eu\"\n\"DatadogApiKeyFallback\"=\"${DD_API_KEY}\"\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Acme\\Updater]\n\"Channel\"=\"stable\"\n\"GithubToken\"=\"")
    d.val(V("gh", checksummed(r, "ghp_"), family="github", kind="github-classic-utf16"))
    d.t("\"\n\"BuildSha\"=\"")
    d.val(V("sha", r.hexs(40), neg="git-commit"))
    d.t("\"\n")
    out.append((d, True, "utf-16le"))
    d = doc("deploy/windows/Install-Agent.ps1")
    d.t("#Requires -RunAsAdministrator\n<#\n.SYNOPSIS\n  Installs the Acme agent.\n#>\nparam([string]$Environment = 'prod')\n\n$ErrorActionPreference = 'Stop'\n")
    d.t("$env:SENDGRID_API_KEY = '")
    d.val(V("sg", CATALOG["sendgrid"][1](r), family="sendgrid", kind="sendgrid-utf16"))
    d.t("'\n$password = ConvertTo-SecureString '")
    d.val(V("pw", gen_password(r), family="generic", kind="generic-password-utf16"))
    d.t("' -AsPlainText -Force\n$cred = New-Object System.Management.Automation.PSCredential('ACME\\svc-agent', $password)\n")
    d.t("$storage = '")
    d.val(V("az", gen_azure_conn(r), family="azure", kind="azure-storage-connection-string-utf16"))
    d.t("'\n$token = $env:AGENT_TOKEN\n")
    d.recs.append((d.n - len("$env:AGENT_TOKEN\n"), V("token", "$env:AGENT_TOKEN", neg="env-lookup")))
    d.t("Write-Host \"Installing for $Environment\"\n")
    out.append((d, True, "utf-16le"))
    # a Windows batch file, CRLF
    d = doc("deploy/windows/run-migrations.bat")
    d.t("@echo off\nsetlocal\nset PGHOST=db-primary.internal\nset PGUSER=migrator\nset PGPASSWORD=")
    d.val(V("pw", gen_password(r, url_safe=True), family="database", kind="pgpassword-env"))
    d.t("\nset MIGRATIONS_DIR=%~dp0migrations\nflyway -url=jdbc:postgresql://%PGHOST%:5432/orders -user=%PGUSER% -password=%PGPASSWORD% migrate\nendlocal\n")
    d.recs.append((d.text().index("-password=%PGPASSWORD%") + len("-password="), V("pw", "%PGPASSWORD%", neg="env-lookup")))
    out.append((d, True, "utf-8"))

    # --- lockfiles (integrity hashes, all hard negatives)
    d = doc("services/notifications/package-lock.json")
    d.t('{\n  "name": "notifications",\n  "version": "1.4.0",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n')
    pkgs = sorted(set(r.choice(NEUTRAL) + r.choice(["", "-js", "-utils", "ify", "-core"]) for _ in range(70)))
    for i, p in enumerate(pkgs):
        ver = "%d.%d.%d" % (r.randint(0, 9), r.randint(0, 30), r.randint(0, 20))
        d.t('    "node_modules/%s": {\n      "version": "%s",\n      "resolved": "https://registry.npmjs.org/%s/-/%s-%s.tgz",\n      "integrity": "' % (p, ver, p, p, ver))
        d.val(V("integrity", "sha512-" + r.b64bytes(64), neg="lockfile-integrity"))
        d.t('"\n    }%s\n' % ("," if i < len(pkgs) - 1 else ""))
    d.t("  }\n}\n")
    out.append((d, False, "utf-8"))
    d = doc("services/admin-portal/yarn.lock")
    d.t("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n")
    for p in sorted(set(r.choice(NEUTRAL) + r.choice(["", "-js", "-kit"]) for _ in range(30))):
        ver = "%d.%d.%d" % (r.randint(0, 9), r.randint(0, 30), r.randint(0, 20))
        d.t('%s@^%s:\n  version "%s"\n  resolved "https://registry.yarnpkg.com/%s/-/%s-%s.tgz#%s"\n  integrity ' % (p, ver, ver, p, p, ver, r.hexs(40)))
        d.val(V("integrity", "sha512-" + r.b64bytes(64), neg="lockfile-integrity"))
        d.t("\n\n")
    out.append((d, False, "utf-8"))
    d = doc("services/gateway/go.sum")
    for p in sorted(set("github.com/%s/%s" % (r.word(), r.word()) for _ in range(30))):
        ver = "v%d.%d.%d" % (r.randint(0, 2), r.randint(0, 30), r.randint(0, 20))
        d.t("%s %s h1:" % (p, ver))
        d.val(V("h1", r.b64bytes(32), neg="lockfile-integrity"))
        d.t("\n%s %s/go.mod h1:%s\n" % (p, ver, r.b64bytes(32)))
    out.append((d, False, "utf-8"))
    d = doc("services/billing-api/poetry.lock")
    for p in sorted(set(r.choice(NEUTRAL) + r.choice(["", "-py", "lib"]) for _ in range(20))):
        ver = "%d.%d.%d" % (r.randint(0, 9), r.randint(0, 30), r.randint(0, 20))
        d.t('[[package]]\nname = "%s"\nversion = "%s"\noptional = false\npython-versions = ">=3.8"\nfiles = [\n    {file = "%s-%s.tar.gz", hash = "sha256:' % (p, ver, p, ver))
        d.val(V("hash", r.hexs(64), neg="lockfile-integrity"))
        d.t('"},\n]\n\n')
    out.append((d, False, "utf-8"))
    return out


# =============================================================================================


def finalize(d, crlf, encoding, out_dir, truth, negs):
    text = d.text()
    nl = [i for i, c in enumerate(text) if c == "\n"]
    for off, v in d.recs:
        line = bisect.bisect_left(nl, off) + 1
        val = v.value.replace("\n", "\r\n") if crlf else v.value
        if v.family:
            truth.append({"path": d.path, "line": line, "family": v.family, "kind": v.kind, "secret": val})
        else:
            negs.append({"path": d.path, "line": line, "kind": v.neg, "value": val})
    if crlf:
        text = text.replace("\n", "\r\n")
    if encoding == "utf-16le":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        data = text.encode("utf-8")
    p = os.path.join(out_dir, d.path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    return data.decode("utf-8")


def verify(out_dir, truth, negs):
    """Check that every recorded value starts on the recorded line (reading the files back)."""
    cache = {}
    bad = 0
    for rec in truth + negs:
        val = rec.get("secret", rec.get("value"))
        if rec["path"] not in cache:
            t = read_text(os.path.join(out_dir, rec["path"]))
            cache[rec["path"]] = t.split("\n")
        lines = cache[rec["path"]]
        first = val.split("\n")[0]
        if first not in lines[rec["line"] - 1]:
            bad += 1
            print("verify: %s:%d does not contain %r" % (rec["path"], rec["line"], first[:40]), file=sys.stderr)
            continue
        # multi-line values: the following lines must match too
        rest = val.split("\n")[1:]
        for i, part in enumerate(rest):
            if part not in lines[rec["line"] + i]:
                bad += 1
                print("verify: %s:%d continuation mismatch" % (rec["path"], rec["line"] + i + 1), file=sys.stderr)
                break
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--negatives", type=int, default=260, help="key/value hard negatives spread over the tree (besides fixtures, placeholders and special files)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    r = R(a.seed)
    if os.path.exists(a.out_dir) and os.listdir(a.out_dir):
        print("error: %s exists and is not empty" % a.out_dir, file=sys.stderr)
        return 2
    os.makedirs(a.out_dir, exist_ok=True)

    keys = [fakekeys.rsa_keypair(r.r, 2048) for _ in range(7)]
    langs = {name: cls(r) for name, cls in LANG_CLASSES.items()}
    specs = plan_tree(r)
    pos_groups = make_positive_groups(r)
    distribute(r, specs, pos_groups, a.negatives, langs)

    truth, negs = [], []
    paths = set()
    for s in specs:
        assert s.path not in paths, s.path
        paths.add(s.path)
        d = render_spec(r, s, langs[s.lang])
        finalize(d, s.crlf, "utf-8", a.out_dir, truth, negs)
    for d, crlf, enc in special_files(r, keys):
        assert d.path not in paths, d.path
        paths.add(d.path)
        finalize(d, crlf, enc, a.out_dir, truth, negs)

    truth.sort(key=lambda x: (x["path"], x["line"]))
    negs.sort(key=lambda x: (x["path"], x["line"]))
    bad = verify(a.out_dir, truth, negs)
    with open(os.path.join(a.out_dir, "ground_truth.jsonl"), "w") as f:
        for t in truth:
            f.write(json.dumps(t, sort_keys=True) + "\n")
    with open(os.path.join(a.out_dir, "hard_negatives.jsonl"), "w") as f:
        for n in negs:
            f.write(json.dumps(n, sort_keys=True) + "\n")
    fam, nk = {}, {}
    for t in truth:
        fam[t["family"]] = fam.get(t["family"], 0) + 1
    for n in negs:
        nk[n["kind"]] = nk.get(n["kind"], 0) + 1
    manifest = {"generator": "gen_quality_corpus.py", "generator_version": GENERATOR_VERSION, "seed": a.seed,
                "files": len(paths), "positives": len(truth), "hard_negatives": len(negs),
                "positives_by_family": dict(sorted(fam.items())), "hard_negatives_by_kind": dict(sorted(nk.items())),
                "meta_files": list(META_FILES)}
    with open(os.path.join(a.out_dir, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    if not a.quiet:
        print("wrote %d files, %d planted secrets in %d families, %d hard negatives in %.1f s -> %s" % (
            len(paths), len(truth), len(fam), len(negs), time.time() - t0, a.out_dir))
    if bad:
        print("error: %d ground-truth records failed verification" % bad, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
