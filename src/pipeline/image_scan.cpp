// Image scans (see image_scan.h): the layout is read first; then one thread streams each
// distinct layer (tar, gzip, zstd) entry by entry while the workers scan the files, bounded by a
// byte budget; last, each image's layer stack decides which findings its final filesystem still
// holds, and the config fields are scanned.
#include "src/pipeline/image_scan.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/bounded_queue.h"
#include "src/pipeline/progress_ticker.h"
#include "src/pipeline/scan_cache.h"
#include "src/source/archive/gzip_memory.h"
#include "src/source/image/layer_stack.h"

namespace sprawl {
namespace {

/// Bytes handed to the workers and not yet scanned: the reader waits while it is over budget,
/// so a multi-GB layer never sits in memory.
class ByteBudget {
 public:
  explicit ByteBudget(std::uint64_t limit) : m_limit(limit) {}
  void acquire(std::uint64_t bytes) {
    std::unique_lock lock(m_mutex);
    m_room.wait(lock, [&] { return m_used == 0 || m_used + bytes <= m_limit; });
    m_used += bytes;
  }
  void release(std::uint64_t bytes) {
    std::lock_guard lock(m_mutex);
    m_used -= bytes;
    m_room.notify_all();
  }

 private:
  std::uint64_t m_limit, m_used = 0;
  std::mutex m_mutex;
  std::condition_variable m_room;
};

struct MemberJob {
  std::size_t layer = 0;
  std::string path;
  std::string content;
};

/// One distinct layer (by digest) and what scanning it found.
struct LayerRecord {
  std::string location, digest, label;
  image::LayerChanges changes;
  std::vector<std::pair<std::string, std::shared_ptr<const BlobScan>>> hits;  // path, scan with matches
  std::string display_prefix;  // "INPUT@layerN" in the first image that has it
};

class ImageScan {
 public:
  ImageScan(const std::string& input, const image::ImageSource& source, const ScanConfig& config,
            const ScanEngine& engine, const ScanCallbacks& callbacks, ScanOutcome& outcome)
      : m_input(input), m_source(source), m_config(config), m_engine(engine), m_callbacks(callbacks),
        m_outcome(outcome), m_queue(256), m_budget(256ull << 20) {}

  void run() {
    if (const std::string damage = m_source.damage(); !damage.empty()) report({m_input, damage, true});
    const image::ImageLayout layout =
        image::read_image_layout(m_source.kind(), [&](const std::string& path) { return m_source.lookup(path); });
    for (const auto& problem : layout.problems)
      report({fmt::format("{}: {}", m_input, problem.where), problem.message, problem.is_error});
    if (layout.images.empty()) return report({m_input, "no image found in the image layout", true});
    m_images = layout.images;
    collect_layers();
    if (!start_workers()) return;
    {
      std::unique_ptr<ProgressTicker> ticker;
      if (m_callbacks.progress)
        ticker = std::make_unique<ProgressTicker>(
            m_callbacks, [this] { return ScanProgress{m_files.load(), m_bytes.load(), m_matched.load(), 0.0}; },
            std::chrono::milliseconds(m_config.progress_after_ms));
      read_layers();
      m_queue.close();
      for (auto& worker : m_threads) worker.join();
    }
    for (std::size_t i = 0; i < m_images.size(); ++i) {
      add_config_findings(m_images[i]);
      add_layer_findings(m_images[i], m_slots[i]);
    }
  }

 private:
  void report(InputDiagnostic d) {
    std::lock_guard lock(m_mutex);
    record_diagnostic(m_callbacks, m_outcome, std::move(d));
  }

  // Each distinct layer once, labelled by where it first appears.
  void collect_layers() {
    std::map<std::string, std::size_t> by_key;
    for (const auto& image : m_images) {
      std::vector<std::size_t> slots;
      for (std::size_t k = 0; k < image.layers.size(); ++k) {
        const auto& layer = image.layers[k];
        const std::string key = layer.digest.empty() ? layer.location : layer.digest;
        auto [it, inserted] = by_key.try_emplace(key, m_layers.size());
        if (inserted) {
          LayerRecord record;
          record.location = layer.location;
          record.digest = layer.digest;
          record.label = fmt::format("layer {} ({})", k, layer.digest.empty() ? layer.location : image::short_digest(layer.digest));
          record.display_prefix = fmt::format("{}@layer{}", m_input, k);
          m_layers.push_back(std::move(record));
          m_by_location.emplace(layer.location, it->second);
        }
        slots.push_back(it->second);
      }
      m_slots.push_back(std::move(slots));
    }
  }

  bool start_workers() {
    const unsigned threads = m_config.threads ? m_config.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < threads; ++i) {
      auto matcher = Matcher::create(m_engine.database());
      if (!matcher) {
        report({"sprawl", matcher.error().message, true});
        return false;
      }
      m_scanners.emplace_back(m_engine, std::move(matcher.value()), m_config.binary_findings_cap, true,
                              content_options(m_config));
    }
    for (unsigned i = 0; i < threads; ++i) m_threads.emplace_back([this, i] { work(m_scanners[i]); });
    return true;
  }

  void work(BlobScanner& scanner) {
    while (auto job = m_queue.pop()) {
      const ScanCache::Entry cached = m_cache.scan(job->content, scanner);
      m_budget.release(job->content.size());
      const BlobScan& scan = *cached.scan;
      m_files.fetch_add(1, std::memory_order_relaxed);
      m_bytes.fetch_add(job->content.size(), std::memory_order_relaxed);
      if (!scan.matches.empty()) m_matched.fetch_add(scan.matches.size(), std::memory_order_relaxed);
      LayerRecord& layer = m_layers[job->layer];
      if (cached.first)
        for (const auto& problem : scan.problems)
          report(problem_diagnostic(fmt::format("{}/{}", layer.display_prefix, job->path), problem));
      std::lock_guard lock(m_mutex);
      ++m_outcome.summary.files_scanned;
      if (cached.first) {
        m_outcome.summary.bytes_scanned += job->content.size();
        m_outcome.summary.dropped += scan.drops;
      } else {
        ++m_outcome.summary.duplicate_blobs;
      }
      if (!scan.matches.empty()) layer.hits.emplace_back(std::move(job->path), cached.scan);
    }
  }

  void read_layers();
  archive::ArchiveSummary read_layer(class LayerEntries& entries, std::uint64_t size, const archive::BlockSource& bytes,
                                     const archive::ArchiveLimits& limits);
  void add_layer_findings(const image::ImageManifest& image, const std::vector<std::size_t>& slots);
  void add_config_findings(const image::ImageManifest& image);
  ImageProvenance provenance_of(const image::ImageManifest& image) const {
    ImageProvenance p;
    p.image = m_input;
    p.reference = image.reference;
    p.image_id = image.config_digest;
    p.manifest_digest = image.manifest_digest;
    p.platform = image.platform;
    return p;
  }
  void add_findings(const BlobScan& scan, const Provenance& where) {
    std::vector<Finding> found;
    DropCounts drops;
    m_scanners.front().findings_for(scan, where, found, drops);
    m_outcome.summary.dropped += drops;
    for (auto& f : found) m_outcome.findings.push_back(std::move(f));
  }

  friend class LayerEntries;
  const std::string& m_input;
  const image::ImageSource& m_source;
  const ScanConfig& m_config;
  const ScanEngine& m_engine;
  const ScanCallbacks& m_callbacks;
  ScanOutcome& m_outcome;
  std::vector<image::ImageManifest> m_images;
  std::vector<std::vector<std::size_t>> m_slots;  // per image: its layers' records, base first
  std::vector<LayerRecord> m_layers;
  std::map<std::string, std::size_t> m_by_location;
  std::vector<BlobScanner> m_scanners;
  std::vector<std::thread> m_threads;
  BoundedQueue<MemberJob> m_queue;
  ByteBudget m_budget;
  ScanCache m_cache;
  std::mutex m_mutex;
  std::atomic<std::uint64_t> m_files{0}, m_bytes{0}, m_matched{0};  // for the progress line
};

/// Turns one layer's tar entries into filesystem changes and scan jobs.
class LayerEntries : public archive::ArchiveVisitor {
 public:
  LayerEntries(ImageScan& scan, std::size_t layer) : m_scan(scan), m_layer(layer) {}

  bool entry(const archive::ArchiveEntry& entry, std::string_view content) override {
    LayerRecord& record = m_scan.m_layers[m_layer];
    std::string target;
    switch (image::classify_entry(entry.path, target)) {
      case image::EntryRole::whiteout:
        record.changes.whiteouts.push_back(std::move(target));
        return true;
      case image::EntryRole::opaque:
        record.changes.opaque_dirs.push_back(std::move(target));
        return true;
      case image::EntryRole::path:
        record.changes.written.push_back(entry.path);
        break;
    }
    if (entry.type != archive::EntryType::file || content.empty()) return true;
    m_scan.m_budget.acquire(content.size());
    m_scan.m_queue.push(MemberJob{m_layer, entry.path, std::string(content)});
    return true;
  }

  void problem(const std::string& member, const std::string& message, bool is_error) override {
    const LayerRecord& record = m_scan.m_layers[m_layer];
    m_scan.report({member.empty() ? fmt::format("{}: {}", m_scan.m_input, record.label)
                                  : fmt::format("{}/{}", record.display_prefix, member),
                   message, is_error});
  }

 private:
  ImageScan& m_scan;
  std::size_t m_layer;
};

void ImageScan::read_layers() {
  std::set<std::string> locations;
  for (const auto& record : m_layers) locations.insert(record.location);
  archive::ArchiveLimits limits = content_options(m_config).archive;
  std::string error;
  const std::set<std::string> missing = m_source.read_layers(
      locations,
      [&](const std::string& location, std::uint64_t size, const archive::BlockSource& bytes) {
        auto it = m_by_location.find(location);
        if (it == m_by_location.end()) return;
        LayerEntries entries(*this, it->second);
        const archive::ArchiveSummary summary = read_layer(entries, size, bytes, limits);
        if (!summary.opened && summary.format == archive::ArchiveFormat::none)  // else the reader said why
          report({fmt::format("{}: {}", m_input, m_layers[it->second].label),
                  "not a tar stream (plain, gzip or zstd): layer not scanned", true});
      },
      static_cast<unsigned>(m_scanners.size()), error);
  if (!error.empty()) report({m_input, fmt::format("cannot read the image: {}", error), true});
  for (const auto& record : m_layers)
    if (missing.count(record.location))
      report({fmt::format("{}: {}", m_input, record.label),
              fmt::format("missing from the image ({} not found): layer not scanned", record.location), true});
}

// Gzip layers up to this size are inflated whole with libdeflate (two to three times zlib's
// speed); larger ones, and every other kind, are streamed through libarchive.
constexpr std::uint64_t kWholeLayer = 128ull << 20;

archive::ArchiveSummary ImageScan::read_layer(LayerEntries& entries, std::uint64_t size,
                                              const archive::BlockSource& bytes, const archive::ArchiveLimits& limits) {
  std::string error;
  const std::string_view first = bytes(error);
  const bool gzip = archive::sniff_archive(first) == archive::ArchiveFormat::gzip;
  if (gzip && size > 0 && size <= kWholeLayer) {
    std::string compressed;
    compressed.reserve(size);
    for (std::string_view block = first; !block.empty(); block = bytes(error)) compressed.append(block);
    if (!error.empty()) entries.problem("", "cannot read the layer: " + error, true);
    std::string plain;
    if (error.empty() && archive::inflate_gzip(compressed, kWholeLayer, plain)) {
      if (const std::string bomb = archive::ratio_exceeded(limits, plain.size(), compressed.size()); !bomb.empty()) {
        entries.problem("", bomb, true);
        return {archive::ArchiveFormat::gzip, 0, 0, false, true};
      }
      std::string().swap(compressed);
      return archive::read_archive(plain, limits, entries);
    }
    return archive::read_archive(compressed, limits, entries);  // libarchive says what is wrong
  }
  bool replayed = false;  // the block already taken goes first
  const archive::BlockSource replay = [&](std::string& out_error) -> std::string_view {
    if (!replayed) {
      replayed = true;
      out_error = error;
      return first;
    }
    return bytes(out_error);
  };
  return archive::read_archive_stream(replay, size, limits, entries);
}

void ImageScan::add_layer_findings(const image::ImageManifest& image, const std::vector<std::size_t>& slots) {
  image::LayerStack stack;
  for (const std::size_t slot : slots) stack.add(m_layers[slot].changes);
  for (std::uint32_t k = 0; k < slots.size(); ++k) {
    for (const auto& [path, scan] : m_layers[slots[k]].hits) {
      Provenance where;
      where.path = fmt::format("{}@layer{}/{}", m_input, k, path);
      where.relative_path = path;
      ImageProvenance p = provenance_of(image);
      p.layer = k;
      p.layer_digest = image.layers[k].digest;
      p.created_by = image.layers[k].created_by;
      p.path = path;
      if (const auto removal = stack.removed_after(k, path)) {
        p.removed_in_layer = removal->layer;
        p.removal = image::to_string(removal->kind);
      }
      where.image = std::move(p);
      add_findings(*scan, where);
    }
  }
}

void ImageScan::add_config_findings(const image::ImageManifest& image) {
  for (const auto& field : image.config_fields) {
    if (field.value.empty()) continue;
    const BlobScan scan = m_scanners.front().scan(field.value);
    if (scan.matches.empty()) continue;
    Provenance where;
    where.path = fmt::format("{}@config/{}", m_input, field.name);
    where.relative_path = "config/" + field.name;
    ImageProvenance p = provenance_of(image);
    p.path = field.name;
    where.image = std::move(p);
    add_findings(scan, where);
  }
}

}  // namespace

void scan_image(const std::string& input, const image::ImageSource& source, const ScanConfig& config,
                const ScanEngine& engine, const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  ImageScan(input, source, config, engine, callbacks, outcome).run();
}

}  // namespace sprawl
