// cli/routes.cpp — `oasis routes SPEC [--json | --topology]`: the table of every operation the
// document declares (method, path template, operationId, summary), as text or as a JSON array;
// or, with --topology, the collections, items, sub-resources and actions the mock infers.
#include "command.hpp"

#include <oasis/mock/topology.hpp>
#include <oasis/spec/document.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace {

oasis::cli::Run setup(CLI::App& sub) {
  struct Options {
    std::string spec;
    bool json = false;
    bool topology = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("spec", o->spec, "OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML)")->required();
  auto* json = sub.add_flag("--json", o->json, "print a JSON array of {method, path, operationId, summary}");
  sub.add_flag("--topology", o->topology, "print the collections, items, sub-resources and actions `oasis mock` infers")
      ->excludes(json);
  return [o]() -> int {
    oasis::spec::LoadResult r = oasis::spec::Document::load_file(o->spec);
    if (!r.ok()) {
      for (const auto& d : r.diagnostics)
        if (d.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return 2;
    }
    const auto& ops = r.document->operations();
    if (o->topology) {
      std::fputs(oasis::mock::Topology(*r.document).to_text().c_str(), stdout);
      return 0;
    }
    if (o->json) {
      boost::json::array out;
      out.reserve(ops.size());
      for (const auto& op : ops) {
        boost::json::object e;
        e["method"] = op.method_name;
        e["path"] = op.path;
        e["operationId"] = op.operation_id;
        e["summary"] = op.summary;
        out.push_back(std::move(e));
      }
      std::printf("%s\n", boost::json::serialize(out).c_str());
      return 0;
    }
    std::size_t wm = 6, wp = 4, wi = 11;
    for (const auto& op : ops) {
      wm = std::max(wm, op.method_name.size());
      wp = std::max(wp, op.path.size());
      wi = std::max(wi, op.operation_id.size());
    }
    auto row = [&](std::string_view m, std::string_view p, std::string_view id, std::string_view s) {
      std::printf("%-*.*s  %-*.*s  %-*.*s  %.*s\n", int(wm), int(m.size()), m.data(), int(wp), int(p.size()), p.data(),
                  int(wi), int(id.size()), id.data(), int(s.size()), s.data());
    };
    row("METHOD", "PATH", "OPERATIONID", "SUMMARY");
    for (const auto& op : ops) row(op.method_name, op.path, op.operation_id, op.summary);
    return 0;
  };
}

}  // namespace

OASIS_COMMAND("routes", "List every operation of an OpenAPI document (method, path, operationId, summary)", setup, 51);
