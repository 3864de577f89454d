# Varnish 7 in front of the newsroom CMS (docs/operations.md, "Caching proxies and CDNs").
#
# It keeps anonymous GET and HEAD answers for as long as the service's Cache-Control allows,
# serves them stale for the stale-while-revalidate window while it fetches a fresh copy, and
# drops them the moment the service purges one of their surrogate keys: the service sends
# `PURGE` with the keys in `xkey-purge` to each URL of CDN_PURGE_URLS after every change.
# Requires vmod_xkey (Debian: apt-get install varnish varnish-modules).
vcl 4.1;

import std;
import xkey;

# The service. The only block an operator has to edit.
backend default { .host = "127.0.0.1"; .port = "3000"; }

# Who may purge: the service's own address. Add the addresses of every host that runs it.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "A purge names its keys in xkey-purge"));
        }
        # A hard purge: the next request fetches a fresh answer, it is never served stale.
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Invalidated " + req.http.x-purged + " objects"));
    }
    # Writes, and anything else that is not a read, go straight through.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Answers to staff (any API key) hold drafts and are never shared; the API uses no cookies,
    # so a request with one is someone's browser session that the service may not expect shared.
    if (req.http.Authorization || req.http.Cookie) {
        return (pass);
    }
    return (hash);
}

sub vcl_backend_response {
    # Keep the keys with the object: xkey indexes the `xkey` header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Only what the service says a shared cache may keep: `public`, never `private` or
    # `no-store` (staff answers, errors, an answer with too many keys to name).
    if (bereq.uncacheable || beresp.http.Cache-Control !~ "(^|[ ,])public($|[ ,])" || beresp.http.Cache-Control ~ "private|no-store|no-cache" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Varnish takes the TTL from max-age (or s-maxage); stale-while-revalidate is the grace, in
    # which a stale copy is served while a fresh one is fetched in the background.
    if (beresp.http.Cache-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control, ".*stale-while-revalidate=([0-9]+).*", "\1") + "s", 0s);
    } else {
        set beresp.grace = 0s;
    }
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    return (deliver);
}
