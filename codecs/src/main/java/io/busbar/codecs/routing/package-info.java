/** The topic → decoder table. Immutable after construction; safe on any thread. */
package io.busbar.codecs.routing;
