// Human output: one block per finding (colour on a terminal), then one summary line.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "src/report/redact.h"
#include "src/source/image/image_layout.h"
#include "src/report/report.h"

namespace sprawl {
namespace {

struct Palette {
  const char *bold = "", *dim = "", *red = "", *yellow = "", *cyan = "", *reset = "";
};

Palette palette(bool color) {
  if (!color) return {};
  return {"\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[36m", "\033[0m"};
}

const char* severity_color(Severity s, const Palette& p) {
  return s >= Severity::high ? p.red : s == Severity::medium ? p.yellow : p.dim;
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
  if (bytes >= (1ull << 30)) return fmt::format("{:.2f} GiB", bytes / double(1ull << 30));
  if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", bytes / double(1ull << 20));
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string summary_line(const ScanOutcome& outcome) {
  const auto& s = outcome.summary;
  std::string line = fmt::format("{} finding{} in {} file{} ({}) in {:.2f} s", outcome.findings.size(),
                                 outcome.findings.size() == 1 ? "" : "s", s.files_scanned,
                                 s.files_scanned == 1 ? "" : "s", human_size(s.bytes_scanned), s.seconds);
  if (s.errors) line += fmt::format("; {} unreadable input{}", s.errors, s.errors == 1 ? "" : "s");
  if (s.skipped) line += fmt::format("; {} skipped", s.skipped);
  if (s.suppressed) {
    line += fmt::format("; {} suppressed", s.suppressed);
    if (s.baselined) line += fmt::format(" ({} by the baseline)", s.baselined);
  }
  const auto& d = s.dropped;
  const std::uint64_t dropped = d.entropy + d.placeholder + d.allowlist + d.binary_cap + d.checksum;
  if (dropped) {
    line += fmt::format("; {} dropped ({} low entropy, {} placeholder, {} allow-listed, {} over binary cap", dropped,
                        d.entropy, d.placeholder, d.allowlist, d.binary_cap);
    if (d.checksum) line += fmt::format(", {} failed checksum", d.checksum);
    line += ")";
  }
  return line;
}

namespace {

void render_image(const ImageProvenance& image, const Palette& p, std::string& out) {
  out += fmt::format("  {}Image:{}    {}{}{}\n", p.dim, p.reset, image.reference.empty() ? image.image : image.reference,
                     image.image_id.empty() ? "" : fmt::format(" ({})", image::short_digest(image.image_id)),
                     image.platform.empty() ? "" : fmt::format(" [{}]", image.platform));
  if (!image.layer) {
    out += fmt::format("  {}Config:{}   {}\n", p.dim, p.reset, image.path);
    return;
  }
  out += fmt::format("  {}Layer:{}    {} {}\n", p.dim, p.reset, *image.layer, image::short_digest(image.layer_digest));
  if (!image.created_by.empty()) {
    std::string command = image.created_by.size() > 160 ? image.created_by.substr(0, 157) + "..." : image.created_by;
    out += fmt::format("  {}Built by:{} {}\n", p.dim, p.reset, command);
  }
  if (image.removed_in_layer)
    out += fmt::format("  {}Status:{}   deleted in layer {} ({}): not in the final filesystem, still in the image\n",
                       p.dim, p.reset, *image.removed_in_layer, image.removal);
  else
    out += fmt::format("  {}Status:{}   in the final filesystem\n", p.dim, p.reset);
}

void render_finding(const Finding& f, const ReportOptions& options, const Palette& p, std::string& out) {
  const Rule& r = *f.rule;
  out += fmt::format("{}{}{}{}  {}[{}]{}\n", p.bold, severity_color(r.severity, p), r.id, p.reset,
                     severity_color(r.severity, p), to_string(r.severity), p.reset);
  out += fmt::format("  {}\n", r.description);
  if (const auto& g = f.provenance.git) {
    const std::string where = g->location == GitLocation::unreachable
                                  ? fmt::format("unreachable blob {}", f.blob_id.substr(0, 12))
                                  : fmt::format("{}:{}:{}", f.provenance.path, f.start.line, f.start.column);
    out += fmt::format("  {}Location:{} {}{}{}   {}(repository {}){}\n", p.dim, p.reset, p.cyan, where, p.reset, p.dim,
                       g->repository, p.reset);
    if (g->location == GitLocation::commit) {
      out += fmt::format("  {}Commit:{}   {}{} {} <{}> {}\n", p.dim, p.reset, g->commit.substr(0, 12),
                         g->reachable ? "" : " (not on any ref)", g->author_name, g->author_email, g->author_date);
      out += fmt::format("            {}\n", g->summary);
    } else {
      out += fmt::format("  {}Where:{}    {}\n", p.dim, p.reset, to_string(g->location));
    }
    std::string seen = g->at_head ? "still in HEAD" : "only in history";
    if (g->location == GitLocation::worktree || g->location == GitLocation::staged)
      seen = g->at_head ? "also in HEAD" : "not committed";
    if (g->other_commits || g->other_paths)
      seen += fmt::format("; also in {} other commit{} / {} other path{}", g->other_commits,
                          g->other_commits == 1 ? "" : "s", g->other_paths, g->other_paths == 1 ? "" : "s");
    out += fmt::format("  {}Seen:{}     {}\n", p.dim, p.reset, seen);
  } else {
    out += fmt::format("  {}Location:{} {}{}:{}:{}{}\n", p.dim, p.reset, p.cyan, f.provenance.path, f.start.line,
                       f.start.column, p.reset);
  }
  if (const auto& image = f.provenance.image) render_image(*image, p, out);
  if (!f.decoded.empty())
    out += fmt::format("  {}Decoded:{}  from {} at the position shown\n", p.dim, p.reset, fmt::join(f.decoded, " > "));
  out += fmt::format("  {}Secret:{}   {}\n", p.dim, p.reset, options.show_secrets ? f.secret : redact_secret(f.secret));
  if (!f.validity.status.empty()) {
    out += fmt::format("  {}Validity:{} {} ({}{})\n", p.dim, p.reset, f.validity.status, f.validity.reason,
                       f.validity.method == "live" ? (f.validity.cached ? "; live check, cached" : "; live check") : "");
    std::vector<std::string> facts;
    for (const auto& [key, value] : f.validity.identity) facts.push_back(key + "=" + value);
    if (!facts.empty()) out += fmt::format("  {}Identity:{} {}\n", p.dim, p.reset, fmt::join(facts, ", "));
  }
  out += fmt::format("  {}Provider:{} {}   {}NHI type:{} {}\n", p.dim, p.reset, r.provider, p.dim, p.reset, r.nhi_type);
  out += fmt::format("  {}Fingerprint:{} {}{}\n", p.dim, p.reset, f.fingerprint.substr(0, 16),
                     f.encoding == TextEncoding::utf8 ? "" : fmt::format("   ({})", to_string(f.encoding)));
  if (!f.suppressed.empty()) out += fmt::format("  {}Suppressed:{} {}\n", p.dim, p.reset, f.suppressed);
  out += '\n';
}

}  // namespace

std::string render_human(const ScanOutcome& outcome, const ReportOptions& options) {
  const Palette p = palette(options.color);
  std::string out;
  for (const auto& f : outcome.findings) render_finding(f, options, p, out);
  if (options.show_suppressed && !outcome.suppressed.empty()) {
    out += fmt::format("{}Suppressed ({}):{}\n\n", p.bold, outcome.suppressed.size(), p.reset);
    for (const auto& f : outcome.suppressed) render_finding(f, options, p, out);
  }
  out += fmt::format("{}sprawl:{} {}\n", p.bold, p.reset, summary_line(outcome));
  return out;
}

}  // namespace sprawl
