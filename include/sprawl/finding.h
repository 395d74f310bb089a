// Finding: what a scan reports — one secret of one rule at one location.
#pragma once

#include <string>

#include "sprawl/match.h"
#include "sprawl/rule.h"

namespace sprawl {

/// Where the scanned bytes were seen. Later sources (git, images, archives) add fields here.
struct Provenance {
  std::string path;           ///< as shown to the user: argument joined with the relative path
  std::string relative_path;  ///< relative to the scan root: what allow-list paths match
};

/// How the blob's bytes were turned into scanned text.
enum class TextEncoding { utf8, utf16le, utf16be, binary };
const char* to_string(TextEncoding encoding);

/// A reported secret: rule metadata, location, redacted or raw value, and a stable fingerprint.
struct Finding {
  const Rule* rule = nullptr;
  Provenance provenance;
  TextPosition start, end;
  std::string secret;       ///< raw value; reports redact it unless --show-secrets
  std::string fingerprint;  ///< hex SHA-256 of rule id, NUL, secret
  double entropy = 0.0;
  std::string blob_id;  ///< hex git blob id
  TextEncoding encoding = TextEncoding::utf8;
};

}  // namespace sprawl
