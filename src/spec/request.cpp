// spec/request.cpp — parameter deserialisation by style, body parsing by media type, and the
// checks of a request and a response against their Operation.
#include <oasis/spec/request.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace json = boost::json;

namespace oasis::spec {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "application/json; charset=utf-8" → "application/json"
std::string essence(std::string_view ct) {
  std::size_t semi = ct.find(';');
  return lower(trim(ct.substr(0, semi)));
}

// A media-type parameter ("boundary") of a Content-Type, unquoted.
std::string media_param(std::string_view ct, std::string_view name) {
  std::size_t pos = ct.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = ct.substr(pos + 1);
    std::size_t next = rest.find(';');
    std::string_view item = trim(rest.substr(0, next));
    std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && iequal(trim(item.substr(0, eq)), name)) {
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    pos = next == std::string_view::npos ? std::string_view::npos : pos + 1 + next;
  }
  return {};
}

std::string pointer_for(std::string_view location, std::string_view name) {
  std::string p = "/";
  p += location;
  p += '/';
  for (char c : name) {
    if (c == '~')
      p += "~0";
    else if (c == '/')
      p += "~1";
    else
      p += c;
  }
  return p;
}

// The types a schema allows, looking through $ref, allOf/anyOf/oneOf.
std::uint8_t types_of(schema::SchemaRef s, int depth = 0) {
  if (!s || depth > 16) return schema::type_any;
  s = schema::resolve(s);
  const schema::Info& in = schema::info(s);
  std::uint8_t t = in.types;
  if (t != schema::type_any) {
    if (in.nullable) t |= schema::type_null;
    return t;
  }
  std::uint8_t acc = 0;
  bool all_any = true;
  for (auto* v : {&in.all_of, &in.any_of, &in.one_of})
    for (schema::SchemaRef m : *v) {
      std::uint8_t mt = types_of(m, depth + 1);
      if (mt == schema::type_any) continue;
      all_any = false;
      acc |= mt;
    }
  if (!all_any) return acc;
  // no type keyword: infer from shape keywords
  if (!in.properties.empty() || in.additional_properties) return schema::type_object;
  if (in.items) return schema::type_array;
  return schema::type_any;
}

schema::SchemaRef items_of(schema::SchemaRef s, int depth = 0) {
  if (!s || depth > 16) return nullptr;
  s = schema::resolve(s);
  const schema::Info& in = schema::info(s);
  if (in.items) return in.items;
  for (auto* v : {&in.all_of, &in.any_of, &in.one_of})
    for (schema::SchemaRef m : *v)
      if (auto r = items_of(m, depth + 1)) return r;
  return nullptr;
}

schema::SchemaRef property_of(schema::SchemaRef s, std::string_view name) {
  if (!s) return nullptr;
  if (auto p = schema::property(s, name)) return p;
  const schema::Info& in = schema::info(schema::resolve(s));
  return in.additional_properties;
}

enum class Shape { primitive, array, object };

Shape shape_of(schema::SchemaRef s) {
  std::uint8_t t = types_of(s);
  if (t == schema::type_any) return Shape::primitive;
  if ((t & schema::type_array) && !(t & schema::type_string)) return Shape::array;
  if ((t & schema::type_object) && !(t & schema::type_string)) return Shape::object;
  return Shape::primitive;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t i = s.find(sep);
    out.push_back(s.substr(0, i));
    if (i == std::string_view::npos) break;
    s.remove_prefix(i + 1);
  }
  return out;
}

// Raw name/value pairs of a query string or form body (still encoded).
struct Pair {
  std::string_view name;  // raw
  std::string_view value;  // raw
  bool has_value;
};

std::vector<Pair> parse_pairs(std::string_view q) {
  std::vector<Pair> out;
  if (q.empty()) return out;
  for (std::string_view item : split(q, '&')) {
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      out.push_back({item, {}, false});
    else
      out.push_back({item.substr(0, eq), item.substr(eq + 1), true});
  }
  return out;
}

json::value array_from(const std::vector<std::string_view>& raw, schema::SchemaRef items, bool plus) {
  json::array a;
  a.reserve(raw.size());
  for (auto r : raw) a.push_back(coerce_scalar(percent_decode(r, plus), items));
  return a;
}

// "k,v,k,v" (or k=v pairs when `kv_sep` is '=') into an object coerced by property schemas.
json::value object_from_list(const std::vector<std::string_view>& raw, schema::SchemaRef s, bool pairs_with_eq,
                             bool plus) {
  json::object o;
  if (pairs_with_eq) {
    for (auto item : raw) {
      std::size_t eq = item.find('=');
      std::string k = percent_decode(item.substr(0, eq), plus);
      std::string v = eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1), plus);
      o[k] = coerce_scalar(v, property_of(s, k));
    }
  } else {
    for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
      std::string k = percent_decode(raw[i], plus);
      o[k] = coerce_scalar(percent_decode(raw[i + 1], plus), property_of(s, k));
    }
    if (raw.size() % 2 == 1) return json::value(percent_decode(raw.front(), plus));  // malformed: stays a string
  }
  return o;
}

json::value parse_content_value(const Parameter& p, const std::string& decoded) {
  if (p.content_type.find("json") != std::string::npos) {
    json::error_code ec;
    json::parse_options po;
    po.max_depth = 64;
    json::value v = json::parse(decoded, ec, {}, po);
    if (!ec) return v;
  }
  return json::value(decoded);
}

}  // namespace

// --- public pieces -----------------------------------------------------------------------------------

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

json::value coerce_scalar(std::string_view raw, schema::SchemaRef s) {
  std::uint8_t t = types_of(s);
  if (t == schema::type_any || (t & schema::type_string)) return json::value(raw);
  if (t & schema::type_integer) {
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), i);
    if (ec == std::errc{} && p == raw.data() + raw.size() && !raw.empty()) return json::value(i);
  }
  if (t & (schema::type_number | schema::type_integer)) {
    double d = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
    if (ec == std::errc{} && p == raw.data() + raw.size() && !raw.empty() && std::isfinite(d)) {
      if (t & schema::type_number) return json::value(d);
      // an integer type written as 5.0 is still the integer 5
      if (d == std::floor(d) && std::fabs(d) < 9.2e18) return json::value(static_cast<std::int64_t>(d));
    }
  }
  if (t & schema::type_boolean) {
    if (raw == "true") return json::value(true);
    if (raw == "false") return json::value(false);
    // Proxmox and many form-based APIs write booleans as 1/0
    if (raw == "1") return json::value(true);
    if (raw == "0") return json::value(false);
  }
  if ((t & schema::type_null) && (raw == "null" || raw.empty())) return json::value(nullptr);
  if (t & (schema::type_object | schema::type_array)) {
    // a structured value given as JSON text (e.g. a form field holding JSON)
    json::error_code ec;
    json::parse_options po;
    po.max_depth = 64;
    json::value v = json::parse(raw, ec, {}, po);
    if (!ec && (v.is_object() || v.is_array())) return v;
  }
  return json::value(raw);
}

json::value deserialize_simple_value(const Parameter& p, std::string_view raw) {
  bool path = p.in == ParameterIn::path;
  if (!p.content_type.empty()) return parse_content_value(p, path ? percent_decode(raw) : std::string(raw));
  auto decode = [&](std::string_view r) { return path ? percent_decode(r) : std::string(r); };
  Shape shape = shape_of(p.schema);
  switch (p.style) {
    case Style::label: {
      if (raw.empty() || raw[0] != '.') return json::value(decode(raw));
      raw.remove_prefix(1);
      char sep = p.explode ? '.' : ',';
      if (shape == Shape::primitive) return coerce_scalar(decode(raw), p.schema);
      auto parts = split(raw, sep);
      if (shape == Shape::array) return array_from(parts, items_of(p.schema), false);
      if (p.explode) return object_from_list(parts, p.schema, true, false);
      return object_from_list(split(raw, ','), p.schema, false, false);
    }
    case Style::matrix: {
      // ;name=value  ;name=a,b  ;name=a;name=b  ;k=v;k2=v2
      if (raw.empty() || raw[0] != ';') return json::value(decode(raw));
      auto items = split(raw.substr(1), ';');
      std::string prefix = p.name + "=";
      auto value_of = [&](std::string_view item) -> std::string_view {
        return item.substr(0, prefix.size()) == prefix ? item.substr(prefix.size()) : std::string_view();
      };
      if (shape == Shape::primitive) {
        if (items.size() == 1 && items[0] == p.name) return json::value("");
        return coerce_scalar(decode(value_of(items[0])), p.schema);
      }
      if (shape == Shape::array) {
        std::vector<std::string_view> parts;
        if (p.explode)
          for (auto it : items) parts.push_back(value_of(it));
        else
          parts = split(value_of(items[0]), ',');
        return array_from(parts, items_of(p.schema), false);
      }
      if (p.explode) return object_from_list(items, p.schema, true, false);
      return object_from_list(split(value_of(items[0]), ','), p.schema, false, false);
    }
    default: {  // simple
      if (shape == Shape::primitive) {
        // the common case, an id or a name: no copy of the text unless it has escapes to decode
        if (!path || raw.find('%') == std::string_view::npos) return coerce_scalar(raw, p.schema);
        return coerce_scalar(percent_decode(raw), p.schema);
      }
      auto parts = split(raw, ',');
      if (shape == Shape::array) {
        if (raw.empty()) return json::array();
        json::array a;
        for (auto r : parts) a.push_back(coerce_scalar(decode(trim(r)), items_of(p.schema)));
        return a;
      }
      if (p.explode) {
        json::object o;
        for (auto item : parts) {
          std::size_t eq = item.find('=');
          std::string k = decode(item.substr(0, eq));
          o[k] = coerce_scalar(eq == std::string_view::npos ? std::string() : decode(item.substr(eq + 1)),
                               property_of(p.schema, k));
        }
        return o;
      }
      if (parts.size() % 2 == 1) return json::value(decode(raw));
      json::object o;
      for (std::size_t i = 0; i + 1 < parts.size(); i += 2) {
        std::string k = decode(parts[i]);
        o[k] = coerce_scalar(decode(parts[i + 1]), property_of(p.schema, k));
      }
      return o;
    }
  }
}

namespace {

json::value query_value(const Parameter& p, const std::vector<Pair>& pairs, bool& present) {
  present = false;
  Shape shape = shape_of(p.schema);
  if (p.style == Style::deep_object && p.content_type.empty()) {
    // name[a]=1&name[b][c]=2
    json::object o;
    std::string prefix = p.name + "[";
    for (const auto& pr : pairs) {
      std::string key = percent_decode(pr.name, true);
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      present = true;
      std::vector<std::string> path;
      std::size_t pos = p.name.size();
      while (pos < key.size() && key[pos] == '[') {
        std::size_t close = key.find(']', pos);
        if (close == std::string::npos) break;
        path.push_back(key.substr(pos + 1, close - pos - 1));
        pos = close + 1;
      }
      if (path.empty() || path.size() > 8) continue;
      json::object* cur = &o;
      schema::SchemaRef cs = p.schema;
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        cs = property_of(cs, path[i]);
        json::value& next = (*cur)[path[i]];
        if (!next.is_object()) next = json::object();
        cur = &next.as_object();
      }
      schema::SchemaRef leaf = property_of(cs, path.back());
      std::string v = percent_decode(pr.value, true);
      json::value& slot = (*cur)[path.back()];
      if (shape_of(leaf) == Shape::array) {
        if (!slot.is_array()) slot = json::array();
        slot.as_array().push_back(coerce_scalar(v, items_of(leaf)));
      } else {
        slot = coerce_scalar(v, leaf);
      }
    }
    return o;
  }
  if (shape == Shape::object && p.explode && p.style == Style::form && p.content_type.empty()) {
    // each property is its own pair: ?a=1&b=2
    json::object o;
    const schema::Info& in = schema::info(schema::resolve(p.schema));
    for (const auto& pr : pairs) {
      std::string key = percent_decode(pr.name, true);
      schema::SchemaRef ps = schema::property(p.schema, key);
      if (!ps && !in.additional_properties) continue;
      present = true;
      o[key] = coerce_scalar(percent_decode(pr.value, true), ps ? ps : in.additional_properties);
    }
    return o;
  }
  std::vector<const Pair*> mine;
  for (const auto& pr : pairs) {
    if (pr.name == p.name || percent_decode(pr.name, true) == p.name) mine.push_back(&pr);
  }
  if (mine.empty()) return nullptr;
  present = true;
  if (!p.content_type.empty()) return parse_content_value(p, percent_decode(mine.front()->value, true));
  if (shape == Shape::primitive) {
    if (!mine.front()->has_value) return json::value("");
    return coerce_scalar(percent_decode(mine.front()->value, true), p.schema);
  }
  char sep = p.style == Style::space_delimited ? ' ' : p.style == Style::pipe_delimited ? '|' : ',';
  if (shape == Shape::array) {
    schema::SchemaRef items = items_of(p.schema);
    json::array a;
    if (p.explode) {
      for (const Pair* pr : mine) a.push_back(coerce_scalar(percent_decode(pr->value, true), items));
      return a;
    }
    std::string joined = percent_decode(mine.front()->value, true);
    if (joined.empty()) return a;
    if (sep == ',') {
      // split before decoding so an encoded comma (%2C) stays inside its item
      for (auto r : split(mine.front()->value, ',')) a.push_back(coerce_scalar(percent_decode(r, true), items));
      return a;
    }
    for (auto r : split(joined, sep)) a.push_back(coerce_scalar(r, items));
    return a;
  }
  // object, not exploded: ?name=k,v,k,v
  auto parts = split(mine.front()->value, sep == ',' ? ',' : sep);
  return object_from_list(parts, p.schema, false, true);
}

}  // namespace

json::value deserialize_query(const Parameter& p, std::string_view query, bool& present) {
  return query_value(p, parse_pairs(query), present);
}

const MediaType* choose_media_type(const std::vector<MediaType>& content, std::string_view content_type) {
  std::string want = essence(content_type);
  std::size_t slash = want.find('/');
  std::string major = want.substr(0, slash);
  const MediaType* range = nullptr;
  const MediaType* any = nullptr;
  for (const auto& mt : content) {
    std::string have = essence(mt.type);
    if (have == want) return &mt;
    if (have == "*/*") {
      if (!any) any = &mt;
    } else if (have.size() > 2 && have.compare(have.size() - 2, 2, "/*") == 0 && slash != std::string::npos &&
               have.compare(0, have.size() - 2, major) == 0) {
      if (!range) range = &mt;
    }
  }
  return range ? range : any;
}

namespace {

bool is_json_type(std::string_view ess) {
  return ess == "application/json" || ess == "text/json" ||
         (ess.size() > 5 && ess.compare(ess.size() - 5, 5, "+json") == 0);
}

json::value form_object(const std::vector<Pair>& pairs, schema::SchemaRef s) {
  json::object o;
  for (const auto& pr : pairs) {
    std::string key = percent_decode(pr.name, true);
    std::string v = percent_decode(pr.value, true);
    schema::SchemaRef ps = property_of(s, key);
    if (shape_of(ps) == Shape::array) {
      json::value& slot = o[key];
      if (!slot.is_array()) slot = json::array();
      slot.as_array().push_back(coerce_scalar(v, items_of(ps)));
    } else if (!o.contains(key)) {
      o[key] = coerce_scalar(v, ps);
    }
  }
  return o;
}

bool parse_multipart(std::string_view body, const std::string& boundary, schema::SchemaRef s, json::value& out,
                     std::string& error) {
  if (boundary.empty()) {
    error = "multipart/form-data without a boundary parameter";
    return false;
  }
  std::string delim = "--" + boundary;
  json::object o;
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) {
    error = "multipart body does not contain its boundary";
    return false;
  }
  pos += delim.size();
  std::size_t parts = 0;
  while (true) {
    if (body.substr(pos, 2) == "--") break;  // closing delimiter
    if (body.substr(pos, 2) == "\r\n")
      pos += 2;
    else if (body.substr(pos, 1) == "\n")
      pos += 1;
    else {
      error = "malformed multipart delimiter";
      return false;
    }
    std::size_t hdr_end = body.find("\r\n\r\n", pos);
    std::size_t hdr_len = 4;
    if (hdr_end == std::string_view::npos) {
      hdr_end = body.find("\n\n", pos);
      hdr_len = 2;
    }
    if (hdr_end == std::string_view::npos) {
      error = "multipart part without a blank line after its headers";
      return false;
    }
    std::string_view headers = body.substr(pos, hdr_end - pos);
    std::size_t data_start = hdr_end + hdr_len;
    std::size_t next = body.find(delim, data_start);
    if (next == std::string_view::npos) {
      error = "multipart body is not closed by its boundary";
      return false;
    }
    std::size_t data_end = next;
    if (data_end >= 2 && body.substr(data_end - 2, 2) == "\r\n")
      data_end -= 2;
    else if (data_end >= 1 && body[data_end - 1] == '\n')
      data_end -= 1;
    std::string_view data = body.substr(data_start, data_end > data_start ? data_end - data_start : 0);
    std::string name, part_type;
    bool is_file = false;
    for (std::string_view line : split(headers, '\n')) {
      line = trim(line);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view hn = trim(line.substr(0, colon)), hv = trim(line.substr(colon + 1));
      if (iequal(hn, "Content-Disposition")) {
        name = media_param(hv, "name");
        is_file = hv.find("filename") != std::string_view::npos;
      } else if (iequal(hn, "Content-Type")) {
        part_type = essence(hv);
      }
    }
    if (++parts > 10000) {
      error = "too many multipart parts";
      return false;
    }
    if (!name.empty()) {
      schema::SchemaRef ps = property_of(s, name);
      json::value v;
      if (!is_file && is_json_type(part_type)) {
        json::error_code ec;
        json::parse_options po;
        po.max_depth = 64;
        v = json::parse(data, ec, {}, po);
        if (ec) v = json::value(data);
      } else if (is_file) {
        v = json::value(data);
      } else {
        v = coerce_scalar(data, shape_of(ps) == Shape::array ? items_of(ps) : ps);
      }
      if (shape_of(ps) == Shape::array && !v.is_array()) {
        json::value& slot = o[name];
        if (!slot.is_array()) slot = json::array();
        slot.as_array().push_back(std::move(v));
      } else {
        o[name] = std::move(v);
      }
    }
    pos = next + delim.size();
    if (pos > body.size()) break;
  }
  out = std::move(o);
  return true;
}

}  // namespace

bool parse_body(std::string_view media_type, std::string_view content_type_header, std::string_view body,
                schema::SchemaRef s, std::size_t max_depth, json::value& out, std::string& error,
                json::storage_ptr storage) {
  std::string ess = essence(media_type);
  if (is_json_type(ess)) {
    json::parse_options po;
    po.max_depth = max_depth;
    json::error_code ec;
    json::stream_parser p({}, po);
    p.reset(std::move(storage));
    std::size_t n = p.write(body.data(), body.size(), ec);
    if (!ec) p.finish(ec);
    if (ec) {
      error = ec == json::error::too_deep ? "JSON nested deeper than " + std::to_string(max_depth) + " levels"
                                          : "invalid JSON at byte " + std::to_string(n) + ": " + ec.message();
      return false;
    }
    out = p.release();
    return true;
  }
  if (ess == "application/x-www-form-urlencoded") {
    out = form_object(parse_pairs(body), s);
    return true;
  }
  if (ess == "multipart/form-data") return parse_multipart(body, media_param(content_type_header, "boundary"), s, out, error);
  out = json::value(body);
  return true;
}

// --- validation ---------------------------------------------------------------------------------------

namespace {

void add_violation(std::vector<schema::Violation>& v, std::string pointer, std::string keyword, std::string message) {
  v.push_back({std::move(pointer), {}, std::move(keyword), std::move(message)});
}

void check(schema::SchemaRef s, const json::value& value, const std::string& pointer, schema::Direction dir,
           std::size_t max, std::vector<schema::Violation>& out, bool& truncated) {
  if (!s || out.size() >= max) return;
  if (schema::is_valid(s, value, dir)) return;
  schema::ValidateOptions vo;
  vo.direction = dir;
  vo.max_violations = max - out.size();
  vo.instance_prefix = pointer;
  schema::Result r = schema::validate(s, value, vo);
  truncated = truncated || r.truncated;
  for (auto& v : r.violations) out.push_back(std::move(v));
}

std::string header_value(std::span<const http::Field> headers, std::string_view name, bool& present) {
  std::string out;
  present = false;
  for (const auto& f : headers)
    if (iequal(f.name, name)) {
      if (present) out += ',';
      out += trim(f.value);
      present = true;
    }
  return out;
}

// A parameter's value as the request gives it, deserialised by its style; `present` says
// whether the request gives it at all.
json::value parameter_value(const Parameter& p, const RequestInput& in, const std::vector<Pair>& pairs,
                            const std::vector<std::pair<std::string_view, std::string_view>>& cookies, bool& present) {
  switch (p.in) {
    case ParameterIn::path:
      for (const auto& pp : in.path_params)
        if (pp.name == p.name) {
          present = true;
          return deserialize_simple_value(p, pp.value);
        }
      return {};
    case ParameterIn::query: return query_value(p, pairs, present);
    case ParameterIn::header: {
      std::string raw = header_value(in.headers, p.name, present);
      if (present) return deserialize_simple_value(p, raw);
      return {};
    }
    case ParameterIn::cookie:
      for (const auto& [n, val] : cookies)
        if (n == p.name) {
          Parameter simple = p;
          simple.style = Style::simple;  // form style in a cookie: "a,b" for arrays, same split
          present = true;
          return deserialize_simple_value(simple, percent_decode(val));
        }
      return {};
  }
  return {};
}

}  // namespace

RequestValidation validate_request(const Operation& op, const RequestInput& in, const RequestOptions& opts) {
  RequestValidation rv;
  std::vector<Pair> pairs = parse_pairs(in.query);
  // cookies: "a=1; b=2"
  std::vector<std::pair<std::string_view, std::string_view>> cookies;
  for (const auto& f : in.headers)
    if (iequal(f.name, "Cookie"))
      for (auto c : split(f.value, ';')) {
        c = trim(c);
        std::size_t eq = c.find('=');
        if (eq != std::string_view::npos) cookies.emplace_back(trim(c.substr(0, eq)), trim(c.substr(eq + 1)));
      }

  for (const Parameter& p : op.parameters) {
    bool present = false;
    json::value v = parameter_value(p, in, pairs, cookies, present);
    std::string_view loc = to_string(p.in);
    if (!present) {
      if (p.required)
        add_violation(rv.violations, pointer_for(loc, p.name), "required",
                      "the required " + std::string(loc) + " parameter '" + p.name + "' is missing");
      continue;
    }
    bool empty_allowed = p.allow_empty_value && v.is_string() && v.as_string().empty();
    // The pointer is spelled only for a value that breaks its schema.
    if (!empty_allowed && p.schema && rv.violations.size() < opts.max_violations &&
        !schema::is_valid(p.schema, v, schema::Direction::request))
      check(p.schema, v, pointer_for(loc, p.name), schema::Direction::request, opts.max_violations, rv.violations, rv.truncated);
    const std::uint8_t bit = p.in == ParameterIn::path     ? keep_path
                             : p.in == ParameterIn::query  ? keep_query
                             : p.in == ParameterIn::header ? keep_header
                                                           : keep_cookie;
    if (!(opts.keep & bit)) continue;
    json::object* dest = p.in == ParameterIn::path     ? &rv.path
                         : p.in == ParameterIn::query  ? &rv.query
                         : p.in == ParameterIn::header ? &rv.header
                                                       : &rv.cookie;
    if (dest->capacity() == 0) dest->reserve(op.parameters.size());  // one allocation, no rehash
    dest->insert_or_assign(p.name, std::move(v));
  }

  if (op.request_body) {
    const RequestBody& rb = *op.request_body;
    std::string_view ct = in.content_type;
    if (ct.empty())
      for (const auto& f : in.headers)
        if (iequal(f.name, "Content-Type")) {
          ct = trim(f.value);
          break;
        }
    bool has_body = in.has_body || !in.body.empty() || !ct.empty();
    if (!has_body && rb.from_query_parameters && !rb.content.empty()) {
      // the fields of a Proxmox-style body may come in the query string
      const MediaType& form = rb.content.front();
      rv.body = form_object(pairs, form.schema);
      rv.media_type = form.type;
      if (!rv.body.as_object().empty() || rb.required)
        check(form.schema, rv.body, "/body", schema::Direction::request, opts.max_violations, rv.violations, rv.truncated);
    } else if (!has_body) {
      if (rb.required) add_violation(rv.violations, "/body", "required", "a request body is required");
    } else {
      const MediaType* mt = nullptr;
      if (ct.empty()) {
        if (!rb.content.empty()) mt = &rb.content.front();
      } else {
        mt = choose_media_type(rb.content, ct);
      }
      if (!mt) {
        std::string expected;
        for (const auto& m : rb.content) expected += (expected.empty() ? "" : ", ") + m.type;
        rv.status = 415;
        add_violation(rv.violations, "/header/Content-Type", "contentType",
                      "unsupported media type '" + std::string(ct) + "'; expected " +
                          (expected.empty() ? std::string("no body") : expected));
        return rv;
      }
      rv.media_type = mt->type;
      // a wildcard entry parses by what was actually sent
      std::string parse_as = mt->type.find('*') != std::string::npos && !ct.empty() ? essence(ct) : mt->type;
      std::string error;
      json::value body;
      if (!parse_body(parse_as, ct.empty() ? std::string_view(mt->type) : ct, in.body, mt->schema, opts.max_body_depth,
                      body, error)) {
        add_violation(rv.violations, "/body", "syntax", error);
      } else {
        if (rb.from_query_parameters && body.is_object()) {
          // fields given in the query string too; the body wins
          json::value q = form_object(pairs, mt->schema);
          for (auto& kv : q.as_object())
            if (!body.as_object().contains(kv.key())) body.as_object()[kv.key()] = kv.value();
        }
        check(mt->schema, body, "/body", schema::Direction::request, opts.max_violations, rv.violations, rv.truncated);
        rv.body = std::move(body);
      }
    }
  }
  if (!rv.violations.empty() && rv.status == 0) rv.status = 400;
  return rv;
}

namespace {
constexpr std::size_t kResponseMaxDepth = 256;  // JSON nesting accepted in an answer
}  // namespace

ResponseValidation validate_response(const Operation& op, int status, std::string_view content_type,
                                     std::string_view body, std::span<const http::Field> headers) {
  ResponseValidation out;
  out.response = op.find_response(status);
  if (!out.response) {
    add_violation(out.violations, "/status", "status",
                  "status " + std::to_string(status) + " is not declared for " + op.method_name + " " + op.path);
    return out;
  }
  const Response& r = *out.response;
  bool truncated = false;
  for (const Header& h : r.headers) {
    bool present = false;
    std::string raw = header_value(headers, h.name, present);
    std::string ptr = pointer_for("header", h.name);
    if (!present) {
      if (h.required) add_violation(out.violations, ptr, "required", "the required header '" + h.name + "' is missing");
      continue;
    }
    Parameter p;
    p.name = h.name;
    p.in = ParameterIn::header;
    p.style = Style::simple;
    p.explode = false;
    p.schema = h.schema;
    check(h.schema, deserialize_simple_value(p, raw), ptr, schema::Direction::response, 100, out.violations, truncated);
  }
  bool has_body = !body.empty();
  if (r.content.empty()) {
    if (has_body && !content_type.empty())
      add_violation(out.violations, "/header/Content-Type", "contentType",
                    "the response " + r.status + " declares no content, but a body of type '" + std::string(content_type) +
                        "' was sent");
    return out;
  }
  if (!has_body && content_type.empty()) return out;  // e.g. HEAD, or an empty answer
  const MediaType* mt = content_type.empty() ? &r.content.front() : choose_media_type(r.content, content_type);
  if (!mt) {
    std::string expected;
    for (const auto& m : r.content) expected += (expected.empty() ? "" : ", ") + m.type;
    add_violation(out.violations, "/header/Content-Type", "contentType",
                  "content type '" + std::string(content_type) + "' is not declared for " + r.status + "; expected " +
                      expected);
    return out;
  }
  std::string parse_as = mt->type.find('*') != std::string::npos && !content_type.empty() ? essence(content_type) : mt->type;
  // A JSON answer is first checked straight from its text (one pass, no value built): when it
  // is valid — the common case — that is all. Otherwise the value is built below to report the
  // syntax error or the violations, exactly as without this pass.
  if (mt->schema && is_json_type(essence(parse_as)) &&
      schema::is_valid_text(mt->schema, body, schema::Direction::response, kResponseMaxDepth) ==
          schema::TextValidity::valid)
    return out;
  // The body is checked and dropped: build it in one arena (a block sized from the body, rarely
  // grown) rather than a heap block per node. Declared before `v`, which it must outlive.
  json::monotonic_resource arena(std::min<std::size_t>(body.size() * 3 + 1024, std::size_t{16} << 20));
  json::storage_ptr in_arena(&arena);
  json::value v(in_arena);  // (same storage as the parse's result: moved in, not copied)
  std::string error;
  if (!parse_body(parse_as, content_type, body, mt->schema, kResponseMaxDepth, v, error, in_arena)) {
    add_violation(out.violations, "/body", "syntax", error);
    return out;
  }
  check(mt->schema, v, "/body", schema::Direction::response, 100, out.violations, truncated);
  return out;
}

}  // namespace oasis::spec
