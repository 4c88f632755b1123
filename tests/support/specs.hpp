// tests/support/specs.hpp — where the real-world API documents of ../shared/specs are.
//
// Tests that read them call OASIS_REQUIRE_SPECS() first: when the folder is absent the test is
// skipped with a message saying so, never passed silently.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#ifndef OASIS_SOURCE_DIR
#error "tests are compiled with OASIS_SOURCE_DIR set to the project root"
#endif

namespace oasis_test {

inline std::filesystem::path source_dir() { return std::filesystem::path(OASIS_SOURCE_DIR); }

inline std::filesystem::path specs_dir() { return source_dir().parent_path() / "shared" / "specs"; }

inline bool have_specs() { return std::filesystem::is_directory(specs_dir()); }

}  // namespace oasis_test

#define OASIS_REQUIRE_SPECS()                                                            \
  do {                                                                                   \
    if (!::oasis_test::have_specs())                                                     \
      GTEST_SKIP() << "skipped: " << ::oasis_test::specs_dir() << " is absent (the shared " \
                   << "API documents are not beside this checkout)";                     \
  } while (0)
