// Delta-aware scanning: a blob rebuilt from a git delta, scanned by searching only its inserted
// bytes and seams and carrying the base's matches over, gives exactly the matches of a full scan.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/scan_engine.h"
#include "tests/support/fake_tokens.h"

using namespace sprawl;

namespace {

const ScanEngine& engine() {
  static auto loaded = load_scan_engine("");
  if (!loaded) FAIL("cannot load the built-in rules: " << loaded.error().message);
  return **loaded;
}

BlobScanner make_scanner() {
  auto matcher = Matcher::create(engine().database());
  REQUIRE(matcher);
  return BlobScanner(engine(), std::move(matcher.value()), 10);
}

// A line of source-like text; some lines carry a secret in one of several shapes.
std::string random_line(std::mt19937& rng) {
  const std::uint32_t seed = rng();
  switch (rng() % 12) {
    case 0: return "GITHUB_TOKEN = \"" + test::fake_github_pat(seed) + "\"\n";
    case 1: return "aws_access_key_id=" + test::fake_aws_key_id(seed) + "\n";
    case 2: return "slack: " + test::fake_slack_bot_token(seed) + "\n";
    case 3: return "  stripe_key: '" + test::fake_stripe_live_key(seed) + "'\n";
    case 4: return "db_password = \"" + test::random_chars(test::kBase62, 18, seed) + "!9\"\n";
    default: return "int value_" + std::to_string(seed % 1000) + " = compute(" + std::to_string(seed % 77) + ");\n";
  }
}

std::string random_text(std::mt19937& rng, std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) text += random_line(rng);
  return text;
}

// Builds a target from `base` as git's delta would: copies of base ranges (in order, with
// gaps, overlaps and cuts through secrets) and inserted new text.
std::string random_target(std::mt19937& rng, const std::string& base, std::vector<git::DeltaCopy>& copies) {
  std::string target;
  copies.clear();
  std::size_t cursor = 0;
  while (cursor < base.size()) {
    if (rng() % 3 == 0) target += random_text(rng, 1 + rng() % 3);
    if (rng() % 5 == 0) target += test::random_chars(test::kBase62, rng() % 40, rng());  // a cut mid-line
    const std::size_t length = std::min<std::size_t>(base.size() - cursor, 1 + rng() % 60000);
    copies.push_back({target.size(), cursor, length});
    target.append(base, cursor, length);
    cursor += length + (rng() % 4 == 0 ? rng() % 200 : 0);
  }
  return target;
}

struct Seen {
  std::uint32_t rule;
  std::size_t start, end;
  std::string secret;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> seen(const BlobScan& scan) {
  std::vector<Seen> out;
  for (const auto& m : scan.matches)
    out.push_back({m.match.rule_index, m.match.secret_start, m.match.secret_end, m.match.secret});
  return out;
}

}  // namespace

TEST_CASE("a delta rescan finds the same matches as a full scan", "[pipeline][delta]") {
  BlobScanner scanner = make_scanner();
  std::mt19937 rng(20261128);
  std::size_t matches = 0, searched_less = 0;
  for (int round = 0; round < 40; ++round) {
    const std::string base = random_text(rng, 200 + rng() % 4000);
    DeltaBase base_note;
    scanner.scan(base, nullptr, &base_note);
    REQUIRE(base_note.utf8);

    // A chain of deltas: each version is rebuilt from the one before.
    const DeltaBase* previous = &base_note;
    std::string previous_text = base;
    DeltaBase notes[2];
    for (int depth = 0; depth < 2; ++depth) {
      std::vector<git::DeltaCopy> copies;
      const std::string target = random_target(rng, previous_text, copies);
      const BlobScan full = scanner.scan(target);
      const std::uint64_t before = scanner.bytes_searched();
      DeltaSource delta{previous, &copies};
      const BlobScan reused = scanner.scan(target, &delta, &notes[depth]);
      if (scanner.bytes_searched() - before < target.size()) ++searched_less;
      INFO("round " << round << " depth " << depth << " size " << target.size());
      CHECK(seen(reused) == seen(full));
      matches += full.matches.size();
      previous = &notes[depth];
      previous_text = target;
    }
  }
  CHECK(matches > 500);        // the corpus really holds secrets
  CHECK(searched_less > 20);   // and the reuse really skipped bytes
}

TEST_CASE("a delta rescan falls back to a full scan when the base was not text", "[pipeline][delta]") {
  BlobScanner scanner = make_scanner();
  std::string base("\x00\x01binary", 8);
  base += "token ghp_" + test::random_chars(test::kBase62, 36, 7) + "\n";
  DeltaBase note;
  scanner.scan(base, nullptr, &note);
  CHECK_FALSE(note.utf8);
  const std::string target = "GITHUB_TOKEN = \"" + test::fake_github_pat(9) + "\"\n";
  std::vector<git::DeltaCopy> copies;  // nothing copied
  DeltaSource delta{&note, &copies};
  CHECK(seen(scanner.scan(target, &delta, nullptr)) == seen(scanner.scan(target)));
  CHECK(scanner.scan(target).matches.size() == 1);
}
