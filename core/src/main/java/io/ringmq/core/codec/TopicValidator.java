package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Syntax rules for Topic Names and Topic Filters (section 4.7 of MQTT 5.0) and Shared Subscriptions (4.8.2).
 * UTF-8 validity is checked separately by {@link Utf8Validator}; '+', '#' and '/' never appear inside a multi-byte
 * UTF-8 sequence, so scanning bytes is safe.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class TopicValidator
{
    /** Default most levels a topic may have, matching the broker's default {@code max-topic-levels}. */
    public static final int DEFAULT_MAX_LEVELS = 128;
    /** Prefix of a Shared Subscription topic filter, {@code $share/{ShareName}/{filter}}. */
    public static final String SHARE_PREFIX = "$share/";

    private static final byte SEPARATOR = '/';
    private static final byte SINGLE_LEVEL = '+';
    private static final byte MULTI_LEVEL = '#';

    private TopicValidator()
    {
    }

    /**
     * Validate a Topic Name in a buffer: no wildcard characters and no more than {@code maxLevels} levels. Being
     * non-empty is the caller's check, since MQTT 5 allows an empty name together with a Topic Alias. Zero allocation.
     *
     * @param buffer    holding the topic.
     * @param offset    of the first byte.
     * @param length    in bytes.
     * @param maxLevels most levels allowed.
     * @throws MqttProtocolException TOPIC_NAME_INVALID on a wildcard (MQTT-3.3.2-2) or too many levels.
     */
    public static void validateTopicName(
        final DirectBuffer buffer, final int offset, final int length, final int maxLevels)
    {
        int levels = 1;
        for (int i = offset, limit = offset + length; i < limit; i++)
        {
            final byte b = buffer.getByte(i);
            if (b == SEPARATOR)
            {
                levels++;
            }
            else if (b == SINGLE_LEVEL || b == MULTI_LEVEL)
            {
                throw new MqttProtocolException(
                    ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2: Topic Name contains a wildcard character");
            }
        }

        if (levels > maxLevels)
        {
            throw new MqttProtocolException(
                ReasonCode.TOPIC_NAME_INVALID, "4.7: Topic Name has more than " + maxLevels + " levels");
        }
    }

    /**
     * Does a Topic Name in a buffer contain a wildcard character. Zero allocation.
     *
     * @param buffer holding the topic.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return true if '+' or '#' appears.
     */
    public static boolean hasWildcard(final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = offset, limit = offset + length; i < limit; i++)
        {
            final byte b = buffer.getByte(i);
            if (b == SINGLE_LEVEL || b == MULTI_LEVEL)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Validate a Topic Filter, including the Shared Subscription form.
     *
     * @param filter    as received (already UTF-8 validated).
     * @param maxLevels most levels allowed (a shared subscription's levels are counted without the prefix).
     * @throws MqttProtocolException TOPIC_FILTER_INVALID with the rule that was broken.
     */
    public static void validateTopicFilter(final String filter, final int maxLevels)
    {
        final String error = topicFilterError(filter, maxLevels);
        if (null != error)
        {
            throw new MqttProtocolException(ReasonCode.TOPIC_FILTER_INVALID, error);
        }
    }

    /**
     * Check a Topic Filter without throwing, for decoders that fail one subscription rather than the packet.
     *
     * @param filter    as received (already UTF-8 validated).
     * @param maxLevels most levels allowed.
     * @return null if valid, else the message naming the broken rule.
     */
    public static String topicFilterError(final String filter, final int maxLevels)
    {
        if (filter.isEmpty())
        {
            return "MQTT-4.7.3-1: Topic Filter must be at least one character long";
        }

        String plain = filter;
        if (filter.startsWith(SHARE_PREFIX))
        {
            final int shareNameEnd = filter.indexOf('/', SHARE_PREFIX.length());
            if (shareNameEnd == SHARE_PREFIX.length())
            {
                return "MQTT-4.8.2-1: ShareName must be at least one character long";
            }
            if (shareNameEnd < 0)
            {
                return "4.8.2: Shared Subscription has no Topic Filter after the ShareName";
            }
            for (int i = SHARE_PREFIX.length(); i < shareNameEnd; i++)
            {
                final char c = filter.charAt(i);
                if (c == '+' || c == '#')
                {
                    return "MQTT-4.8.2-2: ShareName must not contain '/', '+' or '#'";
                }
            }
            plain = filter.substring(shareNameEnd + 1);
            if (plain.isEmpty())
            {
                return "4.8.2: Shared Subscription has an empty Topic Filter";
            }
        }

        return plainFilterError(plain, maxLevels);
    }

    private static String plainFilterError(final String filter, final int maxLevels)
    {
        final int length = filter.length();
        int levels = 1;
        for (int i = 0; i < length; i++)
        {
            final char c = filter.charAt(i);
            if (c == '/')
            {
                levels++;
            }
            else if (c == '#')
            {
                if (i != length - 1 || (i > 0 && filter.charAt(i - 1) != '/'))
                {
                    return "MQTT-4.7.1-1: '#' must be last in the Topic Filter and alone in its level";
                }
            }
            else if (c == '+')
            {
                final boolean aloneBefore = i == 0 || filter.charAt(i - 1) == '/';
                final boolean aloneAfter = i == length - 1 || filter.charAt(i + 1) == '/';
                if (!aloneBefore || !aloneAfter)
                {
                    return "MQTT-4.7.1-2: '+' must occupy an entire level of the Topic Filter";
                }
            }
        }

        if (levels > maxLevels)
        {
            return "4.7: Topic Filter has more than " + maxLevels + " levels";
        }
        return null;
    }

    /**
     * Is this a Shared Subscription filter.
     *
     * @param filter topic filter.
     * @return true if it starts with {@code $share/}.
     */
    public static boolean isShared(final String filter)
    {
        return filter.startsWith(SHARE_PREFIX);
    }

    /**
     * ShareName of a valid Shared Subscription filter.
     *
     * @param filter a filter for which {@link #isShared(String)} is true and that passed validation.
     * @return the ShareName.
     */
    public static String shareName(final String filter)
    {
        return filter.substring(SHARE_PREFIX.length(), filter.indexOf('/', SHARE_PREFIX.length()));
    }

    /**
     * Topic Filter part of a filter: the part after {@code $share/{ShareName}/} for a shared one, else the filter.
     *
     * @param filter a filter that passed validation.
     * @return the filter to match topics against.
     */
    public static String topicFilter(final String filter)
    {
        return isShared(filter) ? filter.substring(filter.indexOf('/', SHARE_PREFIX.length()) + 1) : filter;
    }

    /**
     * Number of levels of a topic name or filter (separators plus one).
     *
     * @param topic name or filter.
     * @return at least 1.
     */
    public static int levels(final String topic)
    {
        int levels = 1;
        for (int i = 0, length = topic.length(); i < length; i++)
        {
            if (topic.charAt(i) == '/')
            {
                levels++;
            }
        }
        return levels;
    }

    /**
     * Number of levels of a topic in a buffer. Zero allocation.
     *
     * @param buffer holding the topic.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return at least 1.
     */
    public static int levels(final DirectBuffer buffer, final int offset, final int length)
    {
        int levels = 1;
        for (int i = offset, limit = offset + length; i < limit; i++)
        {
            if (buffer.getByte(i) == SEPARATOR)
            {
                levels++;
            }
        }
        return levels;
    }
}
