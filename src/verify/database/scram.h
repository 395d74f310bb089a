// SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677): the client side of the exchange that
// PostgreSQL and MongoDB authenticate with, and the primitives (HMAC, PBKDF2, base64) a test
// server needs to play the other side. Implemented in scram.cpp over OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sprawl::verify::scram {

enum class Hash { sha1, sha256 };

/// A server may not make us spend more than this on PBKDF2 (about a second of SHA-256).
constexpr long kMaxIterations = 1'000'000;

/// HMAC of `data` under `key` with `hash`.
std::string hmac(Hash hash, std::string_view key, std::string_view data);
/// The `hash` digest of `data`.
std::string digest(Hash hash, std::string_view data);
/// Hi(password, salt, iterations): PBKDF2 with HMAC-`hash`, as long as one digest.
std::string salted_password(Hash hash, std::string_view password, std::string_view salt, int iterations);
/// `a` XOR `b`, over the length both have (the rest of `a` stays).
std::string xor_bytes(std::string a, std::string_view b);
/// Standard base64 with padding.
std::string base64_encode(std::string_view data);
/// Strict base64 (with padding); false on anything else.
bool base64_decode(std::string_view text, std::string& out);
/// The saslname form of a user name: '=' as "=3D", ',' as "=2C".
std::string escape_name(std::string_view name);
/// A fresh client nonce: 18 random bytes in base64 (printable, no ',').
std::string random_nonce();
/// The value of attribute `name` ("r", "s", "i", "v", "e") in a SCRAM message, or nullopt.
std::optional<std::string_view> attribute(std::string_view message, char name);

/// One client conversation. Usage: client_first(), then client_final(server-first), then
/// verify_server_final(server-final). Channel binding is not used ("n,,").
class Client {
 public:
  Client(Hash hash, std::string_view user, std::string password, std::string nonce);

  /// The client-first message: "n,,n=<user>,r=<nonce>".
  std::string client_first() const { return "n,," + m_first_bare; }

  /// The client-final message for `server_first`, or "" with `error` set when the server's
  /// message is malformed (nonce not extending ours, bad salt, iteration count out of range).
  std::string client_final(std::string_view server_first, std::string& error);

  /// Whether the server proved that it knows the password too ("v=" matches).
  bool verify_server_final(std::string_view server_final, std::string& error) const;

 private:
  Hash m_hash;
  std::string m_password, m_nonce, m_first_bare, m_server_signature;
};

}  // namespace sprawl::verify::scram
