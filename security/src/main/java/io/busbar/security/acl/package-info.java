/** Topic access control: which principal may publish or subscribe where. Pure functions. */
package io.busbar.security.acl;
