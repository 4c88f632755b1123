# spec/: the document loader (JSON and YAML, bundling, conversion, model, router, validation) on
# arbitrary bytes (included by fuzz/CMakeLists.txt, which globs fuzz/*.cmake).
oasis_add_fuzzer(fuzz_spec_load ${CMAKE_CURRENT_LIST_DIR}/spec_load_fuzz.cpp oasis_spec)
