/**
 * Access control: which principal may publish or subscribe where ({@link
 * io.busbar.security.acl.TopicAcl}, topic templates per kind of principal from the {@code acl}
 * config section) and what backend roles may do ({@link io.busbar.security.acl.BackendAccess}).
 * Pure functions of immutable rules, called on the broker's and HTTP event loops.
 */
package io.busbar.security.acl;
