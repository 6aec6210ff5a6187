package dev.gatehouse.proxy.core.internal.balancer;

/** Lets a built-in selector set a cookie on the response of the exchange it picked an upstream for. */
public interface ResponseCookies {

    /** Sets {@code Set-Cookie: value} on the response, if it comes from the upstream; a later call replaces it. */
    void setResponseCookie(String value);
}
