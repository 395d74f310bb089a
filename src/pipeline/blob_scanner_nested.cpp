// Content inside content: archive members (scanned in turn, to a depth limit) and encoded runs
// (base64, percent-encoding, escapes) decoded and scanned again, reported at the encoded span.
#include <algorithm>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"

namespace sprawl {

ContentOptions content_options(const ScanConfig& config) {
  ContentOptions options;
  options.archive_depth = config.archive_depth;
  options.decode_depth = config.decode_depth;
  options.archive.max_member_size = config.max_file_size;
  options.archive.max_total_size = config.archive_max_size;
  options.archive.max_ratio = config.archive_max_ratio;
  options.archive.max_entries = config.archive_max_entries;
  options.offline_checks = true;
  options.keep_context = config.validate;  // a credential's other parts, for its live check
  // The variable name before each secret, for the inventory's environments.
  options.keep_line_before =
      !config.datastore_path.empty() || config.inventory_summary || !config.declared_path.empty();
  return options;
}

namespace {

// "app.log.gz" → "app.log", "backup.tgz" → "backup.tar": the name of a compressed stream's content.
std::string decompressed_name(std::string_view container) {
  const std::size_t slash = container.rfind('/');
  std::string name(slash == std::string_view::npos ? container : container.substr(slash + 1));
  static constexpr std::pair<std::string_view, std::string_view> kSuffixes[] = {
      {".tgz", ".tar"}, {".tbz2", ".tar"}, {".txz", ".tar"}, {".tzst", ".tar"}, {".gz", ""},
      {".bz2", ""},     {".xz", ""},       {".zst", ""},     {".zstd", ""}};
  for (const auto& [suffix, replacement] : kSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
      return name + std::string(replacement);
    }
  }
  return name.empty() ? std::string("content") : name + ".decompressed";
}

}  // namespace

std::vector<std::string> member_names(std::string_view base, const std::vector<std::string>& members) {
  std::vector<std::string> names;
  std::string previous(base);
  for (const auto& member : members) {
    names.push_back(member.empty() ? decompressed_name(previous) : member);
    previous = names.back();
  }
  return names;
}

std::string member_path(std::string_view base, const std::vector<std::string>& members) {
  std::string path(base);
  for (const auto& name : member_names(base, members)) path.append("!/").append(name);
  return path;
}

InputDiagnostic problem_diagnostic(std::string_view where, const BlobProblem& problem) {
  return {member_path(where, problem.members), problem.message, problem.is_error};
}

/// Hands each member of an archive back to the scanner, with the member chain kept current.
class MemberScanner : public archive::ArchiveVisitor {
 public:
  MemberScanner(BlobScanner& scanner, std::vector<std::string>& members, BlobScan& result)
      : m_scanner(scanner), m_members(members), m_result(result) {}

  bool entry(const archive::ArchiveEntry& entry, std::string_view content) override {
    if (entry.type != archive::EntryType::file || content.empty()) return true;
    m_members.push_back(entry.path);
    ++m_result.archive_members;
    if (!m_scanner.expand_archive(content, m_members, m_result))
      m_scanner.scan_text(content, nullptr, nullptr, m_members, m_result);
    m_members.pop_back();
    return true;
  }

  void problem(const std::string& member, const std::string& message, bool is_error) override {
    BlobProblem problem{m_members, message, is_error};
    if (!member.empty()) problem.members.push_back(member);
    m_result.problems.push_back(std::move(problem));
  }

 private:
  BlobScanner& m_scanner;
  std::vector<std::string>& m_members;
  BlobScan& m_result;
};

bool BlobScanner::expand_archive(std::string_view bytes, std::vector<std::string>& members, BlobScan& result) {
  if (m_content.archive_depth == 0) return false;
  const archive::ArchiveFormat format = archive::sniff_archive(bytes.substr(0, 512));
  if (format == archive::ArchiveFormat::none) return false;
  if (members.size() >= m_content.archive_depth) {
    result.problems.push_back(
        {members,
         fmt::format("{} archive nested deeper than --archive-depth {}: not opened, scanned as bytes",
                     archive::to_string(format), m_content.archive_depth),
         false});
    return false;
  }
  MemberScanner visitor(*this, members, result);
  return archive::read_archive(bytes, m_content.archive, visitor).opened;
}

/// Where a decoded match is reported: the outermost encoded run in the scanned text.
struct BlobScanner::Anchor {
  std::size_t start = 0, end = 0;
  TextPosition first, last;
  std::string_view line;
};

void BlobScanner::add_decoded_matches(std::string_view text, const LineIndex& lines, std::vector<BlobMatch>& out,
                                      DropCounts& drops) {
  std::vector<EncodedSpan> spans;
  find_encoded_spans(text, m_content.decode, spans);
  if (spans.empty()) return;
  LineIndex positions = lines;
  for (const auto& span : spans) {
    const Anchor anchor{span.start, span.end, positions.position(span.start),
                        positions.position(span.end > span.start ? span.end - 1 : span.start),
                        positions.line_at(span.start)};
    scan_decoded(text, span, {to_string(span.coding)}, anchor, m_content.decode_depth, out, drops);
  }
}

// Scans a decoded run with the rest of its line around it, so that rules keyed on a name
// (`password: <base64>` decodes to `password: hunter2…`) see their context. Only matches whose
// secret lies within the decoded text are kept: the rest are the plain scan's business.
void BlobScanner::scan_decoded(std::string_view text, const EncodedSpan& span, std::vector<std::string> codings,
                               const Anchor& anchor, unsigned depth_left, std::vector<BlobMatch>& out,
                               DropCounts& drops) {
  constexpr std::size_t kContext = 160;
  const std::size_t line_start = text.rfind('\n', span.start == 0 ? 0 : span.start - 1);
  std::size_t before = span.start - (line_start == std::string_view::npos || span.start == 0 ? 0 : line_start + 1);
  before = std::min(before, kContext);
  std::size_t after = text.find('\n', span.end);
  after = std::min((after == std::string_view::npos ? text.size() : after) - span.end, kContext);
  std::string view;
  view.reserve(before + span.decoded.size() + after);
  view.append(text.substr(span.start - before, before)).append(span.decoded).append(text.substr(span.end, after));
  const std::size_t lo = before, hi = before + span.decoded.size();

  std::vector<Match> found;
  m_bytes_searched += view.size();
  m_matcher.scan(view, false, found);
  m_engine->database().keyword_gate().filter(view, found);
  std::sort(found.begin(), found.end(), [](const Match& a, const Match& b) {
    return a.secret_start != b.secret_start ? a.secret_start < b.secret_start : a.rule_index < b.rule_index;
  });
  const auto& rules = m_engine->database().rules();
  std::vector<BlobMatch> level;
  for (auto& match : found) {
    // The secret must come from the decoded text: a match that only reaches into it (a JWT whose
    // signature part happened to decode) is the plain scan's.
    if (match.secret_start < lo || match.secret_end > hi) continue;
    switch (check_match(rules[match.rule_index], match)) {
      case CheckVerdict::low_entropy:
        ++drops.entropy;
        continue;
      case CheckVerdict::placeholder:
        ++drops.placeholder;
        continue;
      case CheckVerdict::keep:
        break;
    }
    if (auto kept = checked_match(std::move(match), std::string_view(view), anchor.line, TextEncoding::utf8))
      level.push_back(std::move(*kept));
    else
      ++drops.checksum;
  }
  if (m_resolve_overlaps) drop_outranked_overlaps(level, rules);
  for (auto& m : level) {
    m.match.match_start = m.match.secret_start = anchor.start;
    m.match.match_end = m.match.secret_end = anchor.end;
    m.match.start = anchor.first;
    m.match.end = anchor.last;
    m.decoded = codings;
    out.push_back(std::move(m));
  }
  if (depth_left <= 1) return;
  std::vector<EncodedSpan> inner;
  find_encoded_spans(span.decoded, m_content.decode, inner);
  for (const auto& next : inner) {
    std::vector<std::string> chain = codings;
    chain.push_back(to_string(next.coding));
    scan_decoded(span.decoded, next, std::move(chain), anchor, depth_left - 1, out, drops);
  }
}

}  // namespace sprawl
