package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TopicValidatorTest
{
    private static void validateName(final String topic, final int maxLevels)
    {
        final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        TopicValidator.validateTopicName(new UnsafeBuffer(bytes), 0, bytes.length, maxLevels);
    }

    @ParameterizedTest
    @ValueSource(strings = { "a", "a/b", "/", "//", "$SYS/broker", "caf\u00e9/\u20ac", " spaced / topic " })
    void shouldAcceptTopicNames(final String topic)
    {
        assertDoesNotThrow(() -> validateName(topic, 128));
    }

    @ParameterizedTest
    @ValueSource(strings = { "+", "a/+", "a/#", "#", "a+b", "sport/tennis#" })
    void shouldRejectWildcardInTopicNamePerMqtt_3_3_2_2(final String topic)
    {
        assertRejected(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2", () -> validateName(topic, 128));
    }

    @Test
    void shouldRejectTopicNameWithTooManyLevels()
    {
        assertDoesNotThrow(() -> validateName("a/b/c", 3));
        assertRejected(ReasonCode.TOPIC_NAME_INVALID, "4.7", () -> validateName("a/b/c/d", 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "#", "+", "a/#", "a/+", "+/+", "+/a/#", "/#", "a//b", "sport/tennis/+/ranking", "$share/group/a/#",
        "$share/g/+", "$share/g/#", "$shared/x/#" })
    void shouldAcceptTopicFilters(final String filter)
    {
        assertDoesNotThrow(() -> TopicValidator.validateTopicFilter(filter, 128));
        assertNull(TopicValidator.topicFilterError(filter, 128));
    }

    @Test
    void shouldRejectEmptyTopicFilterPerMqtt_4_7_3_1()
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.3-1",
            () -> TopicValidator.validateTopicFilter("", 128));
    }

    @ParameterizedTest
    @ValueSource(strings = { "a#", "a/#/b", "#/", "##", "sport/tennis#", "a/b#" })
    void shouldRejectMisplacedMultiLevelWildcardPerMqtt_4_7_1_1(final String filter)
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1",
            () -> TopicValidator.validateTopicFilter(filter, 128));
    }

    @ParameterizedTest
    @ValueSource(strings = { "a+", "+a", "a/b+/c", "++", "sport+" })
    void shouldRejectSingleLevelWildcardNotAlonePerMqtt_4_7_1_2(final String filter)
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2",
            () -> TopicValidator.validateTopicFilter(filter, 128));
    }

    @Test
    void shouldRejectEmptyShareNamePerMqtt_4_8_2_1()
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-1",
            () -> TopicValidator.validateTopicFilter("$share//a/b", 128));
    }

    @ParameterizedTest
    @ValueSource(strings = { "$share/g+/a", "$share/#/a", "$share/+/a" })
    void shouldRejectWildcardInShareNamePerMqtt_4_8_2_2(final String filter)
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-2",
            () -> TopicValidator.validateTopicFilter(filter, 128));
    }

    @ParameterizedTest
    @ValueSource(strings = { "$share/group", "$share/group/" })
    void shouldRejectSharedSubscriptionWithoutFilter(final String filter)
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "4.8.2",
            () -> TopicValidator.validateTopicFilter(filter, 128));
    }

    @Test
    void shouldRejectInvalidFilterInsideSharedSubscription()
    {
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1",
            () -> TopicValidator.validateTopicFilter("$share/g/a/#/b", 128));
    }

    @Test
    void shouldRejectTopicFilterWithTooManyLevels()
    {
        assertDoesNotThrow(() -> TopicValidator.validateTopicFilter("$share/g/a/b", 2));
        assertRejected(ReasonCode.TOPIC_FILTER_INVALID, "4.7",
            () -> TopicValidator.validateTopicFilter("a/b/c", 2));
    }

    @Test
    void shouldSplitSharedSubscriptions()
    {
        assertTrue(TopicValidator.isShared("$share/g/a/b"));
        assertFalse(TopicValidator.isShared("$shared/g/a"));
        assertEquals("g", TopicValidator.shareName("$share/g/a/b"));
        assertEquals("a/b", TopicValidator.topicFilter("$share/g/a/b"));
        assertEquals("a/b", TopicValidator.topicFilter("a/b"));
        assertEquals(3, TopicValidator.levels("a//b"));
        assertEquals(2, TopicValidator.levels(new UnsafeBuffer("x/y".getBytes(StandardCharsets.UTF_8)), 0, 3));
    }
}
