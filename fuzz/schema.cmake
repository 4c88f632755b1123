# schema/: compile + validate + generate on arbitrary schemas and instances (included by
# fuzz/CMakeLists.txt, which globs fuzz/*.cmake).
oasis_add_fuzzer(fuzz_schema_validate ${CMAKE_CURRENT_LIST_DIR}/schema_validate_fuzz.cpp oasis_schema)
oasis_add_fuzzer(fuzz_schema_text ${CMAKE_CURRENT_LIST_DIR}/schema_text_fuzz.cpp oasis_schema)
oasis_add_fuzzer(fuzz_schema_char_run ${CMAKE_CURRENT_LIST_DIR}/schema_char_run_fuzz.cpp oasis_schema PkgConfig::RE2)
oasis_add_fuzzer(fuzz_schema_json_text ${CMAKE_CURRENT_LIST_DIR}/schema_json_text_fuzz.cpp oasis_schema)
