// End-to-end: `sprawl inventory --format html` over a datastore the real CLI recorded, opened in
// headless Chromium (Debian's `chromium`, installed by scripts/bootstrap): rendered rows, a filter
// and a detail view set through the URL hash, a screenshot; identity text never escapes its
// element; no network, no raw secret. Also `--format csv` through the CLI.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "src/report/inventory_html.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

CliResult sprawl_in(const std::string& cwd, const std::vector<std::string>& args) {
  return run_sprawl_env(args, {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}}, cwd);
}

/// The chromium binary on PATH, or "" when there is none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = dirs.find(':', start) == std::string::npos ? dirs.size() : dirs.find(':', start);
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return "";
}

/// Runs headless Chromium on `url` with `extra` flags (its stderr — dbus, GPU noise — is ignored).
CliResult chromium(const std::string& profile, const std::string& url, const std::vector<std::string>& extra) {
  const std::string binary = find_chromium();
  if (binary.empty()) FAIL("chromium is not installed: run scripts/bootstrap (CI installs it)");
  std::vector<std::string> argv = {"timeout",
                                   "60",
                                   binary,
                                   "--headless=new",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--disable-extensions",
                                   "--user-data-dir=" + profile,
                                   "--virtual-time-budget=5000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run_process(argv, {"", "", {{"HOME", profile}}});
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

/// The data-id of every row of the rendered table, in order.
std::vector<std::string> table_rows(const std::string& dom) {
  const auto body = dom.find("<tbody>"), end = dom.find("</tbody>");
  REQUIRE(body != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::vector<std::string> ids;
  const std::string marker = "<tr data-id=\"";
  for (auto at = dom.find(marker, body); at != std::string::npos && at < end; at = dom.find(marker, at + 1)) {
    const auto from = at + marker.size();
    ids.push_back(dom.substr(from, dom.find('"', from) - from));
  }
  return ids;
}

/// The rendered <aside id="detail" …>…</aside>.
std::string detail_panel(const std::string& dom) {
  const auto at = dom.find("<aside id=\"detail\"");
  REQUIRE(at != std::string::npos);
  return dom.substr(at, dom.find("</aside>", at) - at);
}

std::map<std::string, std::vector<std::string>> ids_by_provider(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::map<std::string, std::vector<std::string>> out;
  for (simdjson::dom::element i : root["identities"].get_array())
    out[std::string(std::string_view(i["provider"]))].emplace_back(std::string_view(i["id"]));
  return out;
}

}  // namespace

TEST_CASE(
    "inventory --format html opens in headless Chromium: every row, a filter and a detail view from the "
    "URL hash, a screenshot",
    "[cli][inventory][html]") {
  TempDir dir;
  GitRepo repo(dir.path() + "/repo");
  const std::string github = fake_github_pat(901), stripe_a = fake_stripe_live_key(902),
                    stripe_b = fake_stripe_live_key(903), slack = fake_slack_bot_token(904);
  // An owner whose name tries to close the data block and inject markup.
  repo.write("CODEOWNERS", "/services/ @acme/pay</script><b>owned</b>\n");
  repo.write("services/billing/config/prod.env", "STRIPE_SECRET_KEY=" + stripe_a + "\n");
  repo.write("services/refunds/staging.env", "STRIPE_KEY=" + stripe_b + "\n");
  repo.write("deploy/ci.env", "GITHUB_TOKEN=" + github + "\n");
  repo.write("chat/bot.yaml", "bot_token: " + slack + "\n");
  repo.commit("services", "Dana Dev", "dana@example.com");
  const std::string store = dir / "inventory.db";
  const auto scan = sprawl_in(dir.path(), {"scan", "repo", "--datastore", store, "--format", "json"});
  INFO(scan.err);
  REQUIRE(scan.exit_code == 1);
  const auto ids = ids_by_provider(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json"}).out);
  REQUIRE(ids.at("stripe").size() == 2);
  REQUIRE(ids.at("github").size() == 1);
  REQUIRE(ids.at("slack").size() == 1);

  const std::string report = dir / "report.html";
  const auto rendered = sprawl_in(dir.path(), {"inventory", "--datastore", store, "--format", "html", "-o", report});
  INFO(rendered.err);
  REQUIRE(rendered.exit_code == 0);
  CHECK(rendered.out.empty());
  const std::string html = read_text(report);
  REQUIRE(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html, "</script>") == 2);  // the data block's and the code's own: no identity text closes one
  CHECK(html.find("<b>owned</b>") == std::string::npos);
  for (const char* external : {"<link", "src=", "@import", "url(", "https://", "fetch("})
    CHECK(html.find(external) == std::string::npos);
  for (const auto& secret : {github, stripe_a, stripe_b, slack}) CHECK(html.find(secret) == std::string::npos);
  const auto to_stdout = sprawl_in(dir.path(), {"inventory", "--datastore", store, "--format", "html"});
  CHECK(to_stdout.exit_code == 0);
  CHECK(to_stdout.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(to_stdout.out.find("id=\"inventory-data\"") != std::string::npos);

  const std::string profile = dir / "chromium-profile";
  const std::string url = "file://" + report;
  SECTION("every identity is a row, the cards and charts are drawn, markup in an owner stays text") {
    const auto page = chromium(profile, url, {"--dump-dom"});
    INFO(page.err.substr(0, 2000));
    REQUIRE(page.exit_code == 0);
    const std::string& dom = page.out;
    CHECK(table_rows(dom).size() == 4);
    CHECK(dom.find("<span id=\"row-count\">4 of 4 identities</span>") != std::string::npos);
    CHECK(dom.find("id=\"card-identities\"><div class=\"value\">4<") != std::string::npos);
    CHECK(count(dom, "class=\"bar-row") >= 3 + 1 + 4 + 4);  // providers, types, age and risk buckets
    CHECK(dom.find("data-label=\"stripe\"") != std::string::npos);
    CHECK(dom.find("@acme/pay&lt;/script&gt;&lt;b&gt;owned&lt;/b&gt;") != std::string::npos);
    CHECK(dom.find("<b>owned</b>") == std::string::npos);
    CHECK(dom.find("<aside id=\"detail\" hidden=\"\"") != std::string::npos);
  }
  SECTION("#filter=stripe&detail=ID shows only the Stripe rows and that identity's locations and remediation") {
    const std::string chosen = ids.at("stripe").front();
    const auto page = chromium(profile, url + "#filter=stripe&detail=" + chosen, {"--dump-dom"});
    INFO(page.err.substr(0, 2000));
    REQUIRE(page.exit_code == 0);
    auto rows = table_rows(page.out);
    auto expected = ids.at("stripe");
    std::sort(rows.begin(), rows.end());
    std::sort(expected.begin(), expected.end());
    CHECK(rows == expected);
    CHECK(page.out.find("<input id=\"filter\"") != std::string::npos);
    CHECK(page.out.find("2 of 4 identities") != std::string::npos);
    const std::string panel = detail_panel(page.out);
    INFO(panel);
    CHECK(panel.find("data-id=\"" + chosen + "\"") != std::string::npos);
    CHECK(panel.find(" hidden") == std::string::npos);
    CHECK(count(panel, "<li class=\"location") == 1);
    CHECK((panel.find("services/billing/config/prod.env:1") != std::string::npos ||
           panel.find("services/refunds/staging.env:1") != std::string::npos));
    CHECK(panel.find("data-policy=\"NHI2\"") != std::string::npos);
    CHECK(panel.find(sprawl::html_escape(sprawl::remediation_for("stripe"))) != std::string::npos);
    CHECK(panel.find("sk_live_") == std::string::npos);  // the redacted preview at most: never the key
  }
  SECTION("a screenshot of the filtered page with its detail view is a PNG") {
    const std::string png = (std::filesystem::temp_directory_path() / "sprawl-inventory-report.png").string();
    std::filesystem::remove(png);
    const auto shot = chromium(profile, url + "#filter=stripe&detail=" + ids.at("stripe").front(),
                               {"--screenshot=" + png, "--window-size=1280,900", "--hide-scrollbars"});
    INFO(shot.err.substr(0, 2000));
    REQUIRE(shot.exit_code == 0);
    const std::string bytes = read_text(png);
    INFO("screenshot: " << png);
    CHECK(bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    CHECK(bytes.size() > 10 * 1024);
  }

  SECTION("--format csv: a header and one row per identity") {
    const std::string csv_path = dir / "report.csv";
    const auto csv = sprawl_in(dir.path(), {"inventory", "--datastore", store, "--format", "csv", "-o", csv_path});
    CHECK(csv.exit_code == 0);
    const std::string text = read_text(csv_path);
    CHECK(text.rfind("id,risk,provider,nhi_type,identifier,validity,present,", 0) == 0);
    CHECK(count(text, "\r\n") == 5);
    CHECK(count(text, ",stripe,") == 2);
    for (const auto& secret : {github, stripe_a, stripe_b, slack}) CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_CASE("inventory -o into a directory that does not exist is an error naming the path", "[cli][inventory][html]") {
  TempDir dir;
  dir.write("a.env", "GITHUB_TOKEN=" + fake_github_pat(911) + "\n");
  const std::string store = dir / "inventory.db";
  REQUIRE(run_sprawl({"scan", dir / "a.env", "--datastore", store, "--format", "json"}).exit_code == 1);
  const auto result = run_sprawl({"inventory", "--datastore", store, "--format", "html", "-o", dir / "no/such/r.html"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("no/such/r.html") != std::string::npos);
}

namespace {

/// `n` synthetic identities across providers, ages and risks, each with a few locations.
std::vector<sprawl::Identity> synthetic_identities(std::size_t n) {
  const char* providers[] = {"aws", "github", "stripe", "slack", "gcp", "openai", "postgresql"};
  std::vector<sprawl::Identity> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    sprawl::Identity& i = out[k];
    char id[17];
    std::snprintf(id, sizeof id, "%016zx", k * 2654435761u);
    i.id = id;
    i.provider = providers[k % 7];
    i.nhi_type = k % 3 ? "api_key" : "service_account";
    i.identifier = "svc-" + std::to_string(k) + "@example.com";
    i.first_seen = "202" + std::to_string(k % 5) + "-0" + std::to_string(1 + k % 9) + "-15T10:00:00Z";
    i.last_seen = "2025-06-01T00:00:00Z";
    i.present = k % 4 != 0;
    i.validity = k % 5 == 0 ? "valid" : (k % 5 == 1 ? "invalid" : "");
    i.risk = static_cast<int>(k * 37 % 101);
    i.risk_reasons = {"present at HEAD (+10)", "unchecked (+15)"};
    i.owner = sprawl::IdentityOwner{"@acme/team-" + std::to_string(k % 13), "codeowners"};
    i.environments = {k % 2 ? "prod" : "dev"};
    i.policies = {{"NHI2", "leaked", "2 location(s), 1 still present"}};
    for (int l = 0; l < 2; ++l)
      i.locations.push_back({"rule." + i.provider,
                             "fp",
                             "repo",
                             "",
                             "",
                             "",
                             "services/s" + std::to_string(k) + "/a.env",
                             static_cast<std::uint32_t>(l + 1),
                             "",
                             "",
                             {},
                             l == 0,
                             "prod"});
  }
  return out;
}

}  // namespace

TEST_CASE("the HTML report's data block cannot be closed by identity text", "[inventory][html]") {
  auto identities = synthetic_identities(1);
  identities[0].identifier = "x</script><script>alert(1)</script><!--";
  identities[0].locations[0].path = "a&b/<img src=x>.env";
  const std::vector<sprawl::InventoryEntry> entries = {{&identities[0], "", "", {"ghp_…redacted"}}};
  const std::string html = sprawl::render_inventory_html(entries, "2025-06-01T00:00:00Z");
  CHECK(count(html, "</script>") == 2);
  CHECK(count(html, "<script") == 2);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("<!--") == std::string::npos);
  CHECK(html.find("x\\u003c/script\\u003e") != std::string::npos);
  CHECK(sprawl::html_escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

// Not run by default: `sprawl_tests "[.html-perf]"` prints the size and render times of a report
// of about 1,000 identities, from synthetic identities and end to end from a scanned directory.
TEST_CASE("HTML report of 1,000 identities: size and Chromium render time", "[.html-perf]") {
  TempDir dir;
  using clock = std::chrono::steady_clock;
  const auto seconds_since = [](clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
  };
  const auto open_in_chromium = [&](const std::string& report, std::size_t rows) {
    const auto t0 = clock::now();
    const auto page = chromium(dir / "profile", "file://" + report, {"--dump-dom"});
    const double wall = seconds_since(t0);
    REQUIRE(page.exit_code == 0);
    CHECK(table_rows(page.out).size() == rows);
    const auto at = page.out.find("data-render-ms=\"");
    REQUIRE(at != std::string::npos);
    return std::make_pair(wall, std::stoi(page.out.substr(at + 16)));
  };
  const auto blank = dir.write("blank.html", "<!DOCTYPE html><p>x</p>");
  chromium(dir / "profile", "file://" + blank, {"--dump-dom"});  // a warm profile
  auto t0 = clock::now();
  chromium(dir / "profile", "file://" + blank, {"--dump-dom"});
  const double blank_s = seconds_since(t0);

  const auto identities = synthetic_identities(1000);
  std::vector<sprawl::InventoryEntry> entries;
  for (const auto& i : identities) entries.push_back({&i, "", "", {"sk_…redacted"}});
  t0 = clock::now();
  const std::string html = sprawl::render_inventory_html(entries, "2025-06-01T00:00:00Z");
  const double render_s = seconds_since(t0);
  const auto [synthetic_s, synthetic_js] = open_in_chromium(dir.write("synthetic.html", html), 1000);
  WARN("1,000 synthetic identities (2 locations each): "
       << html.size() << " bytes; rendered by sprawl in " << render_s * 1000 << " ms; chromium --dump-dom "
       << synthetic_s << " s (a blank page " << blank_s << " s), first draw " << synthetic_js << " ms of script");

  // End to end: 250 files of four credentials each, scanned into a datastore, then the report.
  for (std::uint32_t k = 0; k < 250; ++k)
    dir.write("src/svc" + std::to_string(k) + "/prod.env", "GITHUB_TOKEN=" + fake_github_pat(10000 + k) +
                                                               "\nSTRIPE_KEY=" + fake_stripe_live_key(20000 + k) +
                                                               "\nSLACK_TOKEN=" + fake_slack_bot_token(30000 + 3 * k) +
                                                               "\nANOTHER_GITHUB=" + fake_github_pat(40000 + k) + "\n");
  const std::string store = dir / "inventory.db";
  REQUIRE(run_sprawl({"scan", dir / "src", "--datastore", store, "--format", "json"}).exit_code == 1);
  const std::string report = dir / "report.html";
  t0 = clock::now();
  REQUIRE(run_sprawl({"inventory", "--datastore", store, "--format", "html", "-o", report}).exit_code == 0);
  const double cli_s = seconds_since(t0);
  const std::string scanned = read_text(report);
  const auto [scanned_s, scanned_js] = open_in_chromium(report, 1000);
  WARN("1,000 scanned identities: " << scanned.size() << " bytes; sprawl inventory --format html " << cli_s
                                    << " s; chromium --dump-dom " << scanned_s << " s, first draw " << scanned_js
                                    << " ms of script");
}
