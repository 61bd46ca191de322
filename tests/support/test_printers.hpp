// Lets Boost.Test print the standard types our assertions compare, so a
// failure shows the values instead of failing to compile.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <expected>
#include <string>
#include <optional>
#include <ostream>
#include <utility>

namespace boost::test_tools::tt_detail {

template <class T>
struct print_log_value<std::optional<T>> {
  void operator()(std::ostream& stream, const std::optional<T>& value) {
    if (value) {
      print_log_value<T>()(stream, *value);
    } else {
      stream << "nullopt";
    }
  }
};

template <class Clock, class Duration>
struct print_log_value<std::chrono::time_point<Clock, Duration>> {
  void operator()(std::ostream& stream, const std::chrono::time_point<Clock, Duration>& value) {
    stream << value.time_since_epoch().count();
  }
};

template <class A, class B>
struct print_log_value<std::pair<A, B>> {
  void operator()(std::ostream& stream, const std::pair<A, B>& value) {
    stream << '(';
    print_log_value<A>()(stream, value.first);
    stream << ", ";
    print_log_value<B>()(stream, value.second);
    stream << ')';
  }
};

}  // namespace boost::test_tools::tt_detail

// The value a test goes on with: a failed result or an empty optional stops
// the test case here (with the error's message), instead of being
// dereferenced into undefined behaviour.
template <class T, class E>
T required(std::expected<T, E> result) {
  if constexpr (requires { result.error().message; }) {
    BOOST_TEST_REQUIRE(result.has_value(), (result ? std::string() : result.error().message));
  } else {
    BOOST_TEST_REQUIRE(result.has_value());
  }
  return std::move(*result);
}

template <class T>
T required(std::optional<T> value) {
  BOOST_TEST_REQUIRE(value.has_value());
  return std::move(*value);
}

// The error of a result a test expects to fail; a success stops the test case here.
template <class T, class E>
E failure_of(std::expected<T, E> result) {
  BOOST_TEST_REQUIRE(!result.has_value());
  return std::move(result.error());
}
