// FakeHttpServer: an accept thread on 127.0.0.1 and one thread per connection; each connection
// carries one request (Connection: close). TLS uses a P-256 certificate made at start-up.
#include "tests/support/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

namespace sprawl::test {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// A byte stream over a plain socket or a TLS session.
struct Stream {
  int fd = -1;
  SSL* ssl = nullptr;
  int read(char* buffer, int size) { return ssl ? SSL_read(ssl, buffer, size) : static_cast<int>(::recv(fd, buffer, size, 0)); }
  bool write(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const int n = ssl ? SSL_write(ssl, data.data() + sent, static_cast<int>(data.size() - sent))
                        : static_cast<int>(::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL));
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
};

// Reads one request; false when the client went away or sent garbage.
bool read_request(Stream& stream, FakeRequest& request) {
  std::string data;
  char buffer[8192];
  std::size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const int n = stream.read(buffer, sizeof buffer);
    if (n <= 0 || data.size() > (1u << 20)) return false;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  const std::string head = data.substr(0, header_end);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  request.method = request_line.substr(0, sp1);
  request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  request.path = request.target.substr(0, request.target.find('?'));
  std::size_t content_length = 0;
  while (line_end != std::string::npos && line_end < head.size()) {
    const std::size_t next = head.find("\r\n", line_end + 2);
    const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
    line_end = next;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    request.headers.emplace_back(lower(line.substr(0, colon)), value);
    if (lower(line.substr(0, colon)) == "content-length") content_length = std::stoul(value);
  }
  request.body = data.substr(header_end + 4);
  while (request.body.size() < content_length) {
    const int n = stream.read(buffer, sizeof buffer);
    if (n <= 0) return false;
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  return true;
}

// A self-signed P-256 certificate for 127.0.0.1 and localhost.
void make_certificate(EVP_PKEY*& key, X509*& cert) {
  key = EVP_EC_gen("P-256");
  cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (const char* ext : {"subjectAltName", "basicConstraints"}) {
    const char* value = std::string_view(ext) == "subjectAltName" ? "IP:127.0.0.1,DNS:localhost" : "critical,CA:TRUE";
    X509_EXTENSION* e = X509V3_EXT_conf(nullptr, &ctx, ext, value);
    X509_add_ext(cert, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(cert, key, EVP_sha256());
}

}  // namespace

std::string FakeRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

struct FakeHttpServer::State {
  Handler handler;
  int listen_fd = -1;
  int port = 0;
  bool tls = false;
  SSL_CTX* ssl_ctx = nullptr;
  TempDir dir;
  std::string ca_path;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  mutable std::mutex mutex;
  std::vector<std::thread> connections;
  std::vector<FakeRequest> requests;

  void serve(int fd) {
    Stream stream{fd, nullptr};
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (tls) {
      stream.ssl = SSL_new(ssl_ctx);
      SSL_set_fd(stream.ssl, fd);
      if (SSL_accept(stream.ssl) <= 0) {
        SSL_free(stream.ssl);
        ::close(fd);
        return;
      }
    }
    FakeRequest request;
    if (read_request(stream, request)) {
      {
        std::lock_guard lock(mutex);
        requests.push_back(request);
      }
      FakeResponse response = handler(request);
      if (response.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(response.delay_ms));
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
      out += "Content-Type: " + response.content_type + "\r\n";
      out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n";
      for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
      out += "\r\n";
      if (request.method != "HEAD") out += response.body;
      stream.write(out);
    }
    if (stream.ssl) {
      SSL_shutdown(stream.ssl);
      SSL_free(stream.ssl);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  void accept_loop() {
    while (!stopping) {
      pollfd p{listen_fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex);
      connections.emplace_back([this, fd] { serve(fd); });
    }
  }
};

FakeHttpServer::FakeHttpServer(Handler handler, bool tls) : m_state(std::make_unique<State>()) {
  m_state->handler = std::move(handler);
  m_state->tls = tls;
  m_state->listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(m_state->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(m_state->listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_state->listen_fd, 64) != 0)
    throw std::runtime_error("fake HTTP server: cannot listen on 127.0.0.1");
  socklen_t length = sizeof address;
  ::getsockname(m_state->listen_fd, reinterpret_cast<sockaddr*>(&address), &length);
  m_state->port = ntohs(address.sin_port);
  if (tls) {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    make_certificate(key, cert);
    m_state->ssl_ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(m_state->ssl_ctx, cert);
    SSL_CTX_use_PrivateKey(m_state->ssl_ctx, key);
    m_state->ca_path = m_state->dir.path() + "/ca.pem";
    std::FILE* out = std::fopen(m_state->ca_path.c_str(), "w");
    PEM_write_X509(out, cert);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  m_state->acceptor = std::thread([state = m_state.get()] { state->accept_loop(); });
}

FakeHttpServer::~FakeHttpServer() {
  m_state->stopping = true;
  m_state->acceptor.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(m_state->mutex);
    connections.swap(m_state->connections);
  }
  for (auto& t : connections) t.join();
  ::close(m_state->listen_fd);
  if (m_state->ssl_ctx) SSL_CTX_free(m_state->ssl_ctx);
}

std::string FakeHttpServer::base_url() const {
  return std::string(m_state->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_state->port);
}

int FakeHttpServer::port() const { return m_state->port; }

std::string FakeHttpServer::ca_file() const { return m_state->ca_path; }

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->requests;
}

}  // namespace sprawl::test
