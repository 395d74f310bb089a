// The resolver calls (res_nquery with a bounded retry time) and the bounds-checked walk over a
// DNS reply's answer records behind the mongodb+srv:// lookups declared in dns_srv.h.
#include "src/verify/database/dns_srv.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cctype>

namespace sprawl::verify {
namespace {

constexpr std::size_t kMaxHosts = 16;

/// Runs one query of `type` for `name` with the retry time bounded by `timeout`; the answer's
/// length, or -1.
int query(const std::string& name, int type, std::chrono::milliseconds timeout, unsigned char* answer, int size) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return -1;
  state.retrans = std::max(1, static_cast<int>(timeout.count() / 1000));
  state.retry = 1;
  const int n = res_nquery(&state, name.c_str(), ns_c_in, type, answer, size);
  res_nclose(&state);
  return n;
}

/// Calls `visit(type, rdata, rdlength)` for each answer record; false when malformed.
template <typename Visit>
bool for_each_answer(const unsigned char* msg, int length, Visit&& visit) {
  if (length < 12) return false;
  const unsigned char* end = msg + length;
  const int questions = (msg[4] << 8) | msg[5], answers = (msg[6] << 8) | msg[7];
  const unsigned char* p = msg + 12;
  for (int i = 0; i < questions; ++i) {
    const int skip = dn_skipname(p, end);
    if (skip < 0 || p + skip + 4 > end) return false;
    p += skip + 4;
  }
  for (int i = 0; i < answers; ++i) {
    const int skip = dn_skipname(p, end);
    if (skip < 0 || p + skip + 10 > end) return false;
    p += skip;
    const int type = (p[0] << 8) | p[1];
    const int rdlength = (p[8] << 8) | p[9];
    p += 10;
    if (p + rdlength > end) return false;
    visit(type, p, rdlength);
    p += rdlength;
  }
  return true;
}

std::string lowered_name(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.ends_with('.')) name.pop_back();
  return name;
}

}  // namespace

std::vector<HostPort> srv_hosts_in_answer(const unsigned char* answer, int length, const std::string& host) {
  std::vector<HostPort> out;
  const std::string own = lowered_name(host);
  const std::size_t dot = own.find('.');
  const std::string parent = std::count(own.begin(), own.end(), '.') >= 2 ? own.substr(dot) : "." + own;
  for_each_answer(answer, length, [&](int type, const unsigned char* rdata, int rdlength) {
    if (type != ns_t_srv || rdlength < 7 || out.size() >= kMaxHosts) return;
    char name[NS_MAXDNAME];
    if (dn_expand(answer, answer + length, rdata + 6, name, sizeof name) < 0) return;
    const std::string target = lowered_name(name);
    if (!target.ends_with(parent)) return;
    out.push_back({target, static_cast<std::uint16_t>((rdata[4] << 8) | rdata[5])});
  });
  return out;
}

std::vector<HostPort> mongodb_srv_hosts(const std::string& host, std::chrono::milliseconds timeout,
                                        std::string& error) {
  unsigned char answer[8192];
  const int n = query("_mongodb._tcp." + host, ns_t_srv, timeout, answer, sizeof answer);
  if (n < 0) {
    error = "DNS SRV lookup of _mongodb._tcp." + host + " failed";
    return {};
  }
  std::vector<HostPort> out = srv_hosts_in_answer(answer, n, host);
  if (out.empty()) error = "DNS SRV lookup of _mongodb._tcp." + host + " gave no usable host";
  return out;
}

std::string mongodb_txt_options(const std::string& host, std::chrono::milliseconds timeout) {
  unsigned char answer[4096];
  const int n = query(host, ns_t_txt, timeout, answer, sizeof answer);
  std::string out;
  if (n < 0) return out;
  for_each_answer(answer, n, [&](int type, const unsigned char* rdata, int rdlength) {
    if (type != ns_t_txt || !out.empty()) return;
    for (int pos = 0; pos < rdlength;) {
      const int length = rdata[pos];
      if (pos + 1 + length > rdlength) break;
      out.append(reinterpret_cast<const char*>(rdata + pos + 1), static_cast<std::size_t>(length));
      pos += 1 + length;
    }
  });
  return out;
}

}  // namespace sprawl::verify
