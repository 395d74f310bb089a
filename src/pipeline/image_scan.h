// Container image scans: every layer of every image in a tarball or layout directory (each
// layer once, each file's content once), the image config, and whiteouts resolved per image.
#pragma once

#include <string>

#include "sprawl/scan_config.h"
#include "src/pipeline/scan_engine.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/source/image/image_source.h"

namespace sprawl {

/// Scans the image(s) `source` holds into `outcome`. `input` is the argument as given: findings
/// read "INPUT@layerN/PATH" or "INPUT@config/FIELD".
void scan_image(const std::string& input, const image::ImageSource& source, const ScanConfig& config,
                const ScanEngine& engine, const ScanCallbacks& callbacks, ScanOutcome& outcome);

}  // namespace sprawl
