package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.core.internal.headers.Cookies;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sticky sessions by a cookie the proxy issues: a client is pinned to the upstream its cookie names, as
 * long as that upstream may take requests; otherwise, and for clients without the cookie, the fallback
 * strategy picks and the response carries a new cookie. The cookie holds a hash of the upstream's
 * {@code host:port}, not the address itself.
 */
public final class StickyStrategy implements LoadBalancingStrategy {

    private static final long ID_SEED = 0x5851F42D4C957F2DL;

    private final String cookie;
    private final LoadBalancingStrategy fallback;

    /** Creates the strategy; {@code cookie} must be a valid cookie name. */
    public StickyStrategy(String cookie, LoadBalancingStrategy fallback) {
        this.cookie = cookie;
        this.fallback = fallback;
    }

    /** Returns the cookie value that pins a client to {@code upstream}. */
    static String id(Upstream upstream) {
        return Long.toHexString(Hashing.hash(upstream.authority(), ID_SEED));
    }

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        UpstreamSelector backup = fallback.newSelector(upstreams, stats);
        Map<String, Upstream> byId = new HashMap<>();
        Map<Upstream, String> setCookie = new IdentityHashMap<>();
        for (Upstream upstream : upstreams) {
            String id = id(upstream);
            byId.put(id, upstream);
            setCookie.put(upstream, cookie + "=" + id + "; Path=/; HttpOnly; SameSite=Lax");
        }
        return exchange -> {
            String pinned = Cookies.value(exchange.request(), cookie);
            if (pinned != null) {
                Upstream upstream = byId.get(pinned);
                if (upstream != null) {
                    return upstream;
                }
            }
            Upstream chosen = backup.select(exchange);
            String header = chosen != null ? setCookie.get(chosen) : null;
            if (header != null && exchange instanceof ResponseCookies) {
                ((ResponseCookies) exchange).setResponseCookie(header);
            }
            return chosen;
        };
    }

    @Override
    public String toString() {
        return "sticky(" + cookie + ", " + fallback + ")";
    }
}
