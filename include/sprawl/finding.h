// Finding: what a scan reports — one secret of one rule at one location.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sprawl/match.h"
#include "sprawl/rule.h"

namespace sprawl {

/// Where in a git repository a secret was seen.
enum class GitLocation {
  commit,       ///< introduced by a commit (reachable from a ref, or dangling)
  staged,       ///< in the index, not committed
  worktree,     ///< in an uncommitted or untracked work-tree file
  unreachable,  ///< in an object no commit, ref or index entry reaches
};
inline const char* to_string(GitLocation location) {
  switch (location) {
    case GitLocation::commit: return "commit";
    case GitLocation::staged: return "staged";
    case GitLocation::worktree: return "worktree";
    case GitLocation::unreachable: return "unreachable";
  }
  return "commit";
}

struct GitProvenance {
  std::string repository;  ///< as given on the command line
  GitLocation location = GitLocation::commit;
  // For GitLocation::commit: the commit that first introduced the secret at this path.
  std::string commit, author_name, author_email, author_date, summary;
  bool reachable = true;           ///< false: no ref reaches the commit (reset, amended, dropped stash)
  std::uint32_t other_commits = 0;  ///< other commits that introduced the same secret
  std::uint32_t other_paths = 0;    ///< other paths where the same secret was introduced
  bool at_head = false;             ///< the secret is still in HEAD's tree (not only in history)
};

/// Where in a container image a secret was seen: a file of one layer, or a config field.
struct ImageProvenance {
  std::string image;            ///< the input as given (tarball or layout directory)
  std::string reference;        ///< "name:tag" when the image says
  std::string image_id;         ///< config digest
  std::string manifest_digest;  ///< OCI manifest digest, when there is one
  std::string platform;         ///< "os/arch" when an index says
  std::optional<std::uint32_t> layer;  ///< layer index (0 = base); empty for the image config
  std::string layer_digest;
  std::string created_by;   ///< the history command that produced the layer
  std::string path;         ///< path inside the layer, or the config field ("Env[2]", "history[4].created_by")
  /// The layer that deleted (whiteout), hid (opaque directory) or overwrote the file: the secret
  /// is still in the image, but not in its final filesystem. Empty: present in the final filesystem.
  std::optional<std::uint32_t> removed_in_layer;
  std::string removal;  ///< "whiteout", "opaque" or "overwritten" when removed_in_layer is set
};

/// Where the scanned bytes were seen.
struct Provenance {
  std::string path;           ///< as shown to the user: argument joined with the relative path
  std::string relative_path;  ///< relative to the scan root: what allow-list paths match
  std::optional<GitProvenance> git;  ///< set for findings from a repository's history
  std::optional<ImageProvenance> image;  ///< set for findings from a container image
  /// The archive members the secret was found in, outermost first ("app.jar", …): `path` then
  /// reads "lib/app.war!/WEB-INF/lib/app.jar!/application.properties".
  std::vector<std::string> members;
};

/// What sprawl could tell about whether a secret is real — offline (checksums, key parsing, JWT
/// claims) and, with --validate, from the provider — and the non-secret identifiers it found on
/// the way (the account an AWS key id encodes, a key's fingerprint, the token's owner).
struct Validity {
  /// Offline: "format_valid", "invalid_format" or "expired"; live: "valid", "invalid" or
  /// "unknown". Empty: no check applies.
  std::string status;
  std::string reason;  ///< one line
  std::vector<std::pair<std::string, std::string>> identity;
  std::string method;      ///< "offline" or "live"; empty with no status
  std::string checked_at;  ///< live: when the provider was asked (ISO 8601 UTC)
  int http_status = 0;     ///< live: the provider's last HTTP status, 0 when none
  bool cached = false;     ///< live: the answer came from the validation cache
};

/// The text around a match (up to 1 KiB each side) and where the match lies in it: what live
/// validation reads a credential's other parts from (an AWS key id next to its secret).
struct MatchContext {
  std::string text;
  std::uint32_t match_start = 0, match_end = 0;  ///< the rule's whole match within `text`
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
  /// Why the finding is suppressed ("allowlist: …", "inline sprawl:allow", "baseline", …);
  /// empty for an active finding. Suppressed findings are counted, and listed only on request.
  std::string suppressed;
  /// Encodings the secret was decoded from, outermost first ("base64", "percent"): the position
  /// is then that of the encoded text in the original.
  std::vector<std::string> decoded;
  Validity validity;  ///< offline checks (checksums, key parsing, JWT claims, …) and live validation
  /// The text around the match (up to 1 KiB each side), kept only when live validation will
  /// need a credential's other parts (an AWS key id next to its secret); never reported.
  MatchContext context;
};

}  // namespace sprawl
