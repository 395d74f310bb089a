// TcpConnection: a blocking TCP client connection with a deadline on every operation, and an
// optional TLS upgrade (OpenSSL, peer verified) — what the database validators speak through.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sprawl::verify {

/// host:port to connect to: from a connection URI, or the provider's endpoint override
/// ("tcp://127.0.0.1:5432", "127.0.0.1:5432").
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses an override such as "tcp://127.0.0.1:6380" or "127.0.0.1:6380" ("[::1]:6380" too).
bool parse_host_port(std::string_view text, HostPort& out);

class TcpConnection {
 public:
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  /// Connects to `target` within `timeout`; every later read/write must also finish within it,
  /// and the whole conversation within four times it (a server that drips bytes cannot hold a
  /// validator longer). nullptr with `error` set ("could not connect to HOST:PORT: …") on failure.
  static std::unique_ptr<TcpConnection> open(const HostPort& target, std::chrono::milliseconds timeout,
                                             std::string& error);

  /// Starts TLS on the connection (after a protocol's own upgrade request), verifying the
  /// server's certificate against the system store (plus SPRAWL_CA_BUNDLE) and `server_name`.
  bool start_tls(const std::string& server_name, std::string& error);

  bool write_all(std::string_view bytes, std::string& error);
  /// Reads exactly `size` bytes into `out` (appended).
  bool read_exact(std::size_t size, std::string& out, std::string& error);
  /// Reads whatever arrives next (at least 1 byte, at most `max`), appended to `out`.
  bool read_some(std::size_t max, std::string& out, std::string& error);

  /// Whether start_tls succeeded: the bytes now travel encrypted.
  bool is_tls() const { return m_tls != nullptr; }
  /// Whether the peer is a loopback address (127.0.0.0/8, ::1). Validators send a password in
  /// clear text over an unencrypted connection only to such a peer.
  bool peer_is_loopback() const { return m_loopback; }

 private:
  using Clock = std::chrono::steady_clock;
  TcpConnection(int fd, std::chrono::milliseconds timeout, Clock::time_point session_end, bool loopback);
  /// Waits until the socket is readable (or writable) before `deadline`.
  bool wait(bool for_write, Clock::time_point deadline, std::string& error);
  /// The deadline of an operation starting now: the timeout, capped by the session's end.
  Clock::time_point deadline() const;
  bool read_once(std::size_t max, std::string& out, Clock::time_point deadline, std::string& error);
  int m_fd = -1;
  std::chrono::milliseconds m_timeout;
  Clock::time_point m_session_end;
  bool m_loopback = false;
  struct Tls;
  std::unique_ptr<Tls> m_tls;
};

}  // namespace sprawl::verify
