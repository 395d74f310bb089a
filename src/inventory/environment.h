// Environment inference: which deployment environment (prod, staging, dev, test) a credential's
// location belongs to, told from its path, file name, variable name and branch — conservatively.
#pragma once

#include <string>
#include <string_view>

#include "sprawl/finding.h"

namespace sprawl {

/// What is known about one location; every field may be empty.
struct EnvironmentHints {
  std::string_view path;           ///< relative path ("config/staging/app.yaml", ".env.production")
  std::string_view variable_line;  ///< the text before the secret on its line ("PROD_DB_PASSWORD=")
  std::string_view branch;         ///< the branch the location was seen on, when known
};

/// "prod", "staging", "dev", "test" or "" (unknown). A test or fixture path is "test" whatever
/// else it says; then the file name, the variable name, the directories (deepest first) and the
/// branch are asked in that order, and the first that names one environment decides.
std::string infer_environment(const EnvironmentHints& hints);

/// What a path alone tells infer_environment, worked out once per path (a scan sees each path at
/// many lines and commits): `first` decides before the variable name (a test path, else the file
/// name), `last` after it (the directories, deepest first). Views of static strings; "" for none.
struct PathEnvironment {
  std::string_view first, last;
};
PathEnvironment path_environment(std::string_view path);

/// infer_environment({path, variable_line, branch}) for a path whose PathEnvironment is known.
/// Allocates nothing; the result is a view of a static string.
std::string_view infer_environment(const PathEnvironment& path, std::string_view variable_line,
                                   std::string_view branch);


/// The text on the secret's line before the secret ("PROD_DB_PASSWORD="), read from a finding's
/// context; "" when the finding kept no context.
std::string_view text_before_secret(const MatchContext& context, std::string_view secret);

}  // namespace sprawl
