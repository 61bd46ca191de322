// The endpoints, in two groups: the standard OAuth 2.0 / OpenID Connect ones that any
// provider has, and the Compozy account API and dashboard (left out by --without-compozy-api);
// and the fault switches that tests use.
#pragma once

#include "authority.hpp"
#include "faults.hpp"
#include "http.hpp"

namespace compozy::devcloud {

void add_oauth_routes(Router& router, Authority& authority);
void add_compozy_routes(Router& router, Authority& authority);
// GET, POST and DELETE /_faults (with --faults only).
void add_fault_routes(Router& router, FaultSwitch& faults, Authority& authority);

// Browser forms that change something answer a post from another origin (CSRF) with a
// 403 page, and return true.
bool refuse_cross_origin_form(Exchange& exchange, const Authority& authority);

}  // namespace compozy::devcloud
