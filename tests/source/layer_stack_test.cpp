// classify_entry and LayerStack::removed_after: whiteouts, opaque directories, overwrites and
// files re-added above a whiteout, per the OCI image-spec layer rules.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "src/source/image/layer_stack.h"

using namespace sprawl::image;

namespace {

LayerChanges writes(std::vector<std::string> paths) {
  LayerChanges changes;
  changes.written = std::move(paths);
  return changes;
}

LayerChanges whiteouts(std::vector<std::string> paths) {
  LayerChanges changes;
  changes.whiteouts = std::move(paths);
  return changes;
}

LayerChanges opaque(std::vector<std::string> dirs, std::vector<std::string> written = {}) {
  LayerChanges changes;
  changes.opaque_dirs = std::move(dirs);
  changes.written = std::move(written);
  return changes;
}

bool removed_by(const LayerStack& stack, std::uint32_t index, const char* path, std::uint32_t layer, RemovalKind kind) {
  const auto removal = stack.removed_after(index, path);
  return removal && removal->layer == layer && removal->kind == kind;
}

}  // namespace

TEST_CASE("classify_entry tells whiteouts, opaque markers and paths apart", "[image]") {
  std::string target;
  CHECK(classify_entry("etc/.wh.passwd", target) == EntryRole::whiteout);
  CHECK(target == "etc/passwd");
  CHECK(classify_entry(".wh.app", target) == EntryRole::whiteout);
  CHECK(target == "app");
  CHECK(classify_entry("var/lib/.wh..wh..opq", target) == EntryRole::opaque);
  CHECK(target == "var/lib");
  CHECK(classify_entry(".wh..wh..opq", target) == EntryRole::opaque);
  CHECK(target.empty());
  CHECK(classify_entry("etc/passwd", target) == EntryRole::path);
  CHECK(target == "etc/passwd");
  CHECK(classify_entry("etc/.wh.", target) == EntryRole::path);
  CHECK(classify_entry("etc/x.wh.y", target) == EntryRole::path);
}

TEST_CASE("whiteout of a file removes it", "[image]") {
  LayerStack stack;
  stack.add(writes({"etc", "etc/secret.conf", "etc/keep.conf"}));
  stack.add(writes({"usr/bin/tool"}));
  stack.add(whiteouts({"etc/secret.conf"}));
  CHECK(stack.size() == 3);
  CHECK(removed_by(stack, 0, "etc/secret.conf", 2, RemovalKind::whiteout));
  CHECK_FALSE(stack.removed_after(0, "etc/keep.conf"));
  CHECK_FALSE(stack.removed_after(0, "etc/secret.conf.bak"));
  CHECK_FALSE(stack.removed_after(2, "etc/secret.conf"));
}

TEST_CASE("whiteout of a parent directory removes everything below it", "[image]") {
  LayerStack stack;
  stack.add(writes({"app", "app/config", "app/config/key.pem", "apple/x"}));
  stack.add(whiteouts({"app"}));
  CHECK(removed_by(stack, 0, "app/config/key.pem", 1, RemovalKind::whiteout));
  CHECK(removed_by(stack, 0, "/app/config/key.pem", 1, RemovalKind::whiteout));
  CHECK_FALSE(stack.removed_after(0, "apple/x"));
}

TEST_CASE("opaque directory hides lower content but not the same layer's own", "[image]") {
  LayerStack stack;
  stack.add(writes({"var/lib/db/old.sql", "var/other"}));
  stack.add(opaque({"var/lib/db"}, {"var/lib/db", "var/lib/db/new.sql"}));
  CHECK(removed_by(stack, 0, "var/lib/db/old.sql", 1, RemovalKind::opaque));
  CHECK_FALSE(stack.removed_after(1, "var/lib/db/new.sql"));
  CHECK_FALSE(stack.removed_after(0, "var/other"));
}

TEST_CASE("opaque root hides every lower file", "[image]") {
  LayerStack stack;
  stack.add(writes({"a", "b/c"}));
  stack.add(opaque({""}, {"d"}));
  CHECK(removed_by(stack, 0, "a", 1, RemovalKind::opaque));
  CHECK(removed_by(stack, 0, "b/c", 1, RemovalKind::opaque));
  CHECK_FALSE(stack.removed_after(1, "d"));
}

TEST_CASE("a later layer writing the same path overwrites the file", "[image]") {
  LayerStack stack;
  stack.add(writes({"etc/app.env"}));
  stack.add(writes({"etc/other"}));
  stack.add(writes({"etc/app.env"}));
  CHECK(removed_by(stack, 0, "etc/app.env", 2, RemovalKind::overwritten));
  CHECK_FALSE(stack.removed_after(2, "etc/app.env"));
  CHECK_FALSE(stack.removed_after(0, "etc"));
}

TEST_CASE("a parent directory replaced by a file overwrites what lay below it", "[image]") {
  LayerStack stack;
  stack.add(writes({"opt/tool/conf"}));
  LayerChanges replace;
  replace.written = {"opt/tool"};
  replace.files = {"opt/tool"};
  stack.add(replace);
  CHECK(removed_by(stack, 0, "opt/tool/conf", 1, RemovalKind::overwritten));

  LayerStack directories_only;  // a directory entry alone (chmod, new sibling) hides nothing
  directories_only.add(writes({"opt/tool/conf"}));
  directories_only.add(writes({"opt/tool", "opt/tool/other"}));
  CHECK_FALSE(directories_only.removed_after(0, "opt/tool/conf"));
}

TEST_CASE("a file re-added after a whiteout in a later layer is present", "[image]") {
  LayerStack stack;
  stack.add(writes({"srv/token.txt"}));
  stack.add(whiteouts({"srv/token.txt"}));
  stack.add(writes({"srv/token.txt"}));
  CHECK(removed_by(stack, 0, "srv/token.txt", 1, RemovalKind::whiteout));
  CHECK_FALSE(stack.removed_after(2, "srv/token.txt"));
}

TEST_CASE("a layer that whites out and rewrites a path reports the whiteout", "[image]") {
  LayerStack stack;
  stack.add(writes({"srv/token.txt"}));
  LayerChanges both;
  both.whiteouts = {"srv"};
  both.written = {"srv", "srv/token.txt"};
  stack.add(both);
  CHECK(removed_by(stack, 0, "srv/token.txt", 1, RemovalKind::whiteout));
  CHECK_FALSE(stack.removed_after(1, "srv/token.txt"));
  CHECK(std::string(to_string(RemovalKind::overwritten)) == "overwritten");
}

TEST_CASE("removed_after stays fast with 100k-entry layers", "[image]") {
  LayerStack stack;
  constexpr int kLayers = 20;
  constexpr int kEntries = 100000;
  for (int layer = 0; layer < kLayers; ++layer) {
    LayerChanges changes;
    changes.written.reserve(kEntries);
    for (int i = 0; i < kEntries; ++i) {
      changes.written.push_back("usr/share/l" + std::to_string(layer) + "/d" + std::to_string(i % 100) + "/f" +
                                std::to_string(i));
    }
    changes.written.insert(changes.written.end(), {"usr", "usr/share"});  // in every layer, as in real diffs
    changes.whiteouts.push_back("tmp/w" + std::to_string(layer));
    stack.add(std::move(changes));
  }
  const auto start = std::chrono::steady_clock::now();
  int removed = 0;
  for (int q = 0; q < 10000; ++q) {
    const std::string path = "usr/share/l0/d" + std::to_string(q % 100) + "/f" + std::to_string(q);
    removed += stack.removed_after(0, path).has_value() ? 1 : 0;
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(removed == 0);
  WARN("10000 queries over " << kLayers << " layers of " << kEntries << " entries: " << elapsed * 1000 << " ms");
  CHECK(elapsed < 2.0);
}
