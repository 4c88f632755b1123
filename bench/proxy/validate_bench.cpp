// bench/proxy/validate_bench.cpp — validating the proxy benchmark's answers (bench.yaml's Item,
// one object and a list of 1,000, as bench/proxy/run serves them) with the DOM path (Boost.JSON
// parse into an arena, then is_valid — what validate_response did) and with is_valid_text, in one
// run, so the two are compared side by side.
//
//   oasis_proxy_validate_bench [dom|text|both][-list] [iterations]   ("-list": the list only)
//
// For instruction counts run one mode under callgrind and divide by the iterations.
#include <oasis/schema/schema.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kDocument = R"({"components":{"schemas":{
  "Item":{"type":"object","required":["id","name","status","price"],"properties":{
    "id":{"type":"integer","minimum":1},
    "name":{"type":"string","minLength":1,"maxLength":64},
    "status":{"type":"string","enum":["available","pending","sold"]},
    "price":{"type":"number","minimum":0},
    "tags":{"type":"array","items":{"type":"string"}}}},
  "List":{"type":"array","items":{"$ref":"#/components/schemas/Item"}}}}})";

// The same bytes as bench/proxy/run writes (Python's json.dump with compact separators).
std::string item(int i) {
  static const char* kStatus[] = {"available", "pending", "sold"};
  char price[32];
  std::snprintf(price, sizeof price, "%.2f", i * 1.25);
  std::string p = price;
  while (p.back() == '0') p.pop_back();  // Python prints round(x, 2) in its shortest form
  if (p.back() == '.') p += '0';
  return "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i) + "\",\"status\":\"" +
         kStatus[i % 3] + "\",\"price\":" + p + ",\"tags\":[\"a\",\"b\"]}";
}

bool dom_valid(oasis::schema::SchemaRef s, std::string_view body) {
  boost::json::monotonic_resource arena(body.size() * 3 + 1024);
  boost::json::parse_options po;
  po.max_depth = 256;
  boost::json::stream_parser p({}, po);
  p.reset(&arena);
  boost::json::error_code ec;
  p.write(body.data(), body.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) return false;
  boost::json::value v = p.release();
  return oasis::schema::is_valid(s, v, oasis::schema::Direction::response);
}

bool text_valid(oasis::schema::SchemaRef s, std::string_view body) {
  return oasis::schema::is_valid_text(s, body, oasis::schema::Direction::response, 256) ==
         oasis::schema::TextValidity::valid;
}

template <class F>
void run(const char* label, F&& f, std::string_view body, int n) {
  auto t0 = std::chrono::steady_clock::now();
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += f(body) ? 1 : 0;
  auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-28s %8zu bytes  %9.2f us/answer  (%d/%d valid)\n", label, body.size(), us / n, ok, n);
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view mode = argc > 1 ? argv[1] : "both";
  int n = argc > 2 ? std::atoi(argv[2]) : 200;
  oasis::schema::Compiler compiler(boost::json::parse(kDocument), {});
  auto* item_schema = compiler.compile("/components/schemas/Item");
  auto* list_schema = compiler.compile("/components/schemas/List");
  std::string small = item(1), list = "[";
  for (int i = 1; i <= 1000; ++i) list += (i > 1 ? "," : "") + item(i);
  list += "]";
  auto dom = [&](auto* s) { return [s](std::string_view b) { return dom_valid(s, b); }; };
  auto text = [&](auto* s) { return [s](std::string_view b) { return text_valid(s, b); }; };
  const bool list_only = mode.ends_with("-list");
  if (list_only) mode.remove_suffix(5);
  if (mode == "dom" || mode == "both") {
    if (!list_only) run("dom  small object", dom(item_schema), small, n * 100);
    run("dom  1,000 items", dom(list_schema), list, n);
  }
  if (mode == "text" || mode == "both") {
    if (!list_only) run("text small object", text(item_schema), small, n * 100);
    run("text 1,000 items", text(list_schema), list, n);
  }
  return 0;
}
