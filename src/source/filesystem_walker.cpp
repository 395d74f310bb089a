// Depth-first directory walk with readdir's d_type, so regular files cost no stat call.
#include "src/source/filesystem_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "src/util/utf8.h"

namespace sprawl {
namespace {

using DirKey = std::pair<dev_t, ino_t>;

struct PendingDir {
  std::string path, display, relative;
  std::vector<DirKey> ancestors;  // (device, inode) of this directory and those above it
  bool inside_git = false;
};

const char* special_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string join(const std::string& dir, const char* name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + '/' + name;
}

std::string clean_display(std::string path) {
  while (path.size() > 2 && path.compare(0, 2, "./") == 0) path.erase(0, 2);
  return path;
}

class Walker {
 public:
  explicit Walker(WalkSink& sink) : m_sink(sink) {}

  void input(const std::string& arg) {
    if (arg == "-") {
      m_sink.file({"-", "-", "-", true});
      return;
    }
    struct stat info {};
    if (::stat(arg.c_str(), &info) != 0) {
      m_sink.diagnostic({printable_path(arg), stat_error(arg, errno)});
      return;
    }
    if (S_ISREG(info.st_mode)) {
      const std::string shown = clean_display(arg);
      emit_file(arg, shown, shown);
    } else if (S_ISDIR(info.st_mode)) {
      std::string root = arg;
      while (root.size() > 1 && root.back() == '/') root.pop_back();
      const std::string display = root == "." ? std::string{} : clean_display(root);
      walk({root, display, {}, {{info.st_dev, info.st_ino}}, false});
    } else {
      m_sink.diagnostic({printable_path(arg), fmt::format("{}, not scanned", special_kind(info.st_mode))});
    }
  }

 private:
  static std::string stat_error(const std::string& path, int error) {
    struct stat link {};
    if (error == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) return "broken symlink";
    if (error == ELOOP) return "symlink loop";
    return std::strerror(error);
  }

  void emit_file(const std::string& path, const std::string& display, const std::string& relative) {
    if (!is_valid_utf8(display))
      m_sink.diagnostic({printable_path(display), "file name is not valid UTF-8; shown with \\x escapes", false});
    m_sink.file({path, printable_path(display), printable_path(relative), false});
  }

  void walk(PendingDir root) {
    std::vector<PendingDir> stack;
    stack.push_back(std::move(root));
    while (!stack.empty()) {
      PendingDir dir = std::move(stack.back());
      stack.pop_back();
      read_directory(dir, stack);
    }
  }

  void read_directory(const PendingDir& dir, std::vector<PendingDir>& stack) {
    DIR* handle = ::opendir(dir.path.c_str());
    const std::string shown_dir = dir.display.empty() ? "." : dir.display;
    if (!handle) {
      m_sink.diagnostic({printable_path(shown_dir), fmt::format("cannot open directory: {}", std::strerror(errno))});
      return;
    }
    std::vector<PendingDir> children;
    while (const dirent* entry = ::readdir(handle)) {
      const char* name = entry->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      const std::string path = join(dir.path, name);
      const std::string display = join(dir.display, name);
      const std::string relative = join(dir.relative, name);
      unsigned char type = entry->d_type;
      struct stat info {};
      if (type == DT_UNKNOWN || type == DT_LNK || type == DT_DIR) {
        const int flags = type == DT_UNKNOWN ? AT_SYMLINK_NOFOLLOW : 0;
        if (::fstatat(dirfd(handle), name, &info, flags) != 0) {
          m_sink.diagnostic({printable_path(display), stat_error(path, errno)});
          continue;
        }
        type = S_ISREG(info.st_mode)   ? DT_REG
               : S_ISDIR(info.st_mode) ? DT_DIR
               : S_ISLNK(info.st_mode) ? DT_LNK
                                       : DT_FIFO;
        if (type == DT_LNK) {  // DT_UNKNOWN resolved to a link: look through it
          if (::stat(path.c_str(), &info) != 0) {
            m_sink.diagnostic({printable_path(display), stat_error(path, errno)});
            continue;
          }
          type = S_ISREG(info.st_mode) ? DT_REG : S_ISDIR(info.st_mode) ? DT_DIR : DT_FIFO;
        }
      }
      if (type == DT_REG) {
        emit_file(path, display, relative);
      } else if (type == DT_DIR) {
        if (dir.inside_git && (std::strcmp(name, "objects") == 0 || std::strcmp(name, "lfs") == 0)) continue;
        const DirKey key{info.st_dev, info.st_ino};
        bool loop = false;
        for (const auto& ancestor : dir.ancestors) loop = loop || ancestor == key;
        if (loop) {
          m_sink.diagnostic({printable_path(display), "symlink loop (points back to a parent directory)"});
          continue;
        }
        PendingDir child{path, display, relative, dir.ancestors, dir.inside_git || std::strcmp(name, ".git") == 0};
        child.ancestors.push_back(key);
        children.push_back(std::move(child));
      } else {
        if (info.st_mode == 0) ::stat(path.c_str(), &info);
        m_sink.diagnostic({printable_path(display), fmt::format("{}, not scanned", special_kind(info.st_mode)), false});
      }
    }
    ::closedir(handle);
    // Reverse so that the stack visits children in directory order.
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(std::move(*it));
  }

  WalkSink& m_sink;
};

}  // namespace

std::string printable_path(const std::string& name) {
  if (is_valid_utf8(name)) return name;
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

void walk_inputs(const std::vector<std::string>& inputs, WalkSink& sink) {
  Walker walker(sink);
  for (const auto& input : inputs) walker.input(input);
}

}  // namespace sprawl
