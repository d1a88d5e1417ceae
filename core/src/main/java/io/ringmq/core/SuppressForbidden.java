package io.ringmq.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts one type, method, constructor or field from the forbiddenapis check (the build matches any annotation
 * named {@code SuppressForbidden}). Use it on the smallest element that needs it and say why in {@link #reason()},
 * e.g. a non-portable JDK class that has no portable equivalent, or a command-line tool's terminal output.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD })
public @interface SuppressForbidden
{
    /**
     * Why the forbidden API is needed here.
     *
     * @return the reason, in one sentence.
     */
    String reason();
}
