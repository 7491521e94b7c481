/**
 * Security: who a device or application is ({@link io.busbar.security.Principal}, proven by a JWT)
 * and what it may do (topic ACLs). Plain Java; futures complete on the caller's context.
 */
package io.busbar.security;
