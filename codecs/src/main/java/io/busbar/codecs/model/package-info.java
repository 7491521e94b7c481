/**
 * The canonical model: {@link io.busbar.codecs.model.Event} and what decoders return. Immutable
 * records, safe to share between threads and to pass on the local event bus without copying.
 */
package io.busbar.codecs.model;
