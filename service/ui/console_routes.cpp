// SPDX-License-Identifier: Apache-2.0
#include "service/ui/console_routes.hpp"

#include <functional>
#include <map>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "service/ui/console_actions.hpp"
#include "service/ui/console_assets.hpp"
#include "service/ui/console_session.hpp"
#include "service/ui/console_views.hpp"
#include "service/ui/history_feed.hpp"

namespace dmc::service::ui {

namespace {

constexpr const char *kJson = "application/json";

// Everything under /ui: only this origin's own files run, nothing is framed
// or cached, no referrer leaves the page.
void harden(httplib::Response &res, const char *cache_control = "no-store")
{
    res.set_header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
                                              "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                              "base-uri 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", cache_control);
}

void send_json(httplib::Response &res, int status, const json &body)
{
    harden(res);
    res.status = status;
    res.set_content(body.dump(), kJson);
}

void send_error(httplib::Response &res, int status, const std::string &message)
{
    send_json(res, status, {{"error", message}});
}

// The login form, with one of a few fixed messages (never request text).
void send_login(httplib::Response &res, int status, const char *message)
{
    const ConsoleAsset *page = find_console_asset("login.html");
    std::string html(page->text());
    const std::string marker = "<!--message-->";
    if (auto at = html.find(marker); at != std::string::npos && message && *message)
        html.replace(at, marker.size(), std::string("<p class=\"login-error\" id=\"login-error\">") + message + "</p>");
    harden(res);
    res.status = status;
    res.set_content(html, page->content_type);
}

class Console {
public:
    Console(const std::shared_ptr<rpc::Dispatcher> &dispatcher, const std::string &token)
        : session_(token), history_(std::make_shared<StageHistory>()), views_(dispatcher, history_),
          actions_(dispatcher)
    {
        feed_stage_history(*dispatcher, history_);
    }
    // The route tables capture `this`.
    Console(const Console &) = delete;
    Console &operator=(const Console &) = delete;

    bool authorized(const httplib::Request &req) const
    {
        if (req.has_header("Authorization")) return session_.bearer_matches(req.get_header_value("Authorization"));
        const std::string value = cookie_value(req.get_header_value("Cookie"), ConsoleSession::kCookieName);
        return !value.empty() && session_.valid(value, unix_now());
    }

    void page(const httplib::Request &req, httplib::Response &res) const
    {
        if (!authorized(req)) return send_login(res, 200, "");
        const ConsoleAsset *page = find_console_asset("index.html");
        harden(res);
        res.set_content(std::string(page->text()), page->content_type);
    }

    void login(const httplib::Request &req, httplib::Response &res) const
    {
        if (!req.has_param("token") || !session_.token_matches(req.get_param_value("token"))) {
            spdlog::warn("console: refused a login from {} (wrong token)", req.remote_addr);
            return send_login(res, 401, "Wrong token: paste the content of the manager's &lt;home&gt;/token file.");
        }
        harden(res);
        res.set_header("Set-Cookie", session_.set_cookie_header(session_.mint(unix_now())));
        res.set_redirect("/ui", 303);
    }

    void logout(httplib::Response &res) const
    {
        harden(res);
        res.set_header("Set-Cookie", session_.clear_cookie_header());
        res.set_redirect("/ui", 303);
    }

    void view(const httplib::Request &req, httplib::Response &res)
    {
        if (!authorized(req)) return send_error(res, 401, kUnauthorized);
        const auto it = views_by_name_.find(req.matches[1]);
        if (it == views_by_name_.end())
            return send_error(res, 404,
                              "no such console view (summary, queue, sectors, workers, stores, failures, "
                              "stages)");
        auto out = it->second(req);
        if (!out) return send_error(res, 500, out.error().message);
        send_json(res, 200, *out);
    }

    void action(const httplib::Request &req, httplib::Response &res)
    {
        if (!authorized(req)) return send_error(res, 401, kUnauthorized);
        if (req.get_header_value("Content-Type").rfind(kJson, 0) != 0)
            return send_error(res, 415, "send the action as a JSON object (Content-Type: application/json)");
        if (req.body.size() > kMaxActionBody)
            return send_error(res, 413, "the action body is larger than " + std::to_string(kMaxActionBody) + " bytes");
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return send_error(res, 400, "the body is not a JSON object");
        const std::string name = req.matches[1];
        const auto it = actions_by_name_.find(name);
        if (it == actions_by_name_.end()) return send_error(res, 404, "no console action " + name);
        const ActionAnswer answer = it->second(body);
        spdlog::info("console: {} from {} -> {}", name, req.remote_addr, answer.status);
        send_json(res, answer.status, answer.body);
    }

private:
    static constexpr const char *kUnauthorized = "unauthorized: log in at /ui or send Authorization: Bearer <token>";
    // Actions take a few fields; anything larger is not one.
    static constexpr size_t kMaxActionBody = 64 * 1024;
    using View = std::function<Result<json>(const httplib::Request &)>;
    using Action = std::function<ActionAnswer(const json &)>;

    static json sector_filter(const httplib::Request &req)
    {
        json filter = json::object();
        if (req.has_param("online")) filter["online"] = req.get_param_value("online") == "true";
        if (req.has_param("store")) filter["store"] = req.get_param_value("store");
        if (req.has_param("miner")) {
            const std::string m = req.get_param_value("miner");
            if (!m.empty() && m.size() < 20 && m.find_first_not_of("0123456789") == std::string::npos)
                filter["miner"] = std::stoull(m);
        }
        return filter;
    }

    ConsoleSession session_;
    std::shared_ptr<StageHistory> history_;
    ConsoleViews views_;
    ConsoleActions actions_;
    const std::map<std::string, View> views_by_name_ = {
        {"summary", [this](const httplib::Request &) { return views_.summary(); }},
        {"queue", [this](const httplib::Request &) { return views_.queue(); }},
        {"sectors", [this](const httplib::Request &req) { return views_.sectors(sector_filter(req)); }},
        {"workers", [this](const httplib::Request &) { return views_.workers(); }},
        {"stores", [this](const httplib::Request &) { return views_.stores(); }},
        {"failures", [this](const httplib::Request &) { return views_.failures(); }},
        {"stages", [this](const httplib::Request &) { return Result<json>(views_.stages()); }},
    };
    const std::map<std::string, Action> actions_by_name_ = {
        {"rebuild", [this](const json &body) { return actions_.rebuild(body, false); }},
        {"repair-cache", [this](const json &body) { return actions_.rebuild(body, true); }},
        {"cancel", [this](const json &body) { return actions_.cancel(body); }},
        {"priority", [this](const json &body) { return actions_.set_priority(body); }},
        {"check", [this](const json &body) { return actions_.check_store(body); }},
        {"thread/pause", [this](const json &body) { return actions_.pause_thread(body); }},
        {"thread/resume", [this](const json &body) { return actions_.resume_thread(body); }},
    };
};

} // namespace

void mount_console(httplib::Server &server, const std::shared_ptr<rpc::Dispatcher> &dispatcher,
                   const std::string &token)
{
    auto console = std::make_shared<Console>(dispatcher, token);
    const auto page = [console](const httplib::Request &req, httplib::Response &res) { console->page(req, res); };
    server.Get("/ui", page);
    server.Get("/ui/", page);
    server.Post("/ui/login",
                [console](const httplib::Request &req, httplib::Response &res) { console->login(req, res); });
    server.Post("/ui/logout", [console](const httplib::Request &, httplib::Response &res) { console->logout(res); });
    server.Get(R"(/ui/assets/([A-Za-z0-9._-]+))", [](const httplib::Request &req, httplib::Response &res) {
        const ConsoleAsset *asset = find_console_asset(std::string(req.matches[1]));
        if (!asset || std::string_view(asset->name).ends_with(".html"))
            return send_error(res, 404, "no such console file");
        harden(res, "no-cache");
        res.set_content(std::string(asset->text()), asset->content_type);
    });
    server.Get(R"(/ui/api/([a-z-]+))",
               [console](const httplib::Request &req, httplib::Response &res) { console->view(req, res); });
    server.Post(R"(/ui/api/([a-z-]+(?:/[a-z-]+)?))",
                [console](const httplib::Request &req, httplib::Response &res) { console->action(req, res); });
}

} // namespace dmc::service::ui
