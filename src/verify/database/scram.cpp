// The SCRAM primitives over OpenSSL (HMAC, digests, PBKDF2, base64, nonces) and the client
// conversation declared in scram.h.
#include "src/verify/database/scram.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>

namespace sprawl::verify::scram {
namespace {

const EVP_MD* digest_of(Hash hash) { return hash == Hash::sha1 ? EVP_sha1() : EVP_sha256(); }

}  // namespace

std::string hmac(Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(digest_of(hash), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string digest(Hash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, digest_of(hash), nullptr);
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string salted_password(Hash hash, std::string_view password, std::string_view salt, int iterations) {
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(digest_of(hash))), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    digest_of(hash), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string xor_bytes(std::string a, std::string_view b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
  return a;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0 || text.size() > (1u << 20)) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool pad_ok = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text.back() == '=');
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || pad_ok)) return false;
  }
  out.assign(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t size = static_cast<std::size_t>(n);
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with('='))
    size -= 1;
  out.resize(size);
  return true;
}

std::string escape_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '=')
      out += "=3D";
    else if (c == ',')
      out += "=2C";
    else
      out += c;
  }
  return out;
}

std::string random_nonce() {
  unsigned char bytes[18];
  RAND_bytes(bytes, sizeof bytes);
  return base64_encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::optional<std::string_view> attribute(std::string_view message, char name) {
  while (!message.empty()) {
    const std::size_t comma = message.find(',');
    const std::string_view part = message.substr(0, comma);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
    if (comma == std::string_view::npos) break;
    message.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

Client::Client(Hash hash, std::string_view user, std::string password, std::string nonce)
    : m_hash(hash), m_password(std::move(password)), m_nonce(std::move(nonce)) {
  m_first_bare = "n=" + escape_name(user) + ",r=" + m_nonce;
}

std::string Client::client_final(std::string_view server_first, std::string& error) {
  const auto nonce = attribute(server_first, 'r');
  const auto salt_text = attribute(server_first, 's');
  const auto iter_text = attribute(server_first, 'i');
  std::string salt;
  long iterations = 0;
  if (!nonce || !salt_text || !iter_text || !base64_decode(*salt_text, salt) || salt.empty()) {
    error = "malformed SCRAM server-first message";
    return {};
  }
  const auto [end, ec] = std::from_chars(iter_text->data(), iter_text->data() + iter_text->size(), iterations);
  if (ec != std::errc{} || end != iter_text->data() + iter_text->size() || iterations < 1 ||
      iterations > kMaxIterations) {
    error = "SCRAM iteration count out of range";
    return {};
  }
  if (nonce->size() <= m_nonce.size() || !nonce->starts_with(m_nonce)) {
    error = "SCRAM server nonce does not extend the client nonce";
    return {};
  }
  const std::string without_proof = "c=biws,r=" + std::string(*nonce);
  const std::string auth_message = m_first_bare + "," + std::string(server_first) + "," + without_proof;
  const std::string salted = salted_password(m_hash, m_password, salt, static_cast<int>(iterations));
  const std::string client_key = hmac(m_hash, salted, "Client Key");
  const std::string signature = hmac(m_hash, digest(m_hash, client_key), auth_message);
  m_server_signature = hmac(m_hash, hmac(m_hash, salted, "Server Key"), auth_message);
  return without_proof + ",p=" + base64_encode(xor_bytes(client_key, signature));
}

bool Client::verify_server_final(std::string_view server_final, std::string& error) const {
  if (const auto e = attribute(server_final, 'e')) {
    error = "SCRAM server error";
    return false;
  }
  const auto v = attribute(server_final, 'v');
  std::string signature;
  if (!v || !base64_decode(*v, signature) || m_server_signature.empty() || signature != m_server_signature) {
    error = "SCRAM server signature does not verify";
    return false;
  }
  return true;
}

}  // namespace sprawl::verify::scram
