package io.ringmq.core.admin;

/**
 * What became of a message an operator published.
 *
 * @param matched subscriptions it matched.
 * @param outcome {@code routed}, {@code no-subscribers} or {@code journal-full} (not stored: the broker refuses
 *                writes; deliveries that went ahead are at least once).
 */
public record PublishResult(int matched, String outcome)
{
}
