/**
 * The broker as one of the nodes of a cluster: the replicated route table (filter → nodes, kept by
 * announcements on the event bus), forwarding of a PUBLISH once to each node with matching
 * subscribers, retained messages replicated to every node, the cluster-wide client directory
 * (client-id uniqueness, session hand-over, wills of dead members), persistent sessions replicated
 * in a cluster-wide map and adopted by the oldest survivor when their node dies. See {@code
 * docs/cluster.md}.
 *
 * <p>Threading: everything runs on the broker verticle's one event-loop context; results of the
 * event bus and the cluster-wide map are brought back to it. Membership callbacks come on Hazelcast
 * threads and are handed to that context.
 */
package io.busbar.verticles.mqtt.cluster;
