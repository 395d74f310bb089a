// The socket plumbing under the fake database servers (fake_db_servers.h): one accepted
// connection with deadline-bounded reads, optional TLS and a log of what arrives in clear; the
// loopback listening socket; a self-signed certificate; the byte helpers; and each protocol's
// message framing (reading and writing whole messages, not what they mean).
#pragma once

#include <openssl/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl::test {

namespace fake_db {

/// `n` random bytes; `printable`: capital letters only.
std::string random_bytes(std::size_t n, bool printable);
/// The `md` digest of `data`.
std::string digest(const EVP_MD* md, std::string_view data);
/// `bytes` in lower-case hex.
std::string hex(std::string_view bytes);
/// `v` as 4 big-endian bytes.
std::string be32(std::uint32_t v);
/// The big-endian number in the first 4 bytes of `b`.
std::uint32_t get_be32(std::string_view b);
/// The low `bytes` bytes of `v`, little-endian.
std::string le(std::uint64_t v, int bytes);
/// The little-endian number in the first `n` (at most 4) bytes of `b`.
std::uint32_t get_le(std::string_view b, int n);

/// A server TLS context with a fresh self-signed certificate for 127.0.0.1 (and localhost),
/// whose PEM is written to `cert_file` for clients to trust. The caller frees it.
SSL_CTX* make_tls_context(const std::string& cert_file);

/// A listening TCP socket on 127.0.0.1 at a free port (stored in `port`), or -1.
int listen_on_loopback(int& port);

}  // namespace fake_db

/// One accepted connection: blocking reads that give up after a few seconds or when the
/// server stops, optionally over TLS; what arrives outside TLS is appended to `clear_log`
/// under `mutex`. Owns (and closes) the socket.
class FakeDbConnection {
 public:
  FakeDbConnection(int fd, const std::atomic<bool>& stop, std::string& clear_log, std::mutex& mutex);
  ~FakeDbConnection();
  FakeDbConnection(const FakeDbConnection&) = delete;
  FakeDbConnection& operator=(const FakeDbConnection&) = delete;

  /// Runs the server side of a TLS handshake with `ctx`; false when it fails or takes over 5 s.
  bool start_tls(SSL_CTX* ctx);
  /// Appends what arrives next; false when the client closed, after 5 s of silence, or on stop.
  bool read_some(std::string& out);
  /// Exactly `n` bytes into `out`; false when they do not all arrive (see read_some).
  bool read_exact(std::size_t n, std::string& out);
  /// Sends all of `bytes`; false when the connection fails.
  bool write(std::string_view bytes);
  /// Holds the connection open without a word until the client leaves or the server stops.
  void stay_silent();

 private:
  int m_fd;
  const std::atomic<bool>& m_stop;
  std::string& m_clear_log;
  std::mutex& m_mutex;
  SSL* m_ssl = nullptr;
  std::string m_pending;
};

namespace fake_db {

// ---- PostgreSQL: type byte, big-endian length (with itself), body.
/// A backend message of `type` with `body`.
std::string pg_message(char type, std::string_view body);
/// An Authentication message ('R') with `code` and its `data`.
std::string pg_auth(std::uint32_t code, std::string_view data = {});
/// A FATAL ErrorResponse with `sqlstate` and `message`.
std::string pg_error(std::string_view sqlstate, std::string_view message);
/// Reads one typed message; false when it does not arrive or its length is out of range.
bool pg_read(FakeDbConnection& conn, char& type, std::string& body);

// ---- MySQL: 3-byte little-endian length, sequence number, payload.
/// Reads one packet into `payload`; `seq` becomes its sequence number.
bool my_read(FakeDbConnection& conn, std::uint8_t& seq, std::string& payload);
/// Writes `payload` as the packet after `seq` (which it advances).
bool my_write(FakeDbConnection& conn, std::uint8_t& seq, std::string_view payload);
/// An ERR packet's payload.
std::string my_error(std::uint16_t code, std::string_view state, std::string_view message);

// ---- MongoDB: OP_MSG with one body section.
/// Reads one OP_MSG into `doc` (which must be valid BSON); `request_id` becomes its id.
bool mongo_read(FakeDbConnection& conn, std::uint32_t& request_id, std::string& doc);
/// Writes `doc` as an OP_MSG answering `response_to`.
bool mongo_write(FakeDbConnection& conn, std::uint32_t response_to, const std::string& doc);
/// A command failure: {ok: 0, errmsg: `message`, code: `code`}.
std::string mongo_failure(int code, std::string_view message);

// ---- Redis: RESP.
/// Reads one RESP array of bulk strings ("*2\r\n$4\r\nAUTH\r\n…").
bool resp_read(FakeDbConnection& conn, std::vector<std::string>& args);

}  // namespace fake_db

}  // namespace sprawl::test
