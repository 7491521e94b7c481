/**
 * Typed, validated node configuration: packaged defaults, a YAML file, {@code BUSBAR_*} environment
 * variables and flags, in that order. Read once at start-up on the main thread.
 */
package io.busbar.hub.config;
