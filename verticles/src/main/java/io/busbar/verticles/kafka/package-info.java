/**
 * Kafka, the hub's way out to the rest of the enterprise: {@link
 * io.busbar.verticles.kafka.KafkaSinkVerticle} sends every event and dead letter ingested on this
 * node to Kafka topics as CloudEvents (Kafka protocol binding, binary mode), through a bounded
 * spool that rides out Kafka outages and, with a spool directory, restarts and kill -9 of the node
 * (CRC-framed segment files, {@code SpoolSegments}); {@link
 * io.busbar.verticles.kafka.KafkaCommandSourceVerticle} reads device commands from a Kafka topic,
 * hands them to the broker over the event bus ({@code Addresses.COMMANDS}) and produces the
 * replies, at least once.
 *
 * <p>Threads: each verticle's own code (bus handlers, spool, round bookkeeping, future callbacks)
 * runs on its event loop, so its state needs no locks. The Kafka clients of vertx-kafka-client run
 * their blocking calls ({@code send} waiting for metadata, {@code poll}, {@code commitSync}) on a
 * worker thread of their own and complete their futures back on the verticle's event loop; the
 * producer's I/O runs on Kafka's own sender thread. The on-disk spool's file I/O ({@code
 * SpoolSegments}) runs on one spool-writer thread (an ordered worker executor of size 1), fed by
 * the sink's event loop. The plain classes ({@link io.busbar.verticles.kafka.CloudEventRecords},
 * {@code Command}, {@code CommandReplies}, {@code Spool}) hold the mapping and the delivery
 * bookkeeping and are unit-tested without Kafka.
 */
package io.busbar.verticles.kafka;
