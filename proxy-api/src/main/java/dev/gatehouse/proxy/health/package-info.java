/**
 * The health-check SPI: a {@link dev.gatehouse.proxy.health.HealthChecker} judges one upstream once, with
 * the probes the proxy lends it. References are never null unless a method says so.
 */
package dev.gatehouse.proxy.health;
