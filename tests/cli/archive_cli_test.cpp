// End-to-end: archives opened by content (zip family, tar in every compression, single-file
// streams), nested to the depth limit, in files and git history; bombs, traversal names and
// damaged archives reported while the rest is still scanned; encoded secrets decoded.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/archive_writer.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

ReportedScan scan_json(const std::string& dir, int expected_exit, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"scan", ".", "--format", "json", "--show-secrets"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl(args, dir);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

ArchiveMember file(std::string path, std::string content) { return {std::move(path), std::move(content)}; }

std::string base64(const std::string& in) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16;
    out += alphabet[(v >> 18) & 63], out += alphabet[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += alphabet[(v >> 18) & 63], out += alphabet[(v >> 12) & 63], out += alphabet[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string properties(const std::string& token) { return "server.port=8080\ngithub.token=" + token + "\n"; }

}  // namespace

TEST_CASE("archives of the zip family and tars in every compression are opened by content", "[cli][archive]") {
  TempDir dir;
  struct Case {
    std::string name, bytes, member;
    std::string token;
  };
  std::vector<Case> cases;
  std::uint32_t seed = 700;
  for (const char* name : {"app.jar", "app.war", "lib.whl", "report.docx", "pkg.nupkg", "misnamed.bin"}) {
    const std::string token = fake_github_pat(++seed);
    cases.push_back({name, make_zip({file("config/app.properties", properties(token))}), "config/app.properties", token});
  }
  for (const Compression c : {Compression::none, Compression::gzip, Compression::bzip2, Compression::xz, Compression::zstd}) {
    const std::string token = fake_github_pat(++seed);
    cases.push_back({std::string("bundle.tar") + suffix(c), make_tar({file("etc/app.properties", properties(token))}, c),
                     "etc/app.properties", token});
  }
  for (const auto& c : cases) dir.write("in/" + c.name, c.bytes);
  const ReportedScan scan = scan_json(dir.path(), 1);
  for (const auto& c : cases) {
    INFO(c.name);
    const auto found = with_secret(scan, c.token);
    REQUIRE(found.size() == 1);
    CHECK(found[0].path == "in/" + c.name + "!/" + c.member);
    CHECK(found[0].line == 2);
    CHECK(found[0].column == 14);
    CHECK(found[0].archive_members == std::vector<std::string>{c.member});
  }
  CHECK(scan.error_paths.empty());
}

TEST_CASE("a gzip'd log and other single compressed files are scanned decompressed", "[cli][archive]") {
  TempDir dir;
  const std::string gz = fake_github_pat(801), bz = fake_github_pat(802), zst = fake_github_pat(803);
  dir.write("logs/app.log.gz", compress("started\nAuthorization: token " + gz + "\n", Compression::gzip));
  dir.write("logs/old.log.bz2", compress("x\ntoken=" + bz + "\n", Compression::bzip2));
  dir.write("logs/new.log.zst", compress("y\ntoken=" + zst + "\n", Compression::zstd));
  const ReportedScan scan = scan_json(dir.path(), 1);
  const auto in_gz = with_secret(scan, gz);
  REQUIRE(in_gz.size() == 1);
  CHECK(in_gz[0].path == "logs/app.log.gz!/app.log");
  CHECK(in_gz[0].line == 2);
  CHECK(with_secret(scan, bz).size() == 1);
  CHECK(with_secret(scan, zst).size() == 1);
}

TEST_CASE("nested archives are opened three deep by default and not deeper", "[cli][archive]") {
  TempDir dir;
  const std::string deep = fake_github_pat(901), deeper = fake_github_pat(902);
  const std::string level3 = make_zip({file("conf/secret.properties", properties(deep))});
  const std::string level2 = make_tar({file("inner/config.zip", level3)}, Compression::gzip);
  dir.write("app.jar", make_zip({file("BOOT-INF/lib/bundle.tgz", level2)}));
  const std::string four = make_zip({file("l4/x.properties", properties(deeper))});
  dir.write("deep.zip", make_zip({file("a.zip", make_zip({file("b.zip", make_zip({file("c.zip", four)}))}))}));

  const ReportedScan scan = scan_json(dir.path(), 1);
  const auto found = with_secret(scan, deep);
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "app.jar!/BOOT-INF/lib/bundle.tgz!/inner/config.zip!/conf/secret.properties");
  CHECK(found[0].archive_members.size() == 3);
  CHECK(with_secret(scan, deeper).empty());
  CHECK(skipped_mentions(scan, "--archive-depth"));

  const ReportedScan deeper_scan = scan_json(dir.path(), 1, {"--archive-depth", "4"});
  CHECK(with_secret(deeper_scan, deeper).size() == 1);
  const ReportedScan flat = scan_json(dir.path(), 0, {"--archive-depth", "0"});
  CHECK(flat.findings.empty());
}

TEST_CASE("a zip bomb is stopped with a clear error and the rest is still scanned", "[cli][archive]") {
  TempDir dir;
  const std::string token = fake_github_pat(1001);
  dir.write("bomb.zip", zip_bomb(4ull << 30));  // one 4 GiB member: over the member size limit, never inflated
  dir.write("bomb.tar.gz", tar_bomb(1ull << 30, Compression::gzip));
  std::vector<ArchiveMember> zeros;  // members under the member limit, 1000:1 together
  for (int i = 0; i < 4; ++i) zeros.push_back(file("zeros" + std::to_string(i) + ".bin", std::string(8 << 20, '\0')));
  dir.write("many-zeros.zip", make_zip(zeros));
  dir.write("app.properties", properties(token));
  const ReportedScan scan = scan_json(dir.path(), 1);
  CHECK(with_secret(scan, token).size() == 1);
  CHECK(skipped_mentions(scan, "bomb.zip!/zeros.bin"));
  CHECK(errors_mention(scan, "bomb.tar.gz"));
  CHECK(errors_mention(scan, "many-zeros.zip"));
  CHECK(errors_mention(scan, "--archive-max-ratio"));
}

TEST_CASE("archive limits on size and entries are reported with the flag that raises them", "[cli][archive]") {
  TempDir dir;
  std::vector<ArchiveMember> many;
  for (int i = 0; i < 20; ++i) many.push_back(file("f" + std::to_string(i) + ".txt", "hello " + std::to_string(i) + "\n"));
  many.push_back(file("last.properties", properties(fake_github_pat(1101))));
  dir.write("many.zip", make_zip(many));
  const ReportedScan scan = scan_json(dir.path(), 2, {"--archive-max-entries", "5"});
  CHECK(errors_mention(scan, "--archive-max-entries"));
  CHECK(errors_mention(scan, "many.zip"));
}

TEST_CASE("traversal and absolute member names are scanned, noted and never written", "[cli][archive]") {
  TempDir dir;
  const std::string up = fake_github_pat(1201), abs = fake_github_pat(1202);
  dir.write("in/evil.tar", make_tar({file("../../../escaped.properties", properties(up)),
                                     file("/etc/absolute.properties", properties(abs)),
                                     ArchiveMember{"link", "/etc/shadow", ArchiveMember::symlink}}));
  const ReportedScan scan = scan_json(dir.path(), 1);
  REQUIRE(with_secret(scan, up).size() == 1);
  CHECK(with_secret(scan, up)[0].path.find("in/evil.tar!/") == 0);
  CHECK(with_secret(scan, abs).size() == 1);
  CHECK(skipped_mentions(scan, "unsafe member name"));
  CHECK_FALSE(std::filesystem::exists(dir / "escaped.properties"));
}

TEST_CASE("a truncated archive is an error that keeps the members read before the damage", "[cli][archive]") {
  TempDir dir;
  const std::string early = fake_github_pat(1301);
  std::string filler;
  for (std::uint32_t i = 0; i < 4000; ++i) filler += random_chars(kBase62, 79, i) + "\n";
  std::string tgz = make_tar({file("early.properties", properties(early)), file("filler.txt", filler)}, Compression::gzip);
  tgz.resize(tgz.size() / 2);
  dir.write("cut.tar.gz", tgz);
  dir.write("garbage.zip", std::string("PK\x03\x04", 4) + random_chars(kBase62, 500, 3));
  const ReportedScan scan = scan_json(dir.path(), 1);
  CHECK(with_secret(scan, early).size() == 1);
  CHECK(errors_mention(scan, "cut.tar.gz"));
  CHECK(errors_mention(scan, "garbage.zip"));
}

TEST_CASE("a jar committed to git history is opened, with the commit that introduced it", "[cli][archive]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string token = fake_github_pat(1401);
  repo.write("libs/app.jar", make_zip({file("application.properties", properties(token))}));
  const std::string commit = repo.commit("add the jar");
  repo.remove("libs/app.jar");
  repo.commit("remove the jar");
  const CliResult result = run_sprawl_in_git({"scan", ".", "--format", "json", "--show-secrets"}, repo.path());
  INFO(result.err);
  REQUIRE(result.exit_code == 1);
  const auto found = with_secret(parse_report(result.out), token);
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "libs/app.jar!/application.properties");
  REQUIRE(found[0].git);
  CHECK(found[0].git->commit == commit);
  CHECK_FALSE(found[0].git->at_head);
}

TEST_CASE("base64 values of a Kubernetes Secret are decoded and reported at the encoded text", "[cli][decode]") {
  TempDir dir;
  const std::string token = fake_github_pat(1501), password = random_chars(kBase62, 22, 1502) + "#9";
  const std::string encoded_token = base64(token);
  dir.write("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n"
                               "  GITHUB_TOKEN: " + encoded_token + "\n  DB_PASSWORD: " + base64(password) + "\n");
  const ReportedScan scan = scan_json(dir.path(), 1);
  const auto found = with_secret(scan, token);
  REQUIRE(found.size() == 1);
  CHECK(found[0].decoded == std::vector<std::string>{"base64"});
  CHECK(found[0].line == 7);
  CHECK(found[0].column == 17);
  CHECK(found[0].end_column == 16 + static_cast<std::int64_t>(encoded_token.size()));
  const auto db = with_secret(scan, password);
  REQUIRE(db.size() == 1);
  CHECK(db[0].line == 8);
  CHECK(db[0].decoded == std::vector<std::string>{"base64"});
  // --decode-depth 0 turns decoding off (generic rules still see the encoded values).
  const ReportedScan plain = scan_json(dir.path(), 1, {"--decode-depth", "0"});
  CHECK(with_secret(plain, token).empty());
}

TEST_CASE("percent-encoded and escaped secrets are decoded, and base64 inside base64 at depth 2", "[cli][decode]") {
  TempDir dir;
  const std::string pct = fake_github_pat(1601), esc = fake_github_pat(1602), inner = fake_github_pat(1603);
  std::string percent;
  for (char c : "token=" + pct) percent += c == '=' ? std::string("%3D") : std::string(1, c);
  dir.write("url.txt", "callback: https://example.com/hook?" + percent + "&x=1\n");
  std::string escaped;
  for (char c : esc) escaped += "\\u00" + std::string(1, "0123456789abcdef"[(unsigned char)c >> 4]) +
                                std::string(1, "0123456789abcdef"[c & 15]);
  dir.write("data.json", "{\"note\": \"" + escaped + "\"}\n");
  const std::string docker_config = "{\"auths\":{\"registry.example.com\":{\"token\":\"" + base64("token " + inner) + "\"}}}";
  dir.write("pull-secret.yaml", "data:\n  .dockerconfigjson: " + base64(docker_config) + "\n");
  const ReportedScan scan = scan_json(dir.path(), 1);
  const auto by_pct = with_secret(scan, pct);
  REQUIRE(by_pct.size() == 1);
  CHECK(by_pct[0].decoded == std::vector<std::string>{"percent"});
  const auto by_esc = with_secret(scan, esc);
  REQUIRE(by_esc.size() == 1);
  CHECK(by_esc[0].decoded == std::vector<std::string>{"unicode-escape"});
  const auto nested = with_secret(scan, inner);
  REQUIRE(nested.size() == 1);
  CHECK(nested[0].decoded == std::vector<std::string>{"base64", "base64"});
  CHECK(nested[0].line == 2);
  const ReportedScan shallow = scan_json(dir.path(), 1, {"--decode-depth", "1"});
  CHECK(with_secret(shallow, inner).empty());
}
