/**
 * The event-bus contract: addresses and message codecs. Codecs run on the sending and receiving
 * threads (event loops); they are stateless.
 */
package io.busbar.codecs.bus;
