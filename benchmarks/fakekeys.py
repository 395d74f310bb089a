"""Deterministic generation of real (but throw-away) key material in pure Python.

Used by the benchmark corpus generators so that planted private keys, public keys and
certificates are structurally valid (openssl / ssh-keygen parse them) while the whole
corpus stays reproducible from a seed.  Nothing here is meant for real cryptography:
the randomness comes from a seeded random.Random.

Provides:
  rsa_keypair(rng, bits)            -> dict(n, e, d, p, q)
  pem_rsa_pkcs1(key)                -> "-----BEGIN RSA PRIVATE KEY-----..."
  pem_pkcs8_rsa(key)                -> "-----BEGIN PRIVATE KEY-----..."
  pem_rsa_public(key)               -> "-----BEGIN PUBLIC KEY-----..."
  ssh_rsa_public(key, comment)      -> "ssh-rsa AAAA... comment"
  openssh_rsa_private(rng, key)     -> "-----BEGIN OPENSSH PRIVATE KEY-----..."
  ec_p256_keypair(rng)              -> dict(d, x, y)
  pem_ec_sec1(key) / pem_pkcs8_ec(key)
  ed25519_keypair(rng)              -> dict(seed, pub)
  pem_pkcs8_ed25519(key), openssh_ed25519_private(rng, key, comment), ssh_ed25519_public(key, comment)
  self_signed_cert_pem(rng, key, cn)
"""

import base64
import hashlib
import struct

# ---------------------------------------------------------------- DER helpers


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag, body):
    return bytes([tag]) + _der_len(len(body)) + body


def der_int(v):
    if v == 0:
        b = b"\x00"
    else:
        b = v.to_bytes((v.bit_length() + 7) // 8, "big")
        if b[0] & 0x80:
            b = b"\x00" + b
    return _tlv(0x02, b)


def der_seq(*items):
    return _tlv(0x30, b"".join(items))


def der_set(*items):
    return _tlv(0x31, b"".join(items))


def der_octets(b):
    return _tlv(0x04, b)


def der_bits(b):
    return _tlv(0x03, b"\x00" + b)


def der_null():
    return b"\x05\x00"


def der_oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return _tlv(0x06, bytes(out))


def der_ctx(n, body, constructed=True):
    return _tlv((0xA0 if constructed else 0x80) | n, body)


def der_utf8(s):
    return _tlv(0x0C, s.encode())


def der_utctime(s):
    return _tlv(0x17, s.encode())


def pem(label, der, width=64):
    b = base64.b64encode(der).decode()
    lines = [b[i:i + width] for i in range(0, len(b), width)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


# ---------------------------------------------------------------- RSA

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def _is_probable_prime(n, rng, rounds=24):
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _random_prime(rng, bits, e):
    while True:
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if any(c % p == 0 for p in _SMALL_PRIMES):
            continue
        if (c - 1) % e == 0:
            continue
        if _is_probable_prime(c, rng):
            return c


def rsa_keypair(rng, bits=2048, e=65537):
    while True:
        p = _random_prime(rng, bits // 2, e)
        q = _random_prime(rng, bits - bits // 2, e)
        if p == q:
            continue
        if p < q:
            p, q = q, p
        n = p * q
        if n.bit_length() != bits:
            continue
        lam = (p - 1) * (q - 1)
        d = pow(e, -1, lam)
        return {"n": n, "e": e, "d": d, "p": p, "q": q}


def _rsa_pkcs1_der(k):
    n, e, d, p, q = k["n"], k["e"], k["d"], k["p"], k["q"]
    return der_seq(der_int(0), der_int(n), der_int(e), der_int(d), der_int(p), der_int(q),
                   der_int(d % (p - 1)), der_int(d % (q - 1)), der_int(pow(q, -1, p)))


_RSA_ALG = der_seq(der_oid("1.2.840.113549.1.1.1"), der_null())


def pem_rsa_pkcs1(k):
    return pem("RSA PRIVATE KEY", _rsa_pkcs1_der(k))


def pem_pkcs8_rsa(k):
    return pem("PRIVATE KEY", der_seq(der_int(0), _RSA_ALG, der_octets(_rsa_pkcs1_der(k))))


def _rsa_spki_der(k):
    return der_seq(_RSA_ALG, der_bits(der_seq(der_int(k["n"]), der_int(k["e"]))))


def pem_rsa_public(k):
    return pem("PUBLIC KEY", _rsa_spki_der(k))


# ---------------------------------------------------------------- SSH wire format


def _ssh_str(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def _ssh_mpint(v):
    if v == 0:
        return _ssh_str(b"")
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    if b[0] & 0x80:
        b = b"\x00" + b
    return _ssh_str(b)


def _openssh_private(rng, pub_blob, priv_body, comment):
    check = struct.pack(">I", rng.getrandbits(32))
    sect = check + check + priv_body + _ssh_str(comment)
    pad = 1
    while len(sect) % 8:
        sect += bytes([pad])
        pad += 1
    blob = (b"openssh-key-v1\x00" + _ssh_str("none") + _ssh_str("none") + _ssh_str(b"")
            + struct.pack(">I", 1) + _ssh_str(pub_blob) + _ssh_str(sect))
    return pem("OPENSSH PRIVATE KEY", blob, width=70)


def _ssh_rsa_blob(k):
    return _ssh_str("ssh-rsa") + _ssh_mpint(k["e"]) + _ssh_mpint(k["n"])


def ssh_rsa_public(k, comment="deploy@build-01"):
    return "ssh-rsa " + base64.b64encode(_ssh_rsa_blob(k)).decode() + " " + comment


def openssh_rsa_private(rng, k, comment="deploy@build-01"):
    body = (_ssh_str("ssh-rsa") + _ssh_mpint(k["n"]) + _ssh_mpint(k["e"]) + _ssh_mpint(k["d"])
            + _ssh_mpint(pow(k["q"], -1, k["p"])) + _ssh_mpint(k["p"]) + _ssh_mpint(k["q"]))
    return _openssh_private(rng, _ssh_rsa_blob(k), body, comment)


# ---------------------------------------------------------------- EC P-256

_P = 2 ** 256 - 2 ** 224 + 2 ** 192 + 2 ** 96 - 1
_A = _P - 3
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
      0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def _ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        lam = (3 * x1 * x1 + _A) * pow(2 * y1, -1, _P) % _P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    return (x3, (lam * (x1 - x3) - y1) % _P)


def _ec_mul(k, pt):
    acc = None
    while k:
        if k & 1:
            acc = _ec_add(acc, pt)
        pt = _ec_add(pt, pt)
        k >>= 1
    return acc


def ec_p256_keypair(rng):
    d = rng.randrange(1, _N)
    x, y = _ec_mul(d, _G)
    return {"d": d, "x": x, "y": y}


_P256_OID = "1.2.840.10045.3.1.7"


def _ec_point(k):
    return b"\x04" + k["x"].to_bytes(32, "big") + k["y"].to_bytes(32, "big")


def _ec_sec1_der(k, with_params=True):
    items = [der_int(1), der_octets(k["d"].to_bytes(32, "big"))]
    if with_params:
        items.append(der_ctx(0, der_oid(_P256_OID)))
    items.append(der_ctx(1, der_bits(_ec_point(k))))
    return der_seq(*items)


def pem_ec_sec1(k):
    return pem("EC PRIVATE KEY", _ec_sec1_der(k))


def pem_pkcs8_ec(k):
    alg = der_seq(der_oid("1.2.840.10045.2.1"), der_oid(_P256_OID))
    return pem("PRIVATE KEY", der_seq(der_int(0), alg, der_octets(_ec_sec1_der(k, False))))


def pem_ec_public(k):
    alg = der_seq(der_oid("1.2.840.10045.2.1"), der_oid(_P256_OID))
    return pem("PUBLIC KEY", der_seq(alg, der_bits(_ec_point(k))))


# ---------------------------------------------------------------- Ed25519

_EQ = 2 ** 255 - 19
_ED = -121665 * pow(121666, -1, _EQ) % _EQ
_EI = pow(2, (_EQ - 1) // 4, _EQ)


def _ed_xrecover(y):
    xx = (y * y - 1) * pow(_ED * y * y + 1, -1, _EQ)
    x = pow(xx, (_EQ + 3) // 8, _EQ)
    if (x * x - xx) % _EQ:
        x = x * _EI % _EQ
    if x % 2:
        x = _EQ - x
    return x


_EBy = 4 * pow(5, -1, _EQ) % _EQ
_EB = (_ed_xrecover(_EBy), _EBy)


def _ed_add(p1, p2):
    x1, y1 = p1
    x2, y2 = p2
    t = _ED * x1 * x2 * y1 * y2
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, -1, _EQ)
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, _EQ)
    return (x3 % _EQ, y3 % _EQ)


def _ed_mul(k, pt):
    acc = (0, 1)
    while k:
        if k & 1:
            acc = _ed_add(acc, pt)
        pt = _ed_add(pt, pt)
        k >>= 1
    return acc


def ed25519_keypair(rng):
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    x, y = _ed_mul(a, _EB)
    pub = (y | ((x & 1) << 255)).to_bytes(32, "little")
    return {"seed": seed, "pub": pub}


def pem_pkcs8_ed25519(k):
    return pem("PRIVATE KEY", der_seq(der_int(0), der_seq(der_oid("1.3.101.112")),
                                      der_octets(der_octets(k["seed"]))))


def _ssh_ed_blob(k):
    return _ssh_str("ssh-ed25519") + _ssh_str(k["pub"])


def ssh_ed25519_public(k, comment="ci@runner"):
    return "ssh-ed25519 " + base64.b64encode(_ssh_ed_blob(k)).decode() + " " + comment


def openssh_ed25519_private(rng, k, comment="ci@runner"):
    body = _ssh_str("ssh-ed25519") + _ssh_str(k["pub"]) + _ssh_str(k["seed"] + k["pub"])
    return _openssh_private(rng, _ssh_ed_blob(k), body, comment)


# ---------------------------------------------------------------- X.509


def _name(cn, org):
    return der_seq(der_set(der_seq(der_oid("2.5.4.10"), der_utf8(org))),
                   der_set(der_seq(der_oid("2.5.4.3"), der_utf8(cn))))


def self_signed_cert_pem(rng, k, cn="internal.service.local", org="Acme Internal CA"):
    """A self-signed X.509 v3 certificate for RSA key k, signed with sha256WithRSAEncryption."""
    sig_alg = der_seq(der_oid("1.2.840.113549.1.1.11"), der_null())
    serial = rng.getrandbits(63) | 1
    year = 24 + rng.randrange(0, 3)
    validity = der_seq(der_utctime("%02d0101000000Z" % year), der_utctime("%02d0101000000Z" % (year + 10)))
    tbs = der_seq(der_ctx(0, der_int(2)), der_int(serial), sig_alg, _name(cn, org), validity,
                  _name(cn, org), _rsa_spki_der(k))
    digest_info = der_seq(der_seq(der_oid("2.16.840.1.101.3.4.2.1"), der_null()),
                          der_octets(hashlib.sha256(tbs).digest()))
    klen = (k["n"].bit_length() + 7) // 8
    em = b"\x00\x01" + b"\xff" * (klen - len(digest_info) - 3) + b"\x00" + digest_info
    sig = pow(int.from_bytes(em, "big"), k["d"], k["n"]).to_bytes(klen, "big")
    return pem("CERTIFICATE", der_seq(tbs, sig_alg, der_bits(sig)))


def csr_pem(rng, k, cn="api.internal.local", org="Acme Internal"):
    """A PKCS#10 certificate signing request for RSA key k (a public document, not a secret)."""
    sig_alg = der_seq(der_oid("1.2.840.113549.1.1.11"), der_null())
    info = der_seq(der_int(0), _name(cn, org), _rsa_spki_der(k), der_ctx(0, b""))
    digest_info = der_seq(der_seq(der_oid("2.16.840.1.101.3.4.2.1"), der_null()),
                          der_octets(hashlib.sha256(info).digest()))
    klen = (k["n"].bit_length() + 7) // 8
    em = b"\x00\x01" + b"\xff" * (klen - len(digest_info) - 3) + b"\x00" + digest_info
    sig = pow(int.from_bytes(em, "big"), k["d"], k["n"]).to_bytes(klen, "big")
    return pem("CERTIFICATE REQUEST", der_seq(info, sig_alg, der_bits(sig)))


def _crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_public_key_block(rng, nbytes=270):
    """An ASCII-armoured OpenPGP public key block (random packet body, valid CRC-24 line)."""
    body = bytes([0x99]) + struct.pack(">H", nbytes) + bytes(rng.getrandbits(8) for _ in range(nbytes))
    b = base64.b64encode(body).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    crc = base64.b64encode(_crc24(body).to_bytes(3, "big")).decode()
    return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n%s\n=%s\n-----END PGP PUBLIC KEY BLOCK-----\n" % ("\n".join(lines), crc)
