// bench_object_walk: times ObjectStore::walk over a repository's objects directory and prints
// one JSON line (objects, bytes, seconds, per-type counts, peak RSS).
//
//   bench_object_walk OBJECTS_DIR [THREADS] [all|blob] [verify]
//
// With `verify`, every object is hashed again ("<type> <size>\0<content>" with SHA-1) and
// compared with its id: an end-to-end check of the walk on a real repository (slower).
#include <openssl/sha.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/source/git/object_store.h"

namespace {

using sprawl::git::ObjectType;

/// Counts objects and bytes and touches every page of each content (so it is really produced).
class CountingVisitor : public sprawl::git::ObjectVisitor {
 public:
  explicit CountingVisitor(bool verify) : m_verify(verify) {}
  sprawl::git::WalkNote visit(unsigned, const sprawl::git::WalkedObject& object,
                              const sprawl::git::WalkNote&) override {
    unsigned sum = 0;
    for (std::size_t i = 0; i < object.content.size(); i += 4096) sum += static_cast<unsigned char>(object.content[i]);
    if (!object.content.empty()) sum += static_cast<unsigned char>(object.content.back());
    m_checksum.fetch_add(sum, std::memory_order_relaxed);
    m_bytes.fetch_add(object.size, std::memory_order_relaxed);
    m_by_type[static_cast<unsigned>(object.type) & 7].fetch_add(1, std::memory_order_relaxed);
    if (object.copies) m_deltas_with_copies.fetch_add(1, std::memory_order_relaxed);
    if (m_verify && !object.too_large && !matches_id(object)) m_mismatches.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  void problem(const std::string& where, const std::string& message) override {
    ++m_problems;
    std::fprintf(stderr, "problem: %s: %s\n", where.c_str(), message.c_str());
  }

  std::uint64_t objects() const {
    std::uint64_t total = 0;
    for (const auto& count : m_by_type) total += count;
    return total;
  }
  std::uint64_t count(ObjectType type) const { return m_by_type[static_cast<unsigned>(type)]; }
  std::uint64_t bytes() const { return m_bytes; }
  std::uint64_t with_copies() const { return m_deltas_with_copies; }
  std::uint64_t problems() const { return m_problems; }
  std::uint64_t mismatches() const { return m_mismatches; }

 private:
  static bool matches_id(const sprawl::git::WalkedObject& object) {
    const std::string header = std::string(to_string(object.type)) + " " + std::to_string(object.size) + '\0';
    SHA_CTX context;
    SHA1_Init(&context);
    SHA1_Update(&context, header.data(), header.size());
    SHA1_Update(&context, object.content.data(), object.content.size());
    sprawl::BlobId digest;
    SHA1_Final(digest.bytes.data(), &context);
    return digest == object.id;
  }

  bool m_verify;
  std::atomic<std::uint64_t> m_mismatches{0};
  std::atomic<std::uint64_t> m_bytes{0}, m_checksum{0}, m_deltas_with_copies{0};
  std::atomic<std::uint64_t> m_by_type[8]{};
  std::uint64_t m_problems = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OBJECTS_DIR [THREADS] [all|blob] [verify]\n", argv[0]);
    return 2;
  }
  sprawl::git::WalkOptions options;
  options.threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 1;
  if (argc > 3 && std::string(argv[3]) == "blob") options.types = 1u << static_cast<unsigned>(ObjectType::blob);
  const auto start = std::chrono::steady_clock::now();
  auto store = sprawl::git::ObjectStore::open(argv[1]);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 2;
  }
  for (const auto& problem : (*store)->problems()) std::fprintf(stderr, "open problem: %s\n", problem.c_str());
  const auto opened = std::chrono::steady_clock::now();
  CountingVisitor visitor(argc > 4 && std::string(argv[4]) == "verify");
  (*store)->walk(options, visitor);
  const auto end = std::chrono::steady_clock::now();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf(
      "{\"threads\":%u,\"objects\":%llu,\"distinct_ids\":%zu,\"bytes\":%llu,\"open_seconds\":%.3f,\"seconds\":%.3f,"
      "\"commits\":%llu,\"trees\":%llu,\"blobs\":%llu,\"tags\":%llu,\"with_copies\":%llu,\"problems\":%llu,"
      "\"id_mismatches\":%llu,\"peak_rss_mib\":%.1f,\"user_seconds\":%.2f}\n",
      options.threads, static_cast<unsigned long long>(visitor.objects()), (*store)->object_count(),
      static_cast<unsigned long long>(visitor.bytes()), seconds(start, opened), seconds(start, end),
      static_cast<unsigned long long>(visitor.count(ObjectType::commit)),
      static_cast<unsigned long long>(visitor.count(ObjectType::tree)),
      static_cast<unsigned long long>(visitor.count(ObjectType::blob)),
      static_cast<unsigned long long>(visitor.count(ObjectType::tag)),
      static_cast<unsigned long long>(visitor.with_copies()), static_cast<unsigned long long>(visitor.problems()),
      static_cast<unsigned long long>(visitor.mismatches()), usage.ru_maxrss / 1024.0,
      usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6);
  return visitor.problems() == 0 && visitor.mismatches() == 0 ? 0 : 1;
}
