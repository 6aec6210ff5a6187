package dev.gatehouse.proxy.health;

/** The verdict of one health check. */
public enum HealthStatus {
    /** The upstream can take requests. */
    HEALTHY,
    /** The upstream should not get requests. */
    UNHEALTHY
}
