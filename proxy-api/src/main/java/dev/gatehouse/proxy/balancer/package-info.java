/**
 * The load-balancing SPI: a {@link dev.gatehouse.proxy.balancer.LoadBalancingStrategy} makes
 * {@link dev.gatehouse.proxy.balancer.UpstreamSelector}s. References are never null unless a method says so.
 */
package dev.gatehouse.proxy.balancer;
