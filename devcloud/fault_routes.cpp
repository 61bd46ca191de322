// /_faults: switching faults at run time (and /_clock, moving the clock), for the end-to-end tests that run many
// cases against one devcloud. Only there when devcloud was started with --faults.
#include "faults.hpp"
#include "routes.hpp"

namespace compozy::devcloud {

namespace {

// devcloud binds 127.0.0.1 only; this holds even when something forwards to it.
bool is_from_this_machine(const httplib::Request& request) {
  return request.remote_addr.starts_with("127.") || request.remote_addr == "::1";
}

bool refuse_other_machines(Exchange& exchange) {
  if (is_from_this_machine(exchange.request)) return false;
  send_error(exchange.response, {403, "access_denied", "fault switches answer to this machine only"});
  return true;
}

void add_fault(Exchange& exchange, FaultSwitch& faults, const Authority& authority) {
  if (refuse_other_machines(exchange) || refuse_cross_origin_form(exchange, authority)) return;
  const auto form = read_form(exchange);
  if (!form) return send_error(exchange.response, form.error());
  const auto spec = find_param(*form, "fault");
  if (!spec || form->size() != 1) {
    return send_error(exchange.response, {400, "invalid_request", "expected one parameter, fault=SPEC"});
  }
  auto fault = parse_fault_spec(*spec);
  if (!fault) return send_error(exchange.response, {400, "invalid_request", fault.error().message});
  faults.add(std::move(*fault));
  send_json(exchange.response, 200, faults.describe());
}

// POST /_clock advance=DURATION: the clock moves on, for "unused for 30 days" without a sleep.
void advance_clock(Exchange& exchange, Authority& authority) {
  if (refuse_other_machines(exchange) || refuse_cross_origin_form(exchange, authority)) return;
  const auto form = read_form(exchange);
  if (!form) return send_error(exchange.response, form.error());
  const auto by = parse_duration(find_param(*form, "advance").value_or(""));
  if (!by || form->size() != 1) {
    return send_error(exchange.response, {400, "invalid_request", "expected one parameter, advance=DURATION (30d)"});
  }
  authority.advance_clock(*by);
  send_json(exchange.response, 200, {{"now", format_rfc3339(authority.now())}});
}

}  // namespace

void add_fault_routes(Router& router, FaultSwitch& faults, Authority& authority) {
  FaultSwitch* const f = &faults;
  Authority* const a = &authority;
  router.add("POST", "/_clock", [a](Exchange& exchange) { advance_clock(exchange, *a); });
  router.add("GET", "/_faults", [f](Exchange& exchange) {
    if (!refuse_other_machines(exchange)) send_json(exchange.response, 200, f->describe());
  });
  router.add("POST", "/_faults", [f, a](Exchange& exchange) { add_fault(exchange, *f, *a); });
  router.add("DELETE", "/_faults", [f](Exchange& exchange) {
    if (refuse_other_machines(exchange)) return;
    f->clear();
    send_json(exchange.response, 200, f->describe());
  });
}

}  // namespace compozy::devcloud
