// Private-key checks: finds a PEM, OpenSSH or PuTTY key block in source text, undoes the quoting
// source files add, and parses it (OpenSSL for PEM/DER, small bounds-checked readers for the rest).
#include "src/check/offline/key_checks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sprawl::offline {
namespace {

using Bytes = std::vector<unsigned char>;
using ByteSpan = std::span<const unsigned char>;
using Lines = std::vector<std::string_view>;

constexpr std::size_t max_body_chars = 256 * 1024;  // no real key block is larger
constexpr std::string_view ppk_marker = "PuTTY-User-Key-File-";

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

CheckResult invalid(std::string reason) { return {Verdict::invalid_format, std::move(reason), {}}; }

// ---- text normalisation -------------------------------------------------------------------

/// Turns literal "\n" escapes (JSON strings, .env values) into newlines and drops CRs.
std::string unescape_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 'n' || text[i + 1] == 'r')) {
      if (text[i + 1] == 'n') out += '\n';
      ++i;
    } else if (text[i] != '\r') {
      out += text[i];
    }
  }
  return out;
}

Lines split_lines(std::string_view text) {
  Lines lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_quote(char c) { return c == '"' || c == '\''; }

/// Strips what source code wraps around one line of a key: indentation, quotes, and a trailing
/// `+`, `,`, `;` or `)` after a closing quote (concatenated string literals), a stray backslash.
std::string_view clean_line(std::string_view line) {
  line = trim(line);
  while (!line.empty() && std::string_view("+,;)\\").find(line.back()) != std::string_view::npos) {
    const std::string_view rest = trim(line.substr(0, line.size() - 1));
    if (line.back() != '\\' && (rest.empty() || !is_quote(rest.back()))) break;
    line = rest;
  }
  if (!line.empty() && line.front() == '+') {
    const std::string_view rest = trim(line.substr(1));
    if (!rest.empty() && is_quote(rest.front())) line = rest;
  }
  if (!line.empty() && is_quote(line.back())) line.remove_suffix(1);
  if (!line.empty() && is_quote(line.front())) line.remove_prefix(1);
  return trim(line);
}

// ---- base64, hashes ----------------------------------------------------------------------

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/// Strict standard base64 (padding optional, only at the end).
std::optional<Bytes> base64_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  int padding = 0;
  for (const char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = base64_value(c);
    if (value < 0 || padding > 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>(acc >> bits));
    }
  }
  if (bits >= 6 || padding > 2) return std::nullopt;
  return out;
}

std::string sha256_fingerprint(ByteSpan data) {
  unsigned char digest[32];
  EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_sha256(), nullptr);
  unsigned char encoded[45];
  std::string text(reinterpret_cast<char*>(encoded), EVP_EncodeBlock(encoded, digest, sizeof digest));
  return "SHA256:" + text.substr(0, text.find('='));
}

std::string sha256_hex(ByteSpan data) {
  unsigned char digest[32];
  EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_sha256(), nullptr);
  std::string text = "SHA256(DER SubjectPublicKeyInfo):";
  for (const unsigned char byte : digest) (text += "0123456789abcdef"[byte >> 4]) += "0123456789abcdef"[byte & 15];
  return text;
}

/// The last OpenSSL error's reason (or `fallback`); clears this thread's error queue.
std::string openssl_reason(const char* fallback) {
  const unsigned long error = ERR_peek_last_error();
  const char* reason = error != 0 ? ERR_reason_error_string(error) : nullptr;
  std::string text = reason != nullptr ? reason : fallback;
  ERR_clear_error();
  return text;
}

std::string curve_display_name(std::string_view name) {
  if (name == "prime256v1" || name == "P-256" || name == "nistp256") return "P-256";
  if (name == "secp384r1" || name == "P-384" || name == "nistp384") return "P-384";
  if (name == "secp521r1" || name == "P-521" || name == "nistp521") return "P-521";
  return std::string(name);
}

// ---- SSH wire format -----------------------------------------------------------------------

/// Bounds-checked reader of SSH wire data (uint32 lengths, big endian).
class WireReader {
 public:
  explicit WireReader(ByteSpan data) : m_data(data) {}
  bool u32(std::uint32_t& value) {
    if (m_data.size() < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | m_data[static_cast<std::size_t>(i)];
    m_data = m_data.subspan(4);
    return true;
  }
  bool bytes(ByteSpan& out) {
    std::uint32_t length = 0;
    if (!u32(length) || length > m_data.size()) return false;
    out = m_data.first(length);
    m_data = m_data.subspan(length);
    return true;
  }
  bool text(std::string_view& out) {
    ByteSpan raw;
    if (!bytes(raw)) return false;
    out = std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size());
    return true;
  }

 private:
  ByteSpan m_data;
};

void put_bytes(Bytes& out, ByteSpan data) {
  const auto n = static_cast<std::uint32_t>(data.size());
  for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<unsigned char>(n >> shift));
  out.insert(out.end(), data.begin(), data.end());
}

void put_text(Bytes& out, std::string_view text) {
  put_bytes(out, ByteSpan(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

bool put_mpint(Bytes& out, const EVP_PKEY* key, const char* param) {
  BIGNUM* number = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &number) != 1) return false;
  Bytes value(static_cast<std::size_t>(BN_num_bytes(number)));
  BN_bn2bin(number, value.data());
  BN_free(number);
  if (!value.empty() && (value[0] & 0x80) != 0) value.insert(value.begin(), 0);
  put_bytes(out, value);
  return true;
}

std::size_t mpint_bits(ByteSpan value) {
  while (!value.empty() && value[0] == 0) value = value.subspan(1);
  if (value.empty()) return 0;
  return 8 * (value.size() - 1) + static_cast<std::size_t>(std::bit_width(unsigned{value[0]}));
}

/// What an SSH public key blob says about the key.
struct SshPublic {
  std::string ssh_type;  ///< "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", …
  std::string key_type;  ///< rsa, ed25519, ec, dsa, …
  std::size_t bits = 0;
  std::string curve;
};

bool read_ecdsa_public(WireReader& reader, std::string_view curve, SshPublic& key) {
  std::string_view blob_curve;
  ByteSpan point;
  if (!reader.text(blob_curve) || blob_curve != curve || !reader.bytes(point) || point.empty()) return false;
  key.curve = curve_display_name(curve);
  key.bits = curve == "nistp256" ? 256 : curve == "nistp384" ? 384 : curve == "nistp521" ? 521 : 0;
  return key.bits != 0;
}

std::optional<SshPublic> parse_public_blob(ByteSpan blob) {
  WireReader reader(blob);
  std::string_view type;
  if (!reader.text(type) || type.empty()) return std::nullopt;
  SshPublic key{std::string(type), std::string(type), 0, {}};
  ByteSpan a, b;
  if (type == "ssh-rsa") {
    if (!reader.bytes(a) || !reader.bytes(b)) return std::nullopt;
    key.key_type = "rsa";
    key.bits = mpint_bits(b);
  } else if (type == "ssh-dss") {
    if (!reader.bytes(a)) return std::nullopt;
    key.key_type = "dsa";
    key.bits = mpint_bits(a);
  } else if (type == "ssh-ed25519" || type == "sk-ssh-ed25519@openssh.com") {
    if (!reader.bytes(a) || a.size() != 32) return std::nullopt;
    key.key_type = type == "ssh-ed25519" ? "ed25519" : "ed25519-sk";
    key.bits = 256;
  } else if (type.starts_with("ecdsa-sha2-")) {
    key.key_type = "ec";
    if (!read_ecdsa_public(reader, type.substr(11), key)) return std::nullopt;
  } else if (type == "sk-ecdsa-sha2-nistp256@openssh.com") {
    key.key_type = "ec-sk";
    if (!read_ecdsa_public(reader, "nistp256", key)) return std::nullopt;
  }
  return key;
}

/// Identity shared by OpenSSH and PuTTY keys, whose public half is an SSH blob.
CheckResult ssh_key_result(std::string format, const SshPublic& key, bool encrypted, ByteSpan blob) {
  CheckResult result{Verdict::format_valid, "parses as " + format + " " + key.key_type + " key", {}};
  result.identity.emplace_back("format", std::move(format));
  result.identity.emplace_back("key_type", key.key_type);
  if (key.bits != 0) result.identity.emplace_back("bits", std::to_string(key.bits));
  if (!key.curve.empty()) result.identity.emplace_back("curve", key.curve);
  result.identity.emplace_back("encrypted", encrypted ? "yes" : "no");
  result.identity.emplace_back("fingerprint", sha256_fingerprint(blob));
  if (encrypted) result.reason += " (encrypted; public key read from the unencrypted header)";
  return result;
}

// ---- OpenSSH openssh-key-v1 -----------------------------------------------------------------

/// An unencrypted private section starts with two equal check integers and the key type.
std::optional<std::string> private_section_error(ByteSpan section, std::string_view ssh_type) {
  WireReader reader(section);
  std::uint32_t check1 = 0, check2 = 0;
  std::string_view type;
  if (!reader.u32(check1) || !reader.u32(check2) || !reader.text(type)) {
    return "corrupt: private section truncated";
  }
  if (check1 != check2) return "corrupt: private section check integers differ";
  if (type != ssh_type) return "corrupt: private key type differs from public key type";
  return std::nullopt;
}

CheckResult check_openssh(const Bytes& data) {
  static constexpr char magic[] = "openssh-key-v1";  // sizeof includes the NUL the format has
  if (data.size() < sizeof magic || std::memcmp(data.data(), magic, sizeof magic) != 0) {
    return invalid("corrupt: no openssh-key-v1 magic");
  }
  WireReader reader(ByteSpan(data).subspan(sizeof magic));
  std::string_view cipher, kdf;
  ByteSpan kdf_options, public_blob, other, private_section;
  std::uint32_t key_count = 0;
  if (!reader.text(cipher) || !reader.text(kdf) || !reader.bytes(kdf_options) || !reader.u32(key_count) ||
      key_count == 0 || key_count > 64 || !reader.bytes(public_blob)) {
    return invalid("corrupt: openssh-key-v1 header truncated or malformed");
  }
  for (std::uint32_t i = 1; i < key_count; ++i) {
    if (!reader.bytes(other)) return invalid("corrupt: openssh-key-v1 public keys truncated");
  }
  if (!reader.bytes(private_section)) return invalid("corrupt: openssh-key-v1 private section truncated");
  const auto key = parse_public_blob(public_blob);
  if (!key) return invalid("corrupt: public key blob does not parse");
  const bool encrypted = cipher != "none";
  if (!encrypted) {
    if (auto error = private_section_error(private_section, key->ssh_type)) return invalid(*error);
  } else if (private_section.size() % 8 != 0) {
    return invalid("corrupt: encrypted private section is not whole cipher blocks");
  }
  CheckResult result = ssh_key_result("openssh", *key, encrypted, public_blob);
  if (encrypted) result.identity.emplace_back("cipher", std::string(cipher));
  return result;
}

// ---- PEM through OpenSSL ---------------------------------------------------------------------

std::string key_type_name(const EVP_PKEY* key) {
  static constexpr std::pair<int, const char*> names[] = {
      {EVP_PKEY_RSA, "rsa"},       {EVP_PKEY_RSA_PSS, "rsa-pss"}, {EVP_PKEY_EC, "ec"},
      {EVP_PKEY_DSA, "dsa"},       {EVP_PKEY_ED25519, "ed25519"}, {EVP_PKEY_ED448, "ed448"},
      {EVP_PKEY_X25519, "x25519"}, {EVP_PKEY_X448, "x448"},       {EVP_PKEY_DH, "dh"}};
  for (const auto& [id, known] : names) {
    if (EVP_PKEY_get_base_id(key) == id) return known;
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  std::string text = name != nullptr ? name : "unknown";
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string group_name(const EVP_PKEY* key) {
  char name[80] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) != 1) return {};
  return std::string(name, length);
}

bool put_ec_point(Bytes& blob, const EVP_PKEY* key) {
  std::size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &length) != 1) return false;
  Bytes point(length);
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), length, &length) != 1) return false;
  point.resize(length);
  put_bytes(blob, point);
  return true;
}

/// The OpenSSH public key blob (what `ssh-keygen -l` hashes) for the types OpenSSH knows.
std::optional<Bytes> ssh_public_blob(const EVP_PKEY* key) {
  Bytes blob;
  bool ok = false;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      put_text(blob, "ssh-rsa");
      ok = put_mpint(blob, key, OSSL_PKEY_PARAM_RSA_E) && put_mpint(blob, key, OSSL_PKEY_PARAM_RSA_N);
      break;
    case EVP_PKEY_DSA:
      put_text(blob, "ssh-dss");
      ok = put_mpint(blob, key, OSSL_PKEY_PARAM_FFC_P) && put_mpint(blob, key, OSSL_PKEY_PARAM_FFC_Q) &&
           put_mpint(blob, key, OSSL_PKEY_PARAM_FFC_G) && put_mpint(blob, key, OSSL_PKEY_PARAM_PUB_KEY);
      break;
    case EVP_PKEY_ED25519: {
      unsigned char raw[32];
      std::size_t length = sizeof raw;
      put_text(blob, "ssh-ed25519");
      ok = EVP_PKEY_get_raw_public_key(key, raw, &length) == 1 && length == 32;
      put_bytes(blob, ByteSpan(raw, length));
      break;
    }
    case EVP_PKEY_EC: {
      const std::string curve = curve_display_name(group_name(key));
      if (curve != "P-256" && curve != "P-384" && curve != "P-521") break;
      const std::string ssh_curve = "nistp" + curve.substr(2);
      put_text(blob, "ecdsa-sha2-" + ssh_curve);
      put_text(blob, ssh_curve);
      ok = put_ec_point(blob, key);
      break;
    }
    default:
      break;
  }
  ERR_clear_error();
  if (!ok) return std::nullopt;
  return blob;
}

void add_fingerprint(Identity& identity, const EVP_PKEY* key) {
  if (const auto blob = ssh_public_blob(key)) {
    identity.emplace_back("fingerprint", sha256_fingerprint(*blob));
    return;
  }
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(const_cast<EVP_PKEY*>(key), &der);
  if (length > 0)
    identity.emplace_back("fingerprint_spki", sha256_hex(ByteSpan(der, static_cast<std::size_t>(length))));
  OPENSSL_free(der);
  ERR_clear_error();
}

/// RSA: n == p * q (cheap; OpenSSL's RSA pairwise check also tests primality, ~50 ms).
bool rsa_factors_match(const EVP_PKEY* key) {
  BIGNUM *n = nullptr, *p = nullptr, *q = nullptr, *r = nullptr;
  bool ok = true;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) == 1 &&
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2, &q) == 1 &&
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR3, &r) != 1) {  // two-prime keys only
    BN_CTX* context = BN_CTX_new();
    BIGNUM* product = BN_new();
    ok = context != nullptr && product != nullptr && BN_mul(product, p, q, context) == 1 && BN_cmp(product, n) == 0;
    BN_free(product);
    BN_CTX_free(context);
  }
  for (BIGNUM* number : {n, p, q, r}) BN_free(number);
  ERR_clear_error();
  return ok;
}

/// Whether the public and private halves agree (catches keys corrupted inside the DER).
bool pairwise_ok(EVP_PKEY* key) {
  const int base = EVP_PKEY_get_base_id(key);
  if (base == EVP_PKEY_RSA || base == EVP_PKEY_RSA_PSS) return rsa_factors_match(key);
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  const int status = context != nullptr ? EVP_PKEY_pairwise_check(context) : -2;
  EVP_PKEY_CTX_free(context);
  ERR_clear_error();
  return status == 1 || status == -2;  // -2: no check for this key type
}

CheckResult check_der_key(std::string_view label, const Bytes& der) {
  const int type_id = label == "RSA PRIVATE KEY"   ? EVP_PKEY_RSA
                      : label == "EC PRIVATE KEY"  ? EVP_PKEY_EC
                      : label == "DSA PRIVATE KEY" ? EVP_PKEY_DSA
                                                   : EVP_PKEY_NONE;
  const std::string format = type_id == EVP_PKEY_RSA   ? "pkcs1"
                             : type_id == EVP_PKEY_EC  ? "sec1"
                             : type_id == EVP_PKEY_DSA ? "dsa"
                                                       : "pkcs8";
  const unsigned char* cursor = der.data();
  const long length = static_cast<long>(der.size());
  const PkeyPtr key(type_id == EVP_PKEY_NONE ? d2i_AutoPrivateKey(nullptr, &cursor, length)
                                             : d2i_PrivateKey(type_id, nullptr, &cursor, length));
  if (!key) return invalid("corrupt: " + openssl_reason("DER does not parse as a private key"));
  if (!pairwise_ok(key.get())) return invalid("corrupt: public and private key parts do not match");
  CheckResult result{Verdict::format_valid, {}, {}};
  const std::string type = key_type_name(key.get());
  result.reason = "parses as " + format + " " + type + " key";
  result.identity.emplace_back("format", format);
  result.identity.emplace_back("key_type", type);
  result.identity.emplace_back("bits", std::to_string(EVP_PKEY_get_bits(key.get())));
  if (type == "ec") result.identity.emplace_back("curve", curve_display_name(group_name(key.get())));
  result.identity.emplace_back("encrypted", "no");
  add_fingerprint(result.identity, key.get());
  ERR_clear_error();
  return result;
}

CheckResult check_encrypted_pkcs8(const Bytes& der) {
  const unsigned char* cursor = der.data();
  X509_SIG* sig = d2i_X509_SIG(nullptr, &cursor, static_cast<long>(der.size()));
  if (sig == nullptr) return invalid("corrupt: " + openssl_reason("DER does not parse as encrypted PKCS#8"));
  const X509_ALGOR* algorithm = nullptr;
  X509_SIG_get0(sig, &algorithm, nullptr);
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  char scheme[80] = {};
  OBJ_obj2txt(scheme, sizeof scheme, object, 0);
  X509_SIG_free(sig);
  ERR_clear_error();
  CheckResult result{Verdict::format_valid, "encrypted: public key not derivable", {}};
  result.identity = {{"format", "pkcs8-encrypted"}, {"key_type", "unknown (encrypted)"}, {"encrypted", "yes"}};
  if (scheme[0] != '\0') result.identity.emplace_back("encryption", scheme);
  return result;
}

/// One PEM block, its body split into header lines ("Proc-Type: …") and base64.
struct PemBlock {
  std::string label;
  Lines headers;
  std::string base64;
  bool has_end = false;
};

CheckResult check_legacy_encrypted(const PemBlock& block, const Bytes& ciphertext) {
  if (ciphertext.size() % 8 != 0) return invalid("corrupt: encrypted body is not whole cipher blocks");
  const std::string_view label = block.label;
  const std::string type = label.starts_with("RSA")   ? "rsa"
                           : label.starts_with("EC")  ? "ec"
                           : label.starts_with("DSA") ? "dsa"
                                                      : "unknown (encrypted)";
  CheckResult result{Verdict::format_valid, "encrypted (legacy PEM): public key not derivable", {}};
  result.identity = {{"format", "pem-encrypted"}, {"key_type", type}, {"encrypted", "yes"}};
  for (const std::string_view header : block.headers) {
    if (header.starts_with("DEK-Info:")) {
      const std::string_view value = trim(header.substr(9));
      result.identity.emplace_back("cipher", std::string(value.substr(0, value.find(','))));
    }
  }
  return result;
}

CheckResult check_pem(const PemBlock& block) {
  if (!block.has_end) return invalid("truncated: no END line");
  const auto der = base64_decode(block.base64);
  if (!der || der->empty()) return invalid("corrupt: body is not base64");
  if (block.label == "OPENSSH PRIVATE KEY") return check_openssh(*der);
  const bool legacy_encrypted = std::any_of(block.headers.begin(), block.headers.end(), [](std::string_view h) {
    return h.starts_with("Proc-Type:") && h.find("ENCRYPTED") != std::string_view::npos;
  });
  if (legacy_encrypted) return check_legacy_encrypted(block, *der);
  if (block.label == "ENCRYPTED PRIVATE KEY") return check_encrypted_pkcs8(*der);
  return check_der_key(block.label, *der);
}

bool known_label(std::string_view label) {
  static constexpr std::string_view labels[] = {"RSA PRIVATE KEY", "EC PRIVATE KEY",        "DSA PRIVATE KEY",
                                                "PRIVATE KEY",     "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"};
  return std::find(std::begin(labels), std::end(labels), label) != std::end(labels);
}

/// Adds one piece of body text: a "Name: value" header, or base64 words.
bool add_body_piece(std::string_view piece, PemBlock& block) {
  piece = clean_line(piece);
  if (piece.find(':') != std::string_view::npos) {
    block.headers.push_back(piece);
    return true;
  }
  for (const char c : piece) {
    if (c != ' ' && c != '\t' && !is_quote(c)) block.base64 += c;
  }
  return block.base64.size() <= max_body_chars;
}

/// The PEM block whose BEGIN line is `lines[first]`, if that line has a private-key BEGIN.
std::optional<PemBlock> pem_block_at(const Lines& lines, std::size_t first) {
  static constexpr std::string_view begin = "-----BEGIN ";
  const std::size_t at = lines[first].find(begin);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = lines[first].substr(at + begin.size());
  const std::size_t label_end = rest.find("-----");
  if (label_end == std::string_view::npos || !known_label(rest.substr(0, label_end))) return std::nullopt;
  PemBlock block{std::string(rest.substr(0, label_end)), {}, {}, false};
  const std::string end_marker = "-----END " + block.label + "-----";
  rest = rest.substr(label_end + 5);
  for (std::size_t i = first; i < lines.size(); ++i) {
    const std::string_view line = i == first ? rest : lines[i];
    const std::size_t end = line.find("-----END ");
    const std::size_t next_begin = line.find(begin);
    const std::size_t stop = std::min(end, next_begin);
    if (!add_body_piece(line.substr(0, stop), block)) return block;
    if (stop == std::string_view::npos) continue;
    block.has_end = end < next_begin && line.substr(end).starts_with(end_marker);
    return block;
  }
  return block;
}

// ---- PuTTY PPK v2/v3 -------------------------------------------------------------------------

/// Reads "Name: value" at lines[index] (cleaned); empty name when the line is not a header.
std::pair<std::string_view, std::string_view> ppk_header(const Lines& lines, std::size_t index) {
  if (index >= lines.size()) return {};
  const std::string_view line = clean_line(lines[index]);
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return {line.substr(0, colon), trim(line.substr(colon + 1))};
}

/// Reads `count` base64 lines from `index` on; nullopt when the text ends first.
std::optional<std::string> ppk_lines(const Lines& lines, std::size_t& index, std::string_view count_text) {
  std::size_t count = 0;
  for (const char c : count_text) {
    if (c < '0' || c > '9' || count > 100000) return std::nullopt;
    count = count * 10 + static_cast<std::size_t>(c - '0');
  }
  std::string text;
  for (std::size_t n = 0; n < count; ++n, ++index) {
    if (index >= lines.size()) return std::nullopt;
    const std::string_view line = clean_line(lines[index]);
    if (line.empty() || line.find(':') != std::string_view::npos) return std::nullopt;
    text += line;
  }
  return text;
}

struct PpkFile {
  std::string version, type, encryption, comment, public_base64;
};

/// Walks the PPK headers; returns an error reason when a part is missing.
std::optional<std::string> read_ppk(const Lines& lines, std::size_t index, PpkFile& file) {
  bool have_public = false;
  for (; index < lines.size(); ++index) {
    const auto [name, value] = ppk_header(lines, index);
    if (name.empty()) return "truncated: PuTTY key ends before Private-MAC";
    if (name.starts_with(ppk_marker)) file.version = name.substr(ppk_marker.size()), file.type = value;
    if (name == "Encryption") file.encryption = value;
    if (name == "Comment") file.comment = value;
    if (name == "Private-MAC")
      return have_public ? std::nullopt : std::optional<std::string>("corrupt: no Public-Lines");
    if (name != "Public-Lines" && name != "Private-Lines") continue;
    ++index;
    auto text = ppk_lines(lines, index, value);
    if (!text) return "truncated: fewer " + std::string(name) + " than declared";
    if (name == "Public-Lines") file.public_base64 = std::move(*text), have_public = true;
    --index;
  }
  return "truncated: PuTTY key ends before Private-MAC";
}

CheckResult check_ppk(const Lines& lines, std::size_t first) {
  PpkFile file;
  Lines from_marker = {lines[first].substr(lines[first].find(ppk_marker))};
  from_marker.insert(from_marker.end(), lines.begin() + static_cast<std::ptrdiff_t>(first) + 1, lines.end());
  if (auto error = read_ppk(from_marker, 0, file)) return invalid(*error);
  if (file.version != "2" && file.version != "3") return invalid("corrupt: unknown PuTTY key version " + file.version);
  const auto blob = base64_decode(file.public_base64);
  if (!blob) return invalid("corrupt: public lines are not base64");
  const auto key = parse_public_blob(*blob);
  if (!key) return invalid("corrupt: public key blob does not parse");
  if (key->ssh_type != file.type) return invalid("corrupt: public key type differs from the header's " + file.type);
  CheckResult result = ssh_key_result("ppk" + file.version, *key, file.encryption != "none", *blob);
  if (!file.comment.empty()) result.identity.emplace_back("comment", file.comment);
  return result;
}

std::optional<CheckResult> find_and_check(std::string_view text) {
  const std::string unescaped = unescape_newlines(text);
  const Lines lines = split_lines(unescaped);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (auto block = pem_block_at(lines, i)) return check_pem(*block);
    if (lines[i].find(ppk_marker) != std::string_view::npos) return check_ppk(lines, i);
  }
  return std::nullopt;
}

}  // namespace

std::optional<CheckResult> check_private_key(std::string_view text) {
  if (text.find("-----BEGIN ") == std::string_view::npos && text.find(ppk_marker) == std::string_view::npos) {
    return std::nullopt;
  }
  try {
    return find_and_check(text);
  } catch (const std::exception&) {  // allocation failure: no verdict rather than a crash
    ERR_clear_error();
    return std::nullopt;
  }
}

}  // namespace sprawl::offline
