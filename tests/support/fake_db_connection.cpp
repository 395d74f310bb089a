// FakeDbConnection over a blocking socket with a short receive timeout (so that reads notice
// the server stopping), TLS through OpenSSL, and the listening socket, certificate, byte
// helpers and protocol framing declared in fake_db_connection.h.
#include "tests/support/fake_db_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "src/verify/database/bson.h"

namespace sprawl::test {

namespace bson = verify::bson;
using Clock = std::chrono::steady_clock;

namespace fake_db {

std::string random_bytes(std::size_t n, bool printable) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  if (printable)
    for (char& c : out) c = static_cast<char>('A' + static_cast<unsigned char>(c) % 26);
  return out;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::uint32_t get_be32(std::string_view b) {
  return (std::uint32_t(static_cast<unsigned char>(b[0])) << 24) |
         (std::uint32_t(static_cast<unsigned char>(b[1])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(b[2])) << 8) | std::uint32_t(static_cast<unsigned char>(b[3]));
}

std::string le(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}

std::uint32_t get_le(std::string_view b, int n) { return static_cast<std::uint32_t>(bson::detail::get_le(b, n)); }

SSL_CTX* make_tls_context(const std::string& cert_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), -600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fake-db"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  if (FILE* f = std::fopen(cert_file.c_str(), "w")) {
    PEM_write_X509(f, cert);
    std::fclose(f);
  }
  SSL_CTX* tls = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(tls, cert);
  SSL_CTX_use_PrivateKey(tls, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return tls;
}

int listen_on_loopback(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace fake_db

FakeDbConnection::FakeDbConnection(int fd, const std::atomic<bool>& stop, std::string& clear_log, std::mutex& mutex)
    : m_fd(fd), m_stop(stop), m_clear_log(clear_log), m_mutex(mutex) {
  timeval tv{0, 50 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

FakeDbConnection::~FakeDbConnection() {
  if (m_ssl != nullptr) SSL_free(m_ssl);
  close(m_fd);
}

bool FakeDbConnection::start_tls(SSL_CTX* ctx) {
  m_ssl = SSL_new(ctx);
  SSL_set_fd(m_ssl, m_fd);
  const auto until = Clock::now() + std::chrono::seconds(5);
  for (int rc = SSL_accept(m_ssl); rc != 1; rc = SSL_accept(m_ssl)) {
    if (m_stop || Clock::now() > until || SSL_get_error(m_ssl, rc) != SSL_ERROR_WANT_READ) return false;
  }
  return true;
}

bool FakeDbConnection::read_some(std::string& out) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  char buffer[4096];
  while (!m_stop && Clock::now() < until) {
    const long n = m_ssl != nullptr ? SSL_read(m_ssl, buffer, sizeof buffer) : recv(m_fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      if (m_ssl == nullptr) {
        std::lock_guard lock(m_mutex);
        m_clear_log.append(buffer, static_cast<std::size_t>(n));
      }
      return true;
    }
    if (m_ssl != nullptr ? SSL_get_error(m_ssl, static_cast<int>(n)) != SSL_ERROR_WANT_READ
                         : (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))) {
      return false;
    }
  }
  return false;
}

bool FakeDbConnection::read_exact(std::size_t n, std::string& out) {
  while (m_pending.size() < n)
    if (!read_some(m_pending)) return false;
  out = m_pending.substr(0, n);
  m_pending.erase(0, n);
  return true;
}

bool FakeDbConnection::write(std::string_view bytes) {
  if (m_ssl != nullptr) return SSL_write(m_ssl, bytes.data(), static_cast<int>(bytes.size())) > 0;
  return send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

void FakeDbConnection::stay_silent() {
  while (!m_stop) {
    char c;
    const long n = recv(m_fd, &c, 1, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;
  }
}

namespace fake_db {
namespace {

/// The decimal number `text`, or -1.
long number_of(std::string_view text) {
  long v = 0;
  if (text.empty() || text.size() > 9) return -1;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string pg_message(char type, std::string_view body) {
  return std::string(1, type) + be32(static_cast<std::uint32_t>(body.size() + 4)) + std::string(body);
}
std::string pg_auth(std::uint32_t code, std::string_view data) {
  return pg_message('R', be32(code) + std::string(data));
}
std::string pg_error(std::string_view sqlstate, std::string_view message) {
  std::string body = "SFATAL";
  body += '\0';
  body += "C" + std::string(sqlstate) + '\0' + "M" + std::string(message) + '\0' + '\0';
  return pg_message('E', body);
}

bool pg_read(FakeDbConnection& conn, char& type, std::string& body) {
  std::string header;
  if (!conn.read_exact(5, header)) return false;
  type = header[0];
  const std::uint32_t length = get_be32(header.substr(1));
  return length >= 4 && length < 65536 && conn.read_exact(length - 4, body);
}

bool my_read(FakeDbConnection& conn, std::uint8_t& seq, std::string& payload) {
  std::string header;
  payload.clear();
  if (!conn.read_exact(4, header)) return false;
  seq = static_cast<std::uint8_t>(header[3]);
  return conn.read_exact(get_le(header, 3), payload);
}
bool my_write(FakeDbConnection& conn, std::uint8_t& seq, std::string_view payload) {
  ++seq;
  return conn.write(le(payload.size(), 3) + static_cast<char>(seq) + std::string(payload));
}
std::string my_error(std::uint16_t code, std::string_view state, std::string_view message) {
  return "\xff" + le(code, 2) + "#" + std::string(state) + std::string(message);
}

bool mongo_read(FakeDbConnection& conn, std::uint32_t& request_id, std::string& doc) {
  std::string header, rest;
  if (!conn.read_exact(16, header)) return false;
  const std::uint32_t length = get_le(header, 4);
  request_id = get_le(header.substr(4), 4);
  if (length < 21 || length > (1u << 20) || get_le(header.substr(12), 4) != 2013 ||
      !conn.read_exact(length - 16, rest)) {
    return false;
  }
  doc = rest.substr(5);
  return rest[4] == 0 && bson::valid(doc);
}
bool mongo_write(FakeDbConnection& conn, std::uint32_t response_to, const std::string& doc) {
  return conn.write(le(21 + doc.size(), 4) + le(99, 4) + le(response_to, 4) + le(2013, 4) + le(0, 4) + '\0' + doc);
}
std::string mongo_failure(int code, std::string_view message) {
  return bson::Builder().float64("ok", 0).string("errmsg", message).int32("code", code).finish();
}

bool resp_read(FakeDbConnection& conn, std::vector<std::string>& args) {
  const auto line = [&](std::string& out) {
    out.clear();
    std::string c;
    while (conn.read_exact(1, c)) {
      if (c == "\n" && out.ends_with('\r')) return out.pop_back(), true;
      out += c;
      if (out.size() > 4096) return false;
    }
    return false;
  };
  std::string head;
  if (!line(head) || head.size() < 2 || head[0] != '*') return false;
  args.clear();
  for (long n = number_of(std::string_view(head).substr(1)); n > 0 && n < 16; --n) {
    std::string size, value;
    if (!line(size) || size.size() < 2 || size[0] != '$') return false;
    const long length = number_of(std::string_view(size).substr(1));
    if (length < 0 || length > 65536 || !conn.read_exact(static_cast<std::size_t>(length) + 2, value)) return false;
    args.push_back(value.substr(0, value.size() - 2));
  }
  return true;
}

}  // namespace fake_db

}  // namespace sprawl::test
