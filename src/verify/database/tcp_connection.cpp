// TcpConnection: non-blocking sockets driven by poll() against deadlines, name resolution that
// cannot outlive the timeout, and TLS through OpenSSL over a BIO that never raises SIGPIPE.
#include "src/verify/database/tcp_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace sprawl::verify {
namespace {

using Clock = std::chrono::steady_clock;

/// The whole conversation may take this many timeouts (connect, TLS, a few round trips).
constexpr int kSessionTimeouts = 4;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

std::string describe(const HostPort& target) {
  const bool v6 = target.host.find(':') != std::string::npos;
  return (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
}

/// getaddrinfo() has no timeout of its own: it runs on a detached thread, and a lookup that
/// outlives the deadline is abandoned (the thread frees its result when it finally returns).
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false, abandoned = false;
  int rc = 0;
  addrinfo* list = nullptr;
};

struct AddrList {
  addrinfo* list = nullptr;
  ~AddrList() {
    if (list != nullptr) freeaddrinfo(list);
  }
};

bool resolve(const HostPort& target, Clock::time_point deadline, AddrList& out, std::string& error) {
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host = target.host, port = std::to_string(target.port)] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
    std::lock_guard lock(lookup->mutex);
    if (lookup->abandoned) {
      if (list != nullptr) freeaddrinfo(list);
      return;
    }
    lookup->rc = rc, lookup->list = list, lookup->done = true;
    lookup->done_cv.notify_one();
  }).detach();
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    lookup->abandoned = true;
    error = "could not resolve " + target.host + ": timed out";
    return false;
  }
  if (lookup->rc != 0) {
    error = "could not resolve " + target.host + ": " + gai_strerror(lookup->rc);
    return false;
  }
  out.list = lookup->list;
  return true;
}

bool address_is_loopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) != 0;
  }
  return false;
}

/// Connects one address within the deadline: the socket, or -1 with errno-based `error`.
int connect_one(const addrinfo* ai, Clock::time_point deadline, std::string& error) {
  const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
  if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int rc = 0;
    do rc = poll(&p, 1, remaining_ms(deadline));
    while (rc < 0 && errno == EINTR);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) return fd;
    error = rc == 0 ? "timed out" : std::strerror(so_error != 0 ? so_error : errno);
  } else {
    error = std::strerror(errno);
  }
  close(fd);
  return -1;
}

// ---- A BIO over the non-blocking socket that writes with MSG_NOSIGNAL (no SIGPIPE when the
// peer has gone) and reports EAGAIN as "retry" so SSL calls return WANT_READ/WANT_WRITE.

int fd_of(BIO* bio) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio))); }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = send(fd_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = recv(fd_of(bio), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sprawl socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

std::string openssl_error(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(what);
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return std::string(what) + ": " + buffer;
}

bool is_ip_literal(const std::string& host) {
  in6_addr six{};
  in_addr four{};
  return inet_pton(AF_INET, host.c_str(), &four) == 1 || inet_pton(AF_INET6, host.c_str(), &six) == 1;
}

}  // namespace

struct TcpConnection::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

bool parse_host_port(std::string_view text, HostPort& out) {
  if (const std::size_t scheme = text.find("://"); scheme != std::string_view::npos) text.remove_prefix(scheme + 3);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  std::string_view host, port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1), port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return false;
    host = text.substr(0, colon), port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return false;
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

TcpConnection::TcpConnection(int fd, std::chrono::milliseconds timeout, Clock::time_point session_end, bool loopback)
    : m_fd(fd), m_timeout(timeout), m_session_end(session_end), m_loopback(loopback) {}

TcpConnection::~TcpConnection() {
  m_tls.reset();
  if (m_fd >= 0) close(m_fd);
}

std::unique_ptr<TcpConnection> TcpConnection::open(const HostPort& target, std::chrono::milliseconds timeout,
                                                   std::string& error) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + timeout;
  AddrList addresses;
  if (!resolve(target, deadline, addresses, error)) return nullptr;
  std::string last_error = "no address";
  for (const addrinfo* ai = addresses.list; ai != nullptr; ai = ai->ai_next) {
    const int fd = connect_one(ai, deadline, last_error);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return std::unique_ptr<TcpConnection>(
        new TcpConnection(fd, timeout, start + kSessionTimeouts * timeout, address_is_loopback(ai->ai_addr)));
  }
  error = "could not connect to " + describe(target) + ": " + last_error;
  return nullptr;
}

Clock::time_point TcpConnection::deadline() const { return std::min(Clock::now() + m_timeout, m_session_end); }

bool TcpConnection::wait(bool for_write, Clock::time_point deadline, std::string& error) {
  pollfd p{m_fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  int rc = 0;
  do rc = poll(&p, 1, remaining_ms(deadline));
  while (rc < 0 && errno == EINTR);
  if (rc > 0) return true;
  error = rc == 0 ? "timed out" : std::string("poll failed: ") + std::strerror(errno);
  return false;
}

bool TcpConnection::start_tls(const std::string& server_name, std::string& error) {
  if (m_tls) return true;
  auto tls = std::make_unique<Tls>();
  tls->ctx = SSL_CTX_new(TLS_client_method());
  if (tls->ctx == nullptr) {
    error = openssl_error("TLS setup failed");
    return false;
  }
  SSL_CTX_set_min_proto_version(tls->ctx, TLS1_2_VERSION);
  SSL_CTX_set_default_verify_paths(tls->ctx);
  if (const char* bundle = std::getenv("SPRAWL_CA_BUNDLE"); bundle != nullptr && *bundle != '\0') {
    if (SSL_CTX_load_verify_locations(tls->ctx, bundle, nullptr) != 1) {
      error = openssl_error("could not load SPRAWL_CA_BUNDLE");
      return false;
    }
  }
  SSL_CTX_set_verify(tls->ctx, SSL_VERIFY_PEER, nullptr);
  tls->ssl = SSL_new(tls->ctx);
  BIO* bio = BIO_new(socket_bio_method());
  if (tls->ssl == nullptr || bio == nullptr) {
    if (bio != nullptr) BIO_free(bio);
    error = openssl_error("TLS setup failed");
    return false;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(m_fd)));
  SSL_set_bio(tls->ssl, bio, bio);
  if (is_ip_literal(server_name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls->ssl), server_name.c_str());
  } else {
    SSL_set_tlsext_host_name(tls->ssl, server_name.c_str());
    SSL_set1_host(tls->ssl, server_name.c_str());
  }
  const Clock::time_point until = deadline();
  for (;;) {
    const int rc = SSL_connect(tls->ssl);
    if (rc == 1) break;
    const int why = SSL_get_error(tls->ssl, rc);
    if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
      if (!wait(why == SSL_ERROR_WANT_WRITE, until, error)) {
        error = "TLS handshake " + error;
        return false;
      }
      continue;
    }
    const long verify = SSL_get_verify_result(tls->ssl);
    error = verify != X509_V_OK ? std::string("TLS certificate not trusted: ") + X509_verify_cert_error_string(verify)
                                : openssl_error("TLS handshake failed");
    return false;
  }
  m_tls = std::move(tls);
  return true;
}

bool TcpConnection::write_all(std::string_view bytes, std::string& error) {
  const Clock::time_point until = deadline();
  while (!bytes.empty()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 20));
    if (m_tls) {
      const int n = SSL_write(m_tls->ssl, bytes.data(), chunk);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      const int why = SSL_get_error(m_tls->ssl, n);
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
        error = openssl_error("TLS write failed");
        return false;
      }
      if (!wait(why == SSL_ERROR_WANT_WRITE, until, error)) return false;
      continue;
    }
    const ssize_t n = send(m_fd, bytes.data(), static_cast<std::size_t>(chunk), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!wait(true, until, error)) return false;
    } else {
      error = std::string("write failed: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool TcpConnection::read_once(std::size_t max, std::string& out, Clock::time_point until, std::string& error) {
  char buffer[16384];
  const int want = static_cast<int>(std::min(max, sizeof buffer));
  for (;;) {
    if (m_tls) {
      const int n = SSL_read(m_tls->ssl, buffer, want);
      if (n > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
        return true;
      }
      const int why = SSL_get_error(m_tls->ssl, n);
      if (why == SSL_ERROR_ZERO_RETURN || (why == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
        ERR_clear_error();
        error = "connection closed by the server";
        return false;
      }
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
        error = openssl_error("TLS read failed");
        return false;
      }
      if (!wait(why == SSL_ERROR_WANT_WRITE, until, error)) return false;
      continue;
    }
    const ssize_t n = recv(m_fd, buffer, static_cast<std::size_t>(want), 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      error = "connection closed by the server";
      return false;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      error = std::string("read failed: ") + std::strerror(errno);
      return false;
    }
    if (!wait(false, until, error)) return false;
  }
}

bool TcpConnection::read_exact(std::size_t size, std::string& out, std::string& error) {
  const Clock::time_point until = deadline();
  const std::size_t target = out.size() + size;
  while (out.size() < target) {
    if (!read_once(target - out.size(), out, until, error)) return false;
  }
  return true;
}

bool TcpConnection::read_some(std::size_t max, std::string& out, std::string& error) {
  if (max == 0) return true;
  return read_once(max, out, deadline(), error);
}

}  // namespace sprawl::verify
