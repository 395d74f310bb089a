// End-to-end: the CI recipes shipped with sprawl. hooks/pre-push against a real bare remote;
// action.yml's scan step run as GitHub would run it; the YAML and sprawl flags of docs/ci.md.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/fake_tokens.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

/// Debian's python3 (pre-commit, part of the toolchain, pulls in python3-yaml); not a pyenv shim.
constexpr const char* kPython = "/usr/bin/python3";

std::string source_path(const std::string& relative) { return std::string(SPRAWL_SOURCE_DIR) + "/" + relative; }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

/// The environment of git and the hook: the sprawl under test first on PATH, a scratch HOME, no
/// git configuration, fixed identities, the warm rule cache, and no SPRAWL* settings of the user.
class PushEnv {
 public:
  PushEnv() {
    const char* path = std::getenv("PATH");
    const std::string sprawl_dir = std::filesystem::path(SPRAWL_BINARY).parent_path().string();
    std::filesystem::create_directories(m_home / "home");
    m_env = {{"PATH", sprawl_dir + ":" + (path && *path ? path : "/usr/local/bin:/usr/bin:/bin")},
             {"HOME", m_home / "home"},
             {"GIT_CONFIG_GLOBAL", "/dev/null"},
             {"GIT_CONFIG_NOSYSTEM", "1"},
             {"GIT_TERMINAL_PROMPT", "0"},
             {"GIT_AUTHOR_NAME", "Test Author"},
             {"GIT_AUTHOR_EMAIL", "author@example.com"},
             {"GIT_COMMITTER_NAME", "Test Committer"},
             {"GIT_COMMITTER_EMAIL", "committer@example.com"},
             {"GIT_DIR", ""},
             {"GIT_WORK_TREE", ""},
             {"GIT_INDEX_FILE", ""},
             {"SPRAWL", ""},
             {"SPRAWL_PRE_PUSH_ARGS", ""},
             {"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR},
             {"NO_COLOR", "1"}};
  }

  CliResult run(const std::vector<std::string>& argv, const std::string& cwd,
                const std::vector<std::pair<std::string, std::string>>& extra = {}) const {
    auto env = m_env;
    env.insert(env.end(), extra.begin(), extra.end());
    return run_process(argv, {cwd, "", env});
  }

 private:
  TempDir m_home;
  std::vector<std::pair<std::string, std::string>> m_env;
};

/// A bare "remote" and a clone of it with hooks/pre-push installed, and a first clean commit
/// pushed to main through the hook.
struct PushFixture {
  TempDir dir;
  PushEnv env;
  std::string remote = dir / "remote.git";
  GitRepo work{dir / "work", false};

  PushFixture() {
    run_git(dir.path(), {"init", "-q", "--bare", "-b", "main", remote});
    const CliResult cloned = env.run({"git", "clone", "-q", remote, work.path()}, dir.path());
    INFO("git clone: " << cloned.err);
    REQUIRE(cloned.exit_code == 0);
    work.git({"symbolic-ref", "HEAD", "refs/heads/main"});
    const std::filesystem::path hook = std::filesystem::path(work.path()) / ".git/hooks/pre-push";
    std::filesystem::create_directories(hook.parent_path());
    std::filesystem::copy_file(source_path("hooks/pre-push"), hook, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
    work.write("README.md", "# project\n");
    work.commit("initial");
    const CliResult first = push({"main"});
    INFO("first push: " << first.out << first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(remote_ref("main") == work.rev("main"));
  }

  /// `git push origin ARGS...` with hooks enabled.
  CliResult push(const std::vector<std::string>& args,
                 const std::vector<std::pair<std::string, std::string>>& extra = {}) const {
    std::vector<std::string> argv{"git", "push", "-q", "origin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return env.run(argv, work.path(), extra);
  }

  /// The remote's commit for branch `name`, or "" when it has no such branch.
  std::string remote_ref(const std::string& name) const {
    const CliResult result = run_git(remote, {"rev-parse", "-q", "--verify", "refs/heads/" + name});
    return result.exit_code == 0 ? trimmed(result.out) : "";
  }
};

void check_blocked(const CliResult& result, const std::string& path) {
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code != 0);
  CHECK((result.out + result.err).find(path) != std::string::npos);
  CHECK(result.err.find("push blocked") != std::string::npos);
}

void check_passed(const CliResult& result) {
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
}

}  // namespace

TEST_CASE("pre-push hook blocks pushes that add secrets and passes the rest", "[ci][git]") {
  PushFixture f;
  const std::string pushed = f.remote_ref("main");

  SECTION("a clean commit on a branch the remote has is pushed") {
    f.work.write("src/main.c", "int main(void) { return 0; }\n");
    const std::string clean = f.work.commit("add main");
    check_passed(f.push({"main"}));
    CHECK(f.remote_ref("main") == clean);
  }

  SECTION("a commit that adds a secret is blocked and the remote branch stays") {
    f.work.write("config/app.env", "DEBUG=0\nGITHUB_TOKEN=" + fake_github_pat(301) + "\n");
    f.work.commit("add app config");
    f.work.write("docs/notes.md", "later, clean\n");
    f.work.commit("notes");
    check_blocked(f.push({"main"}), "config/app.env");
    CHECK(f.remote_ref("main") == pushed);
  }

  SECTION("a new branch with a secret is blocked and not created") {
    f.work.git({"checkout", "-q", "-b", "feature"});
    f.work.write("deploy/aws.ini", "[default]\naws_access_key_id = " + fake_aws_key_id(302) + "\n");
    f.work.commit("aws settings");
    check_blocked(f.push({"feature"}), "deploy/aws.ini");
    CHECK(f.remote_ref("feature").empty());
  }

  SECTION("a clean new branch on history with an already pushed secret is pushed") {
    f.work.write("tokens.txt", "slack: " + fake_slack_bot_token(303) + "\n");
    f.work.commit("token, pushed past the hook");
    REQUIRE(f.push({"--no-verify", "main"}).exit_code == 0);
    f.work.git({"checkout", "-q", "-b", "feature"});
    f.work.write("feature.txt", "clean\n");
    const std::string clean = f.work.commit("feature");
    check_passed(f.push({"feature"}));
    CHECK(f.remote_ref("feature") == clean);
  }

  SECTION("a merge of pushed branches is not blocked by their pushed secrets; a secret the merge adds is") {
    f.work.git({"checkout", "-q", "-b", "side"});
    f.work.write("side.env", "TOKEN=" + fake_github_pat(304) + "\n");
    f.work.commit("side secret, pushed past the hook");
    REQUIRE(f.push({"--no-verify", "side"}).exit_code == 0);
    f.work.git({"checkout", "-q", "main"});
    f.work.write("main.txt", "main moves on\n");
    f.work.commit("main");
    REQUIRE(f.push({"main"}).exit_code == 0);
    f.work.git({"checkout", "-q", "-b", "merged"});
    f.work.git({"merge", "-q", "--no-edit", "side"});
    check_passed(f.push({"merged"}));  // the new commit sits on two pushed ones
    CHECK(f.remote_ref("merged") == f.work.rev("merged"));

    f.work.git({"checkout", "-q", "-b", "evil", "main"});
    f.work.git({"merge", "-q", "--no-commit", "side"});
    f.work.write("merge-fix.env", "STRIPE=" + fake_stripe_live_key(305) + "\n");
    f.work.git({"add", "-A"});
    f.work.git({"commit", "-q", "--no-edit"});
    check_blocked(f.push({"evil"}), "merge-fix.env");
    CHECK(f.remote_ref("evil").empty());
  }

  SECTION("deleting remote branches works, whatever they hold") {
    f.work.git({"checkout", "-q", "-b", "old"});
    f.work.write("old.env", "TOKEN=" + fake_github_pat(306) + "\n");
    f.work.commit("old secret, pushed past the hook");
    REQUIRE(f.push({"--no-verify", "old"}).exit_code == 0);
    REQUIRE_FALSE(f.remote_ref("old").empty());
    check_passed(f.push({"--delete", "old"}));
    CHECK(f.remote_ref("old").empty());
  }

  SECTION("a push the hook cannot check is blocked") {
    f.work.write("b.txt", "clean\n");
    f.work.commit("b");
    const CliResult result = f.push({"main"}, {{"SPRAWL", "/nonexistent/sprawl"}});
    INFO("stderr: " << result.err);
    CHECK(result.exit_code != 0);
    CHECK(result.err.find("not found") != std::string::npos);
    CHECK(f.remote_ref("main") == pushed);
  }
}

namespace {

/// Reads the recipes with PyYAML. `check`: every YAML file and ```yaml block parses, action.yml
/// is a sound composite action, docs/examples/* appear in docs/ci.md as they are; prints
/// "PROBLEM text" lines and one "USE subcommand<TAB>--flag<TAB>file" line per sprawl flag used.
/// `scan-step OUT`: writes the run script of action.yml's `scan` step to OUT, prints its env keys.
constexpr const char* kRecipeReader = R"PY(
import glob, os, re, sys
try:
    import yaml
except ImportError:
    print("PROBLEM python3-yaml is missing (scripts/bootstrap installs pre-commit, which needs it)")
    sys.exit(0)

root = os.environ["SPRAWL_SOURCE_DIR"]
problems, uses = [], set()
SPRAWL = re.compile(r'(?:^|[\s"\'(`/])sprawl"?\s+(scan|baseline\s+create|rules\s+list|rules\s+check)\b([^|&;`]*)')
ARGS = re.compile(r'args\+=\(([^)]*)\)|SPRAWL_PRE_PUSH_ARGS="([^"]*)"')
FLAG = re.compile(r'(?<![\w-])--[a-z][a-z0-9-]*')

def read(rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()

def text_flags(text, where):
    for line in re.sub(r'\\\n\s*', ' ', text).splitlines():
        for m in SPRAWL.finditer(line):
            uses.update((" ".join(m.group(1).split()), flag, where) for flag in FLAG.findall(m.group(2)))
        for m in ARGS.finditer(line):
            uses.update(("scan", flag, where) for flag in FLAG.findall(m.group(1) or m.group(2) or ""))

def walk(node, where):
    if isinstance(node, dict):
        uses_ = node.get("uses")
        if isinstance(uses_, str) and "sprawl" in uses_ and isinstance(node.get("with"), dict):
            uses.update(("scan", flag, where) for flag in FLAG.findall(str(node["with"].get("args", ""))))
        for value in node.values():
            walk(value, where)
    elif isinstance(node, list):
        for value in node:
            walk(value, where)
    elif isinstance(node, str):
        text_flags(node, where)

def yaml_doc(text, where):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        problems.append(f"{where}: not YAML: {e}".replace("\n", " "))
        return None
    if not isinstance(doc, dict):
        problems.append(f"{where}: not a YAML mapping")
        return None
    walk(doc, where)
    return doc

def check_action(doc):
    runs = doc.get("runs", {})
    if runs.get("using") != "composite":
        problems.append("action.yml: runs.using is not composite")
    declared = set(doc.get("inputs", {}))
    for name in re.findall(r"inputs\.([A-Za-z0-9_-]+)", yaml.safe_dump(doc)):
        if name not in declared:
            problems.append(f"action.yml: inputs.{name} is used but not declared")
    for step in runs.get("steps", []):
        if "run" in step and "shell" not in step:
            problems.append(f"action.yml: step {step.get('name')} has no shell")
        if "${{" in step.get("run", ""):
            problems.append(f"action.yml: step {step.get('name')} expands ${{{{ }}}} in its script; use env")
    if not any(step.get("id") == "scan" for step in runs.get("steps", [])):
        problems.append("action.yml: no step with id scan")

def scan_step(out):
    doc = yaml.safe_load(read("action.yml"))
    step = next(s for s in doc["runs"]["steps"] if s.get("id") == "scan")
    with open(out, "w", encoding="utf-8") as f:
        f.write(step["run"])
    print("\n".join(step.get("env", {})))

if sys.argv[1] == "scan-step":
    scan_step(sys.argv[2])
    sys.exit(0)
action = yaml_doc(read("action.yml"), "action.yml")
if action:
    check_action(action)
ci = read("docs/ci.md")
for m in re.finditer(r"^```(yaml|yml)\n(.*?)^```", ci, re.M | re.S):
    yaml_doc(m.group(2), f"docs/ci.md:{ci.count(chr(10), 0, m.start()) + 1}")
text_flags(ci, "docs/ci.md")
for path in sorted(glob.glob(os.path.join(root, "docs/examples/*.y*ml"))):
    rel = os.path.relpath(path, root)
    text = read(rel)
    yaml_doc(text, rel)
    if text.rstrip("\n") not in ci:
        problems.append(f"{rel} is not shown as it is in docs/ci.md")
text_flags(read("hooks/pre-push"), "hooks/pre-push")
for problem in problems:
    print("PROBLEM", problem)
for sub, flag, where in sorted(uses):
    print(f"USE {sub}\t{flag}\t{where}")
)PY";

CliResult read_recipes(const TempDir& dir, const std::vector<std::string>& args) {
  if (!std::filesystem::exists(kPython))
    FAIL(kPython << " is missing: python3 is part of the toolchain (scripts/bootstrap)");
  const std::string script = dir.write("recipes.py", kRecipeReader);
  std::vector<std::string> argv{kPython, script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {"", "", {{"SPRAWL_SOURCE_DIR", SPRAWL_SOURCE_DIR}, {"PYTHONPATH", ""}}});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Whether `sprawl SUBCOMMAND --help` lists `flag`.
bool help_lists(const std::string& help, const std::string& flag) {
  return std::regex_search(help, std::regex("(^|[\\s,])" + flag + "([\\s=]|$)"));
}

}  // namespace

TEST_CASE("action.yml and the docs' examples are YAML that uses only existing sprawl flags", "[ci]") {
  TempDir dir;
  const CliResult read = read_recipes(dir, {"check"});
  INFO("stderr: " << read.err);
  REQUIRE(read.exit_code == 0);
  std::map<std::string, std::set<std::string>> used;  // subcommand -> "flag (file)"
  std::set<std::string> flags_by_file;
  for (const std::string& line : lines_of(read.out)) {
    if (line.rfind("PROBLEM ", 0) == 0) FAIL_CHECK(line.substr(8));
    if (line.rfind("USE ", 0) != 0) continue;
    const std::size_t tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
    const std::string sub = line.substr(4, tab1 - 4), flag = line.substr(tab1 + 1, tab2 - tab1 - 1);
    used[sub].insert(flag + " (" + line.substr(tab2 + 1) + ")");
    flags_by_file.insert(line.substr(tab2 + 1) + " " + flag);
  }
  // The reader finds the flags the recipes are built on (it is not vacuous).
  for (const char* expected :
       {"action.yml --range", "action.yml --fail-on", "action.yml --baseline", "action.yml --format",
        "action.yml --output", "hooks/pre-push --range", "docs/ci.md --range", "docs/ci.md --since",
        "docs/ci.md --staged", "docs/examples/gitlab-ci.yml --range"}) {
    CHECK(flags_by_file.count(expected) == 1);
  }
  for (const auto& [sub, flags] : used) {
    std::vector<std::string> argv;
    std::istringstream words(sub);
    for (std::string word; words >> word;) argv.push_back(word);
    argv.insert(argv.begin(), SPRAWL_BINARY);
    argv.push_back("--help");
    const CliResult help = run_process(argv);
    INFO("sprawl " << sub << " --help: " << help.out << help.err);
    REQUIRE(help.exit_code == 0);
    for (const std::string& use : flags) {
      INFO("used: sprawl " << sub << " " << use);
      CHECK(help_lists(help.out, use.substr(0, use.find(' '))));
    }
  }
}

namespace {

/// action.yml's `scan` step, run by bash as the runner would run it, in a repository whose main
/// holds an old secret and whose branch `pr` adds either nothing secret or a new secret.
struct ActionStep {
  TempDir dir;
  PushEnv env;
  GitRepo repo{dir / "repo"};
  std::string script = dir / "scan-step.sh";
  std::string output = dir / "github-output";
  std::string sarif = dir / "out/sprawl.sarif";
  std::string base;
  std::set<std::string> env_keys;

  ActionStep() {
    const CliResult read = read_recipes(dir, {"scan-step", script});
    INFO("stderr: " << read.err);
    REQUIRE(read.exit_code == 0);
    for (const std::string& key : lines_of(read.out)) env_keys.insert(key);
    repo.write("old.env", "TOKEN=" + fake_github_pat(311) + "\n");
    base = repo.commit("old secret");
    repo.git({"checkout", "-q", "-b", "pr"});
    std::filesystem::create_directories(dir / "out");
  }

  /// Runs the step; `pr` false: a push event (no pull_request in the payload).
  CliResult run(bool pr, const std::string& fail_on = "") const {
    const std::string head = repo.rev("HEAD");
    const std::vector<std::pair<std::string, std::string>> step_env{{"SCAN_PATH", repo.path()},
                                                                    {"SCAN_ARGS", "--no-unreachable"},
                                                                    {"SARIF", sarif},
                                                                    {"FAIL_ON", fail_on},
                                                                    {"BASELINE", ""},
                                                                    {"PR_BASE_SHA", pr ? base : ""},
                                                                    {"PR_HEAD_SHA", pr ? head : ""},
                                                                    {"PR_COMMITS", pr ? "1" : ""},
                                                                    {"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR}};
    std::set<std::string> passed;
    for (const auto& [key, value] : step_env) passed.insert(key);
    REQUIRE(passed == env_keys);  // the test feeds exactly what the step declares
    auto all = step_env;
    all.emplace_back("GITHUB_OUTPUT", output);
    return env.run({"bash", "--noprofile", "--norc", "-eo", "pipefail", script}, dir.path(),
                   all);  // as `shell: bash` does
  }

  std::string outputs() const { return read_text(output); }
};

}  // namespace

TEST_CASE("action.yml's scan step gates a pull request's commits or the whole history", "[ci][git]") {
  ActionStep step;

  SECTION("a pull request that adds a secret fails, with exit-code 1 and a SARIF report") {
    step.repo.write("new.env", "AWS_ACCESS_KEY_ID=" + fake_aws_key_id(312) + "\n");
    step.repo.commit("new secret");
    const CliResult result = step.run(true);
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("new.env") != std::string::npos);
    CHECK(result.out.find("old.env") == std::string::npos);
    CHECK(step.outputs().find("exit-code=1\n") != std::string::npos);
    CHECK(step.outputs().find("sarif=" + step.sarif + "\n") != std::string::npos);
    CHECK(read_text(step.sarif).find("\"2.1.0\"") != std::string::npos);
  }

  SECTION("a clean pull request on history with an old secret passes") {
    step.repo.write("src/app.c", "int app;\n");
    step.repo.commit("clean");
    const CliResult result = step.run(true);
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(step.outputs().find("exit-code=0\n") != std::string::npos);
  }

  SECTION("fail-on never reports the findings without failing") {
    step.repo.write("new.env", "AWS_ACCESS_KEY_ID=" + fake_aws_key_id(313) + "\n");
    step.repo.commit("new secret");
    const CliResult result = step.run(true, "never");
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(step.outputs().find("exit-code=1\n") != std::string::npos);
    CHECK(result.out.find("::warning") != std::string::npos);
  }

  SECTION("fail-on critical lets a high finding through") {
    step.repo.write("new.txt", "token " + fake_github_pat(314) + "\n");
    step.repo.commit("new high secret");
    const CliResult result = step.run(true, "critical");
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(step.outputs().find("exit-code=0\n") != std::string::npos);
  }

  SECTION("outside pull requests the whole history is scanned") {
    step.repo.write("src/app.c", "int app;\n");
    step.repo.commit("clean");
    const CliResult result = step.run(false);
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("old.env") != std::string::npos);
  }
}
