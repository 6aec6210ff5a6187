package dev.gatehouse.proxy.core.internal.headers;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.net.URIAuthority;

/**
 * A request head: the head the client's parser reads, and the head the proxy sends upstream. Its fields
 * and their {@link FieldFacts} are kept by {@link HeadMessage}. The target is sent as it is given, in
 * origin form; scheme and authority serve only {@link #getUri()}.
 */
public final class HeadRequest extends HeadMessage implements HttpRequest {

    private final String method;
    private String path;
    private String scheme;
    private URIAuthority authority;

    public HeadRequest(String method, String target) {
        this.method = Objects.requireNonNull(method, "method");
        this.path = target;
    }

    @Override
    public String getMethod() {
        return method;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public void setPath(String path) {
        this.path = path;
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    public void setScheme(String scheme) {
        this.scheme = scheme;
    }

    @Override
    public URIAuthority getAuthority() {
        return authority;
    }

    @Override
    public void setAuthority(URIAuthority authority) {
        this.authority = authority;
    }

    @Override
    public String getRequestUri() {
        return path;
    }

    @Override
    public URI getUri() throws URISyntaxException {
        StringBuilder uri = new StringBuilder();
        if (authority != null) {
            uri.append(scheme != null ? scheme : "http").append("://").append(authority);
        }
        if (path == null) {
            uri.append('/');
        } else {
            if (uri.length() > 0 && !path.startsWith("/")) {
                uri.append('/');
            }
            uri.append(path);
        }
        return new URI(uri.toString());
    }

    @Override
    public void setUri(URI uri) {
        scheme = uri.getScheme();
        authority = uri.getHost() != null ? new URIAuthority(uri.getRawUserInfo(), uri.getHost(), uri.getPort()) : null;
        String rawPath = uri.getRawPath();
        String query = uri.getRawQuery();
        path = (rawPath == null || rawPath.isEmpty() ? "/" : rawPath) + (query != null ? "?" + query : "");
    }

    @Override
    public String toString() {
        return appendFields(new StringBuilder().append(method).append(' ').append(path)).toString();
    }
}
