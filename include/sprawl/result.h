// Result<T>: the value-or-error type returned across module seams (no exceptions cross them).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sprawl {

/// A recoverable failure: one line that names the input and the reason.
struct Error {
  std::string message;
};

/// Either a value or an Error, in the style of std::expected.
template <class T>
class Result {
 public:
  Result(T value) : m_state(std::move(value)) {}
  Result(Error error) : m_state(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(m_state); }
  const T& value() const { return std::get<T>(m_state); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(m_state); }

 private:
  std::variant<T, Error> m_state;
};

/// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace sprawl
