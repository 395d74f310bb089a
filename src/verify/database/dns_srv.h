// DNS SRV and TXT lookups for mongodb+srv:// URIs (the Initial DNS Seedlist Discovery spec):
// the seed hosts of "_mongodb._tcp.<host>", kept only when they lie in <host>'s parent domain,
// and the TXT record's options. glibc's resolver with its retry time cut to the timeout.
// Implemented in dns_srv.cpp.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "src/verify/database/tcp_connection.h"

namespace sprawl::verify {

/// The seed hosts in `answer` (a DNS reply to the SRV query for `host`), kept only when they
/// lie in the host's parent domain ("cluster0.x.example.net" → "*.x.example.net"; a host of
/// fewer than three labels: its own subdomains), as the seedlist discovery spec asks.
std::vector<HostPort> srv_hosts_in_answer(const unsigned char* answer, int length, const std::string& host);

/// The seed hosts of a mongodb+srv:// `host`; empty with `error` set when the lookup fails or
/// no record lies within the host's parent domain.
std::vector<HostPort> mongodb_srv_hosts(const std::string& host, std::chrono::milliseconds timeout, std::string& error);

/// The options in the TXT record of a mongodb+srv:// `host` ("authSource=admin&replicaSet=rs0"),
/// or "" when there is none.
std::string mongodb_txt_options(const std::string& host, std::chrono::milliseconds timeout);

}  // namespace sprawl::verify
