// The speed floor for benchmarks/bench_throughput.sh: reads every file under the given paths
// and runs a bare hs_scan with sprawl's own compiled built-in database (no RE2, no checks),
// on N threads. Prints one JSON line with the timings.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "src/match/rule_database.h"
#include "src/pipeline/scan_engine.h"
#include "src/source/file_reader.h"
#include "src/source/filesystem_walker.h"

namespace {

class Collect : public sprawl::WalkSink {
 public:
  void file(sprawl::InputFile f) override { files.push_back(std::move(f.path)); }
  void diagnostic(sprawl::InputDiagnostic) override {}
  std::vector<std::string> files;
};

int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<std::uint64_t*>(ctx);
  return 0;
}

template <class Work>
double timed_parallel(unsigned threads, Work work) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else
      inputs.emplace_back(argv[i]);
  }
  auto engine = sprawl::load_scan_engine("");
  if (!engine) return std::fprintf(stderr, "%s\n", engine.error().message.c_str()), 2;
  const hs_database_t* db = (*engine)->database().hyperscan();

  Collect collect;
  sprawl::walk_inputs(inputs, collect);
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes{0}, hits{0};
  // Pass 1: read + scan, as the scanner has to do.
  const double read_scan = timed_parallel(threads, [&](unsigned) {
    hs_scratch_t* scratch = nullptr;
    hs_alloc_scratch(db, &scratch);
    std::string buffer;
    std::uint64_t local_hits = 0;
    for (std::size_t i; (i = next++) < collect.files.size();) {
      sprawl::read_file(collect.files[i], 1ull << 40, buffer);
      bytes += buffer.size();
      hs_scan(db, buffer.data(), static_cast<unsigned>(buffer.size()), 0, scratch, count_hit, &local_hits);
    }
    hits += local_hits;
    hs_free_scratch(scratch);
  });
  // Pass 2: scan only, the bytes already in memory (split round-robin across threads).
  std::vector<std::string> contents(collect.files.size());
  for (std::size_t i = 0; i < collect.files.size(); ++i) sprawl::read_file(collect.files[i], 1ull << 40, contents[i]);
  const double scan_only = timed_parallel(threads, [&](unsigned t) {
    hs_scratch_t* scratch = nullptr;
    hs_alloc_scratch(db, &scratch);
    std::uint64_t local_hits = 0;
    for (std::size_t i = t; i < contents.size(); i += threads)
      hs_scan(db, contents[i].data(), static_cast<unsigned>(contents[i].size()), 0, scratch, count_hit, &local_hits);
    hs_free_scratch(scratch);
  });
  std::printf(
      "{\"bytes\":%llu,\"files\":%zu,\"threads\":%u,\"hits\":%llu,\"seconds_read_scan\":%.4f,\"seconds_scan_only\":%."
      "4f}\n",
      static_cast<unsigned long long>(bytes.load()), collect.files.size(), threads,
      static_cast<unsigned long long>(hits.load()), read_scan, scan_only);
  return 0;
}
