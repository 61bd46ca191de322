#include "pages.hpp"

#include <algorithm>
#include <cctype>

#include "compozy/timestamp.hpp"
#include "compozy/url.hpp"
#include "compozy/version.hpp"

namespace compozy::devcloud {

namespace {

constexpr std::string_view style = R"css(
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f4f6fb;--card:#fff;--brand:#4f46e5;--brand-dark:#4338ca;
--ok:#047857;--ok-bg:#ecfdf5;--bad:#b91c1c;--bad-bg:#fef2f2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg);min-height:100vh;display:flex;flex-direction:column}
header.top{display:flex;align-items:center;justify-content:space-between;padding:14px 28px;background:#fff;
border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:16px;letter-spacing:-.01em;color:var(--ink);
text-decoration:none}
.badge{font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:999px;padding:2px 10px}
main{flex:1;width:100%;max-width:980px;margin:0 auto;padding:40px 20px}
main.center{display:flex;justify-content:center;align-items:flex-start}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px;
box-shadow:0 1px 2px rgba(15,23,42,.04),0 8px 24px rgba(15,23,42,.06)}
.narrow{width:100%;max-width:440px}
h1{font-size:21px;line-height:1.3;margin:0 0 6px;letter-spacing:-.01em}
h2{font-size:16px;margin:0 0 14px}
p{margin:0 0 14px}
.muted{color:var(--muted)}
.small{font-size:13px}
.flush{margin:0}
.app{display:flex;align-items:center;gap:12px;margin-bottom:18px}
.app-icon{width:44px;height:44px;border-radius:12px;background:linear-gradient(135deg,#6366f1,#8b5cf6);color:#fff;
display:flex;align-items:center;justify-content:center;font-weight:700;font-size:19px;flex:none}
.account{display:flex;align-items:center;gap:12px;border:1px solid var(--line);border-radius:10px;padding:10px 12px;
margin:16px 0}
.avatar{width:34px;height:34px;border-radius:50%;background:#e0e7ff;color:var(--brand-dark);display:flex;
align-items:center;justify-content:center;font-weight:700;flex:none}
.account .email{color:var(--muted);font-size:13px}
ul.scopes{list-style:none;padding:0;margin:0 0 18px;border-top:1px solid var(--line)}
ul.scopes li{display:flex;gap:10px;align-items:baseline;padding:10px 0;border-bottom:1px solid var(--line)}
ul.scopes .tick{color:var(--ok);font-weight:700}
ul.scopes code{margin-left:auto;color:#475569;font-size:12px;white-space:nowrap}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;color:#334155;border-radius:6px;
padding:2px 6px;overflow-wrap:anywhere}
label{display:block;font-weight:600;font-size:13px;margin:0 0 6px}
input[type=text],input[type=number],select{width:100%;font:inherit;padding:9px 11px;border:1px solid #cbd5e1;
border-radius:8px;background:#fff;color:var(--ink)}
input:focus,select:focus{outline:2px solid #c7d2fe;border-color:var(--brand)}
.field{margin-bottom:14px}
.picker{margin-top:16px}
.actions{display:flex;gap:10px;justify-content:flex-end;margin-top:8px}
button{font:inherit;font-weight:600;border-radius:8px;padding:9px 18px;cursor:pointer;border:1px solid transparent}
button.primary{background:var(--brand);color:#fff}
button.primary:hover{background:var(--brand-dark)}
button.secondary{background:#fff;color:var(--ink);border-color:#cbd5e1}
button.secondary:hover{background:#f8fafc}
button.danger{background:#fff;color:var(--bad);border-color:#fecaca;padding:5px 12px;font-size:13px}
button.danger:hover{background:var(--bad-bg)}
.code-input{font:600 22px/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.18em;text-align:center;
text-transform:uppercase}
.user-code{font:700 26px/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.16em;text-align:center;
background:#f8fafc;border:1px dashed #cbd5e1;border-radius:10px;padding:12px;margin:0 0 16px}
.callout{border-radius:10px;padding:14px 16px;margin:0 0 20px;border:1px solid}
.callout.ok{background:var(--ok-bg);border-color:#a7f3d0;color:#064e3b}
.callout.bad{background:var(--bad-bg);border-color:#fecaca;color:#7f1d1d}
.callout code{display:block;margin:10px 0 6px;padding:10px 12px;background:#fff;border:1px solid #a7f3d0;
font-size:14px;user-select:all}
.status-icon{width:52px;height:52px;border-radius:50%;display:flex;align-items:center;justify-content:center;
font-size:26px;margin:0 auto 14px}
.status-icon.ok{background:var(--ok-bg);color:var(--ok)}
.status-icon.bad{background:var(--bad-bg);color:var(--bad)}
.centered{text-align:center}
.layout{display:grid;grid-template-columns:190px 1fr;gap:28px}
nav.side .heading{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:4px 10px 8px}
nav.side a,nav.side span{display:block;padding:7px 10px;border-radius:8px;color:var(--ink);text-decoration:none}
nav.side span{color:var(--muted)}
nav.side a.active{background:#e0e7ff;color:var(--brand-dark);font-weight:600}
.crumbs{color:var(--muted);font-size:13px;margin-bottom:4px}
.toolbar{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;margin-bottom:22px}
.switcher{display:flex;gap:8px;align-items:center}
.switcher select{width:auto}
.grid-form{display:grid;grid-template-columns:1fr 170px auto;gap:12px;align-items:end}
.grid-form .field{margin:0}
table{width:100%;border-collapse:collapse;font-size:14px}
th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;
padding:0 10px 10px;border-bottom:1px solid var(--line)}
td{padding:12px 10px;border-bottom:1px solid var(--line);vertical-align:middle}
td.name{font-weight:600}
.pill{font-size:12px;border-radius:999px;padding:1px 8px;background:#f1f5f9;color:var(--muted)}
.pill.bad{background:var(--bad-bg);color:var(--bad)}
.stack>*+*{margin-top:22px}
footer{padding:18px;text-align:center;color:#475569;font-size:12px}
a{color:var(--brand)}
.account-label{font-size:13px;font-weight:600;color:var(--muted);margin:16px 0 -8px}
@media (max-width:720px){.layout{grid-template-columns:1fr}.grid-form{grid-template-columns:1fr}}
@media (max-width:480px){main{padding:20px 12px}.card{padding:22px 18px}.actions button{flex:1;padding:12px 18px}}
)css";

constexpr std::string_view logo =
    "<svg width=\"26\" height=\"26\" viewBox=\"0 0 26 26\" aria-hidden=\"true\">"
    "<rect width=\"26\" height=\"26\" rx=\"7\" fill=\"#4f46e5\"/>"
    "<path d=\"M8 9.5 13 6.5l5 3v7l-5 3-5-3z\" fill=\"none\" stroke=\"#fff\" stroke-width=\"2\" "
    "stroke-linejoin=\"round\"/><circle cx=\"13\" cy=\"13\" r=\"2\" fill=\"#fff\"/></svg>";

std::string layout(std::string_view title, std::string_view main_class, std::string_view content) {
  std::string html;
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta name=\"referrer\" content=\"same-origin\">\n";
  html += "<title>" + escape_html(title) + " \u00b7 Compozy Cloud</title>\n<style>";
  html += style;
  html += "</style>\n</head>\n<body>\n<header class=\"top\"><a class=\"brand\" href=\"/\">";
  html += logo;
  html += "Compozy Cloud</a><span class=\"badge\">devcloud \u00b7 local</span></header>\n";
  html += "<main class=\"" + std::string(main_class) + "\">\n";
  html += content;
  html += "\n</main>\n<footer>compozy-devcloud " + escape_html(compozy::version) +
          " \u00b7 a local stand-in for Compozy Cloud, for development and tests</footer>\n</body>\n</html>\n";
  return html;
}

std::string initial(std::string_view text) {
  for (const unsigned char c : text) {
    if (std::isalnum(c)) return std::string(1, static_cast<char>(std::toupper(c)));
  }
  return "?";
}

std::string scope_list(const Scopes& scopes) {
  std::string html = "<ul class=\"scopes\">";
  for (const std::string& scope : scopes) {
    html += "<li><span class=\"tick\">\u2713</span><span>" + escape_html(describe_scope(scope)) + "</span><code>" +
            escape_html(scope) + "</code></li>";
  }
  return html + "</ul>";
}

// One account is shown as a card with a hidden field; several as a picker.
std::string account_field(const std::vector<Account>& accounts, std::string_view selected) {
  if (accounts.size() == 1) {
    const Account& account = accounts.front();
    return "<p class=\"account-label\">Signed in as</p><div class=\"account\"><div class=\"avatar\">" + initial(account.name) + "</div><div><div>" +
           escape_html(account.name) + "</div><div class=\"email\">" + escape_html(account.email) +
           "</div></div></div>\n<input type=\"hidden\" name=\"account\" value=\"" + escape_html(account.email) + "\">";
  }
  std::string html =
      "<div class=\"field picker\"><label for=\"account\">Continue as</label>"
      "<select id=\"account\" name=\"account\">";
  for (const Account& account : accounts) {
    html += "<option value=\"" + escape_html(account.email) + "\"" + (account.email == selected ? " selected" : "") +
            ">" + escape_html(account.name) + " \u2014 " + escape_html(account.email) + "</option>";
  }
  return html + "</select></div>";
}

std::string decision_buttons() {
  // Deny comes first, so that pressing Enter declines rather than grants.
  return "<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny"
         "</button><button type=\"submit\" name=\"decision\" value=\"approve\" "
         "class=\"primary\">Approve</button></div>";
}

std::string time_cell(const std::optional<TimePoint>& time, std::string_view none) {
  if (!time) return "<span class=\"muted\">" + std::string(none) + "</span>";
  const std::string text = format_rfc3339(*time);
  return "<time datetime=\"" + text + "\">" + text.substr(0, 10) + " " + text.substr(11, 5) + " UTC</time>";
}

// The heading, and a switcher when there is more than one account to act as.
std::string api_keys_toolbar(const ApiKeysPage& page) {
  std::string content =
      "<div class=\"toolbar\"><div><div class=\"crumbs\">Settings \u203a API Keys</div><h1>API Keys</h1>"
      "<p class=\"muted small flush\">Keys act as <strong>" +
      escape_html(page.account.email) +
      "</strong> on the Compozy API. Send one as <code>Authorization: Bearer czk_\u2026</code>.</p></div>";
  if (page.accounts.size() > 1) {
    content +=
        "<form class=\"switcher\" method=\"get\" action=\"/settings/api-keys\"><select name=\"account\" "
        "aria-label=\"Account\">";
    for (const Account& account : page.accounts) {
      content += "<option value=\"" + escape_html(account.email) + "\"" +
                 (account.id == page.account.id ? " selected" : "") + ">" + escape_html(account.email) + "</option>";
    }
    content += "</select><button type=\"submit\" class=\"secondary\">Switch</button></form>";
  }
  return content + "</div>\n";
}

// One box per scope of api_key_scopes, each saying what it allows.
std::string scope_checkboxes(const Scopes& ticked) {
  std::string boxes = "<fieldset class=\"field\" id=\"scopes\"><legend>Scopes</legend>\n";
  for (const std::string& scope : api_key_scopes()) {
    const bool on = std::find(ticked.begin(), ticked.end(), scope) != ticked.end();
    boxes += "<label><input type=\"checkbox\" name=\"scope_" + escape_html(scope) + "\" value=\"on\"" +
             (on ? " checked" : "") + "> <code>" + escape_html(scope) + "</code> " +
             escape_html(describe_api_key_scope(scope)) + "</label><br>\n";
  }
  return boxes + "</fieldset>\n";
}

// Keeps what a refused form held, so that the person corrects it instead of typing it again.
std::string generate_key_form(const ApiKeysPage& page) {
  return "<div class=\"card\"><h2>Generate New Key</h2>\n<form class=\"grid-form\" method=\"post\" "
         "action=\"/settings/api-keys\">\n<input type=\"hidden\" name=\"account\" value=\"" +
         escape_html(page.account.email) +
         "\">\n<div class=\"field\"><label for=\"name\">Name</label><input type=\"text\" id=\"name\" name=\"name\" "
         "maxlength=\"100\" required placeholder=\"e.g. CI deploys\" value=\"" +
         escape_html(page.name) +
         "\"></div>\n<div class=\"field\"><label for=\"expires_in_days\">Expires in (days)</label><input "
         "type=\"number\" id=\"expires_in_days\" name=\"expires_in_days\" min=\"0\" max=\"3650\" "
         "placeholder=\"never\" value=\"" +
         escape_html(page.expires_in_days) + "\"></div>\n" + scope_checkboxes(page.scopes) +
         "<button type=\"submit\" class=\"primary\">Generate New Key</button>\n</form></div>\n";
}

std::string key_scope_list(const Scopes& scopes) {
  std::string list;
  for (const std::string& scope : scopes) list += "<code class=\"scope\">" + escape_html(scope) + "</code> ";
  return list;
}

std::string api_keys_table(const ApiKeysPage& page) {
  if (page.keys.empty()) return "<p class=\"muted\" id=\"no-api-keys\">No API keys yet.</p>";
  std::string table =
      "<table id=\"api-keys\"><thead><tr><th>Name</th><th>Prefix</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th>"
      "<th></th></tr></thead><tbody>\n";
  for (const ApiKey& key : page.keys) {
    const bool expired = key.expires_at && *key.expires_at <= page.now;
    table += "<tr data-key-id=\"" + escape_html(key.id) + "\"><td class=\"name\">" + escape_html(key.name) +
             "</td><td><code>" + escape_html(key.prefix) + "\u2026</code></td><td>" + key_scope_list(key.scopes) +
             "</td><td>" + time_cell(key.created_at, "") + "</td><td>" + time_cell(key.last_used_at, "Never") +
             "</td><td>" + (expired ? "<span class=\"pill bad\">Expired</span>" : time_cell(key.expires_at, "Never")) +
             "</td><td><form method=\"post\" action=\"/settings/api-keys/" + escape_html(key.id) +
             "/revoke\"><input type=\"hidden\" name=\"account\" value=\"" + escape_html(page.account.email) +
             "\"><button type=\"submit\" class=\"danger\">Revoke</button></form></td></tr>\n";
  }
  return table + "</tbody></table>";
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&#39;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

std::string render_consent_page(const ConsentPage& page) {
  std::string content = "<div class=\"card narrow\">\n<div class=\"app\"><div class=\"app-icon\">" +
                        initial(page.client_id) + "</div><div><h1><strong>" + escape_html(page.client_id) +
                        "</strong> wants to access your Compozy account</h1></div></div>\n";
  content += "<form method=\"post\" action=\"/oauth/authorize/decision\">\n";
  content += "<input type=\"hidden\" name=\"request_id\" value=\"" + escape_html(page.request_id) + "\">\n";
  content += account_field(page.accounts, page.selected_email);
  content += "\n<p class=\"muted\">This will allow <strong>" + escape_html(page.client_id) + "</strong> to:</p>\n";
  content += scope_list(page.scopes);
  content += "\n<p class=\"muted small\">Afterwards you will be sent back to <code>" + escape_html(page.return_origin) +
             "</code>.</p>\n";
  content += decision_buttons();
  content += "\n</form>\n</div>";
  return layout("Authorize " + page.client_id, "center", content);
}

std::string render_device_entry_page(std::string_view user_code, std::string_view problem) {
  std::string content =
      "<div class=\"card narrow\">\n<h1>Connect a device</h1>\n"
      "<p class=\"muted\">Enter the code shown in your terminal.</p>\n";
  if (!problem.empty()) content += "<div class=\"callout bad\">" + escape_html(problem) + "</div>\n";
  content +=
      "<form method=\"get\" action=\"/device\">\n<div class=\"field\"><label for=\"user_code\">Code</label>"
      "<input type=\"text\" class=\"code-input\" id=\"user_code\" name=\"user_code\" placeholder=\"XXXX-XXXX\" "
      "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"16\" value=\"" +
      escape_html(user_code) +
      "\"></div>\n<div class=\"actions\"><button type=\"submit\" class=\"primary\">Continue</button></div>\n"
      "</form>\n</div>";
  return layout("Connect a device", "center", content);
}

std::string render_device_consent_page(const DevicePrompt& prompt, const std::vector<Account>& accounts) {
  std::string content = "<div class=\"card narrow\">\n<div class=\"app\"><div class=\"app-icon\">" +
                        initial(prompt.client_id) + "</div><div><h1><strong>" + escape_html(prompt.client_id) +
                        "</strong> on another device wants to access your Compozy account</h1></div></div>\n";
  content += "<p class=\"muted small\">Make sure this code matches the one in your terminal:</p>\n";
  content += "<div class=\"user-code\">" + escape_html(prompt.user_code) + "</div>\n";
  content += "<form method=\"post\" action=\"/device/decision\">\n";
  content += "<input type=\"hidden\" name=\"user_code\" value=\"" + escape_html(prompt.user_code) + "\">\n";
  content += account_field(accounts, {});
  content += "\n<p class=\"muted\">This will allow <strong>" + escape_html(prompt.client_id) + "</strong> to:</p>\n";
  content += scope_list(prompt.scopes);
  content += decision_buttons();
  content += "\n</form>\n</div>";
  return layout("Connect a device", "center", content);
}

std::string render_device_done_page(bool approved, std::string_view client_id, const Account& account) {
  std::string content = "<div class=\"card narrow centered\">\n";
  if (approved) {
    content += "<div class=\"status-icon ok\">\u2713</div><h1>Device connected</h1>\n<p><strong>" +
               escape_html(client_id) + "</strong> on your other device is signed in as <strong>" +
               escape_html(account.email) +
               "</strong>.</p>\n<p class=\"muted\">You can return to your terminal and close this window.</p>\n";
  } else {
    content += "<div class=\"status-icon bad\">\u2715</div><h1>Request denied</h1>\n<p><strong>" +
               escape_html(client_id) + "</strong> on your other device was not given access to <strong>" +
               escape_html(account.email) +
               "</strong>.</p>\n<p class=\"muted\">To sign in after all, start again on that device, for example "
               "with <code>compozy login --device</code>. You can close this window.</p>\n";
  }
  content += "</div>";
  return layout(approved ? "Device connected" : "Request denied", "center", content);
}

std::string render_message_page(std::string_view title, std::string_view message) {
  const std::string content = "<div class=\"card narrow centered\">\n<div class=\"status-icon bad\">!</div><h1>" +
                              escape_html(title) + "</h1>\n<p class=\"muted\">" + escape_html(message) + "</p>\n</div>";
  return layout(title, "center", content);
}

std::string render_home_page(const HomePage& page) {
  std::string content =
      "<div class=\"card narrow\">\n<h1>devcloud is running</h1>\n<p class=\"muted\">A local "
      "Compozy Cloud for development and tests, at <code>" +
      escape_html(page.issuer) + "</code>.</p>\n<ul>\n";
  if (page.compozy_api) content += "<li><a href=\"/settings/api-keys\">Settings \u203a API Keys</a></li>\n";
  content +=
      "<li><a href=\"/device\">Connect a device</a></li>\n"
      "<li><a href=\"/.well-known/openid-configuration\">OpenID Connect metadata</a></li>\n"
      "<li><a href=\"/.well-known/oauth-authorization-server\">OAuth 2.0 metadata</a></li>\n</ul>\n</div>";
  return layout("devcloud", "center", content);
}

std::string render_api_keys_page(const ApiKeysPage& page) {
  const std::string account_query = "?account=" + escape_html(percent_encode(page.account.email));
  std::string content =
      "<div class=\"layout\">\n<nav class=\"side\"><div class=\"heading\">Settings</div>"
      "<span title=\"not part of devcloud\">Profile</span>"
      "<a class=\"active\" href=\"/settings/api-keys" +
      account_query + "\">API Keys</a></nav>\n<section class=\"stack\">\n";
  content += api_keys_toolbar(page);
  if (page.created) {
    content += "<div class=\"callout ok\"><strong>Key \u201c" + escape_html(page.created->key.name) +
               "\u201d created.</strong> Copy it now, it will not be shown again.<code id=\"new-api-key\">" +
               escape_html(page.created->secret) + "</code></div>\n";
  }
  if (!page.problem.empty()) content += "<div class=\"callout bad\">" + escape_html(page.problem) + "</div>\n";
  content += generate_key_form(page);
  content += "<div class=\"card\"><h2>Your keys</h2>\n" + api_keys_table(page) + "</div>\n</section>\n</div>";
  return layout("Settings \u203a API Keys", "", content);
}

}  // namespace compozy::devcloud
