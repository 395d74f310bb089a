// End-to-end: `sprawl scan` on container images built by the tests (docker save tarballs, OCI
// layouts and archives, no container engine): every layer and config field, whiteouts of both
// kinds, compressed layers, shared layers, and broken images that still yield what they hold.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "tests/support/archive_writer.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

ReportedScan scan_image_json(const std::string& input, const std::string& cwd, int expected_exit = 1,
                             std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"scan", input, "--format", "json", "--show-secrets"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl(args, cwd);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

ReportedFinding only(const std::vector<ReportedFinding>& findings) {
  REQUIRE(findings.size() == 1);
  return findings.front();
}

ArchiveMember file(std::string path, std::string content) { return {std::move(path), std::move(content)}; }

/// An image whose secrets sit in every place an image can hold one.
struct PlantedImage {
  std::string in_env = fake_github_pat(101), in_label = fake_github_pat(102), in_cmd = fake_github_pat(103),
              in_build_arg = fake_github_pat(104), in_run_line = fake_github_pat(105),
              deleted = fake_github_pat(106), hidden = fake_github_pat(107), overwritten = fake_github_pat(108),
              present = fake_github_pat(109), top = fake_aws_key_id(110);
  TestImage image;

  explicit PlantedImage(Compression compression = Compression::none) {
    image.reference = "example/app:1.0";
    image.env = {"PATH=/usr/bin", "GITHUB_TOKEN=" + in_env};
    image.labels = {{"ci.token", in_label}};
    image.entrypoint = {"/app/run"};
    image.cmd = {"--token", in_cmd};
    image.empty_history = {"ARG GH_TOKEN=" + in_build_arg};
    TestLayer base{{file("app/.env", "GITHUB_TOKEN=" + deleted + "\n"), file("app/cache/token.txt", "token: " + hidden + "\n"),
                    file("app/settings.ini", "github_token = " + overwritten + "\n"),
                    file("etc/app.conf", "github_token = \"" + present + "\"\n")},
                   compression,
                   "COPY . /app"};
    TestLayer middle{{file("app/.wh..env", ""), file("app/cache/.wh..wh..opq", ""), file("app/cache/new.txt", "fresh\n"),
                      file("app/settings.ini", "github_token = none\n")},
                     compression,
                     "RUN /bin/sh -c rm /app/.env && echo " + in_run_line};
    TestLayer top_layer{{file("srv/aws.env", "AWS_ACCESS_KEY_ID=" + top + "\n")}, compression, "COPY aws.env /srv/"};
    image.layers = {base, middle, top_layer};
  }
};

void check_planted(const ReportedScan& scan, const PlantedImage& planted) {
  const auto env = only(with_secret(scan, planted.in_env));
  REQUIRE(env.image);
  CHECK(env.image->config_field == "Env[1]");
  CHECK(env.image->reference == "example/app:1.0");
  CHECK(env.image->image_id.rfind("sha256:", 0) == 0);
  CHECK(only(with_secret(scan, planted.in_label)).image->config_field.find("Labels") == 0);
  CHECK(only(with_secret(scan, planted.in_cmd)).image->config_field == "Cmd");
  CHECK(only(with_secret(scan, planted.in_build_arg)).image->config_field.find("history[0]") == 0);
  CHECK(only(with_secret(scan, planted.in_run_line)).image->config_field.find("created_by") != std::string::npos);

  const auto deleted = only(with_secret(scan, planted.deleted));
  REQUIRE(deleted.image);
  CHECK(deleted.image->layer == 0);
  CHECK(deleted.image->path == "app/.env");
  CHECK(deleted.image->created_by == "COPY . /app");
  CHECK(deleted.image->deleted_in_layer == 1);
  CHECK(deleted.image->removal == "whiteout");
  CHECK_FALSE(deleted.image->in_final_filesystem);
  CHECK(deleted.image->layer_digest.rfind("sha256:", 0) == 0);
  CHECK(deleted.line == 1);

  const auto hidden = only(with_secret(scan, planted.hidden));
  CHECK(hidden.image->deleted_in_layer == 1);
  CHECK(hidden.image->removal == "opaque");

  const auto overwritten = only(with_secret(scan, planted.overwritten));
  CHECK(overwritten.image->deleted_in_layer == 1);
  CHECK(overwritten.image->removal == "overwritten");

  const auto present = only(with_secret(scan, planted.present));
  CHECK(present.image->in_final_filesystem);
  CHECK(present.image->deleted_in_layer == -1);

  const auto top = only(with_secret(scan, planted.top));
  CHECK(top.image->layer == 2);
  CHECK(top.image->created_by == "COPY aws.env /srv/");
  CHECK(top.path.find("@layer2/srv/aws.env") != std::string::npos);
}

}  // namespace

TEST_CASE("image scan of a docker save tarball finds secrets in every layer and config field", "[cli][image]") {
  TempDir dir;
  PlantedImage planted;
  dir.write("image.tar", make_docker_save({planted.image}));
  const ReportedScan scan = scan_image_json("image.tar", dir.path());
  check_planted(scan, planted);
  CHECK(scan.error_paths.empty());
}

TEST_CASE("image scan reads Docker 25+ tarballs (OCI layout inside docker save)", "[cli][image]") {
  TempDir dir;
  PlantedImage planted;
  dir.write("image.tar", make_docker_save({planted.image}, DockerSaveFormat::oci));
  check_planted(scan_image_json("image.tar", dir.path()), planted);
}

TEST_CASE("image scan reads OCI layouts with gzip and zstd layers, as a directory, oci:DIR and an archive",
          "[cli][image]") {
  for (const Compression compression : {Compression::gzip, Compression::zstd}) {
    TempDir dir;
    PlantedImage planted(compression);
    write_oci_layout(std::filesystem::path(dir.path()) / "layout", {planted.image});
    dir.write("image-oci.tar", make_oci_archive({planted.image}));
    for (const std::string input : {"layout", "oci:layout", "image-oci.tar", "oci-archive:image-oci.tar"}) {
      INFO(input << " " << suffix(compression));
      const ReportedScan scan = scan_image_json(input, dir.path());
      check_planted(scan, planted);
      const auto top = only(with_secret(scan, planted.top));
      CHECK(top.image->manifest_digest.rfind("sha256:", 0) == 0);
    }
  }
}

TEST_CASE("image scan reads a shared layer once and reports it for each image", "[cli][image]") {
  TempDir dir;
  const std::string shared = fake_github_pat(201), own = fake_github_pat(202);
  TestLayer base{{file("etc/shared.env", "GITHUB_TOKEN=" + shared + "\n")}, Compression::none, "COPY base /"};
  TestImage first;
  first.reference = "example/one:1";
  first.layers = {base, TestLayer{{file("one.txt", "hello\n")}, Compression::none, "COPY one /"}};
  TestImage second;
  second.reference = "example/two:1";
  second.layers = {base, TestLayer{{file("two.env", "GITHUB_TOKEN=" + own + "\n")}, Compression::none, "COPY two /"}};
  dir.write("images.tar", make_docker_save({first, second}));
  const ReportedScan scan = scan_image_json("images.tar", dir.path());
  const auto in_base = with_secret(scan, shared);
  REQUIRE(in_base.size() == 2);
  CHECK(in_base[0].image->reference != in_base[1].image->reference);
  CHECK(only(with_secret(scan, own)).image->reference == "example/two:1");
  CHECK(scan.files_scanned == 3);  // the shared layer's file once
}

TEST_CASE("image scan reports a missing layer and still scans the others", "[cli][image]") {
  TempDir dir;
  const std::string kept = fake_github_pat(301);
  TestImage image;
  image.layers = {TestLayer{{file("a.txt", "x\n")}, Compression::gzip, "COPY a /", "", true},
                  TestLayer{{file("b.env", "GITHUB_TOKEN=" + kept + "\n")}, Compression::gzip, "COPY b /"}};
  write_oci_layout(std::filesystem::path(dir.path()) / "layout", {image});
  const ReportedScan scan = scan_image_json("layout", dir.path());
  CHECK(with_secret(scan, kept).size() == 1);
  CHECK(errors_mention(scan, "layer 0"));
  CHECK(errors_mention(scan, "missing"));
}

TEST_CASE("image scan reports a truncated layer and keeps what came before the damage", "[cli][image]") {
  TempDir dir;
  const std::string early = fake_github_pat(401);
  std::string filler;  // incompressible, so that the cut falls well after early.env
  for (std::uint32_t i = 0; i < 4000; ++i) filler += random_chars(kBase62, 79, i) + "\n";
  TestImage image;
  image.layers = {TestLayer{{file("early.env", "GITHUB_TOKEN=" + early + "\n"), file("later.txt", filler)},
                            Compression::gzip, "COPY . /"}};
  const auto layout = std::filesystem::path(dir.path()) / "layout";
  write_oci_layout(layout, {image});
  // Cut the layer blob (the largest file under blobs/) in half.
  std::filesystem::path largest;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(layout / "blobs"))
    if (entry.is_regular_file() && (largest.empty() || entry.file_size() > std::filesystem::file_size(largest)))
      largest = entry.path();
  std::filesystem::resize_file(largest, std::filesystem::file_size(largest) / 2);
  const ReportedScan scan = scan_image_json("layout", dir.path());
  CHECK(with_secret(scan, early).size() == 1);
  for (std::size_t i = 0; i < scan.error_paths.size(); ++i) INFO(scan.error_paths[i] << ": " << scan.error_messages[i]);
  CHECK(errors_mention(scan, "layer0"));
  CHECK((errors_mention(scan, "truncated") || errors_mention(scan, "corrupt")));
}

TEST_CASE("image scan handles symlinks, traversal names and nested archives inside layers", "[cli][image]") {
  TempDir dir;
  const std::string in_jar = fake_github_pat(501), traversal = fake_github_pat(502);
  const std::string jar = make_zip({file("BOOT-INF/classes/application.properties", "github.token=" + in_jar + "\n")});
  TestImage image;
  image.layers = {TestLayer{{file("app/app.jar", jar), ArchiveMember{"etc/passwd-link", "/etc/passwd", ArchiveMember::symlink},
                             ArchiveMember{"app/escape", "../../../../etc/shadow", ArchiveMember::symlink},
                             file("../../outside.env", "GITHUB_TOKEN=" + traversal + "\n")},
                            Compression::none, "COPY . /"}};
  dir.write("image.tar", make_docker_save({image}));
  const ReportedScan scan = scan_image_json("image.tar", dir.path());
  const auto nested = only(with_secret(scan, in_jar));
  CHECK(nested.path.find("@layer0/app/app.jar!/BOOT-INF/classes/application.properties") != std::string::npos);
  REQUIRE(nested.archive_members.size() == 1);
  CHECK(nested.image->path == "app/app.jar");
  CHECK(with_secret(scan, traversal).size() == 1);
  CHECK(skipped_mentions(scan, "unsafe member name"));
  // Nothing was written outside the test directory.
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(dir.path()) / ".." / ".." / "outside.env"));
}

TEST_CASE("image scan says so for a tarball that is not an image when asked for one", "[cli][image]") {
  TempDir dir;
  dir.write("plain.tar", make_tar({file("notes.txt", "nothing\n")}));
  const CliResult result = run_sprawl({"scan", "docker-archive:plain.tar", "--format", "json"}, dir.path());
  CHECK(result.exit_code == 2);
  CHECK(contains_nocase(result.err, "not an image"));
  // Without the prefix it is an ordinary archive, scanned member by member.
  const CliResult plain = run_sprawl({"scan", "plain.tar", "--format", "json"}, dir.path());
  CHECK(plain.exit_code == 0);
}

TEST_CASE("image scan notes layers with unknown media types and reads them by content", "[cli][image]") {
  TempDir dir;
  const std::string token = fake_github_pat(601);
  TestImage image;
  image.layers = {TestLayer{{file("x.env", "GITHUB_TOKEN=" + token + "\n")}, Compression::gzip, "COPY x /",
                            "application/vnd.example.unknown.layer"}};
  write_oci_layout(std::filesystem::path(dir.path()) / "layout", {image});
  const ReportedScan scan = scan_image_json("layout", dir.path());
  CHECK(with_secret(scan, token).size() == 1);
  CHECK(skipped_mentions(scan, "media type"));
}

TEST_CASE("a web app's manifest.json does not make a directory or tarball an image", "[cli][image]") {
  // Regression: any top-level manifest.json was taken for `docker save` output, and the tree
  // was then reported as a broken image instead of being scanned.
  TempDir dir;
  const std::string token = fake_github_pat(701);
  const std::string manifest = "{\"name\": \"My App\", \"short_name\": \"app\", \"start_url\": \"/\"}\n";
  dir.write("webapp/manifest.json", manifest);
  dir.write("webapp/src/config.js", "const GITHUB_TOKEN = '" + token + "';\n");
  dir.write("webapp.tar", make_tar({file("manifest.json", manifest), file("src/config.js", "token = '" + token + "'\n")}));
  for (const std::string input : {"webapp", "webapp.tar"}) {
    INFO(input);
    const ReportedScan scan = scan_image_json(input, dir.path());
    REQUIRE(with_secret(scan, token).size() == 1);
    CHECK_FALSE(with_secret(scan, token)[0].image);
    CHECK(scan.error_paths.empty());
  }
}

TEST_CASE("image scan stops a gzip bomb layer and still scans the other layers", "[cli][image]") {
  TempDir dir;
  const std::string kept = fake_github_pat(801);
  TestImage image;
  image.layers = {TestLayer{{file("placeholder.txt", std::string(4096, 'x'))}, Compression::gzip, "COPY bomb /"},
                  TestLayer{{file("kept.env", "GITHUB_TOKEN=" + kept + "\n")}, Compression::gzip, "COPY kept /"}};
  const auto layout = std::filesystem::path(dir.path()) / "layout";
  write_oci_layout(layout, {image});
  // Swap the first layer's blob for 100 MiB of zeros in a few hundred KB (inflated whole in memory).
  const std::string first_blob = layer_blob(image.layers[0]);
  for (const auto& entry : std::filesystem::directory_iterator(layout / "blobs" / "sha256"))
    if (entry.path().filename() == sha256_hex(first_blob)) {
      std::FILE* out = std::fopen(entry.path().c_str(), "wb");
      const std::string bomb = tar_bomb(100ull << 20, Compression::gzip);
      std::fwrite(bomb.data(), 1, bomb.size(), out);
      std::fclose(out);
    }
  const ReportedScan scan = scan_image_json("layout", dir.path());
  CHECK(with_secret(scan, kept).size() == 1);
  CHECK(errors_mention(scan, "decompression bomb"));
  CHECK(errors_mention(scan, "layer 0"));
}
