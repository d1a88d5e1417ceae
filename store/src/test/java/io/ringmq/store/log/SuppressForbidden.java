package io.ringmq.store.log;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts one element of the store tests from the forbiddenapis check (the build matches any annotation named
 * {@code SuppressForbidden}); {@code store} cannot see the one in {@code core}. Say why in {@link #reason()}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD })
@interface SuppressForbidden
{
    /**
     * Why the forbidden API is needed here.
     *
     * @return the reason, in one sentence.
     */
    String reason();
}
