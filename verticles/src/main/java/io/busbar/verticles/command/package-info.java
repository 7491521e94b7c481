/**
 * Commands to devices (MQTT 5 request/response, Sparkplug host duties): the {@link
 * io.busbar.verticles.command.CommandVerticle} answers {@code busbar.commands} by publishing the
 * command through the broker's event-bus bridge ({@code busbar.mqtt.publish}) and matching the
 * device's response, which it receives through {@code busbar.mqtt.subscribe}, by correlation data;
 * the {@link io.busbar.verticles.command.SparkplugHostVerticle} publishes the host's STATE and the
 * rebirth NCMDs the shared Sparkplug host state asks for.
 *
 * <p>Threading: each verticle runs on its own event-loop context; its consumers, timers and
 * pending-command table are touched only there. {@link io.busbar.verticles.command.CommandRequest}
 * and {@link io.busbar.verticles.command.PendingCommands} are plain Java with no I/O.
 */
package io.busbar.verticles.command;
