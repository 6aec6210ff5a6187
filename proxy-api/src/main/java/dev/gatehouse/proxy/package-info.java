/**
 * The vocabulary of Gatehouse: {@link dev.gatehouse.proxy.Route}, {@link dev.gatehouse.proxy.Upstream},
 * the request and response heads that filters see, and the failures the proxy answers with a status.
 *
 * <p>This module has no runtime dependencies, does no I/O and starts no threads. References are never null
 * unless a method says so.
 */
package dev.gatehouse.proxy;
