/**
 * The operator's view of the Router's state (the admin API): queries and commands that run on the routing thread
 * as ring events ({@link io.ringmq.core.admin.AdminRequest}), so that no lock guards routing state, and the
 * immutable records they answer with, which other threads may read and serialise.
 */
package io.ringmq.core.admin;
