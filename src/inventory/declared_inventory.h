// The declared inventory: the organization's own list of its non-human identities (a YAML file,
// docs/declared-inventory.md), read strictly — a malformed file is one "FILE:LINE:COL: reason".
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"

namespace sprawl {

/// One entry of `nhis:`.
struct DeclaredNhi {
  std::string name;                      ///< unique in the file
  std::string provider;                  ///< as the rules name it ("aws", "github", …); "" matches any
  std::vector<std::string> identifiers;  ///< non-secret names: key ids, e-mails, logins, fingerprints, user@host
  std::string owner;                     ///< "" when the entry names none
  std::string purpose;
  std::string expires;     ///< ISO 8601 date (or date-time) as written; "" when none
  std::uint32_t line = 0;  ///< 1-based line of the entry in the file
};

struct DeclaredInventory {
  std::string path;  ///< the file as given
  int version = 1;
  std::vector<DeclaredNhi> nhis;     ///< in file order
  std::set<std::string> offboarded;  ///< owners who have left (top-level `offboarded:`)
};

/// The highest `version:` this sprawl reads.
inline constexpr int kDeclaredInventoryVersion = 1;

/// Reads and checks a declared-inventory file. Errors are one line, "FILE:LINE:COL: reason":
/// YAML syntax, a missing or unsupported `version`, an unknown key, a value of the wrong type, a
/// missing or duplicate `name`, an identifier claimed by two entries, an unreadable `expires`.
Result<DeclaredInventory> load_declared_inventory(const std::string& path);

/// The same, over text already read; `file_name` only names the file in errors.
Result<DeclaredInventory> parse_declared_inventory(std::string_view text, const std::string& file_name);

/// Whether `owner` is declared as gone.
bool is_offboarded(const DeclaredInventory& inventory, std::string_view owner);

}  // namespace sprawl
