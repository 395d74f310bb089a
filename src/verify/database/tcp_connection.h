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

  /// Connects to `target` within `timeout`; every later read/write must also finish within it.
  /// nullptr with `error` set ("could not connect to HOST:PORT: …") on failure.
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

 private:
  TcpConnection(int fd, std::chrono::milliseconds timeout) : m_fd(fd), m_timeout(timeout) {}
  bool wait(bool for_write, std::string& error);
  int m_fd = -1;
  std::chrono::milliseconds m_timeout;
  struct Tls;
  std::unique_ptr<Tls> m_tls;
};

}  // namespace sprawl::verify
