/**
 * The filter SPI: {@link dev.gatehouse.proxy.filter.Filter}, the chain it calls and the exchange it sees.
 * References are never null unless a method says so.
 */
package dev.gatehouse.proxy.filter;
