// Lets Boost.Test print the standard types our assertions compare, so a
// failure shows the values instead of failing to compile.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
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
