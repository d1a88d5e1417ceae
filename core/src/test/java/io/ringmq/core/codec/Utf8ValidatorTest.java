package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class Utf8ValidatorTest
{
    private static void validate(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[bytes.length + 4]);
        buffer.putBytes(2, bytes);
        Utf8Validator.validate(buffer, 2, bytes.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "a", "sensors/building-1/floor-22/temperature", "caf\u00e9", "\u20ac100", "emoji \uD83D\uDE00 ok",
        "\uFEFFbom kept" })
    void shouldAcceptWellFormedStrings(final String value)
    {
        assertDoesNotThrow(() -> validate(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldAcceptValidFourByteSequence()
    {
        assertDoesNotThrow(() -> validate(hex("F09F9880")));
        assertDoesNotThrow(() -> validate(hex("F48FBFBF")));
    }

    @Test
    void shouldRejectNullCharacterPerMqtt_1_5_4_2()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-2", () -> validate(hex("6100")));
    }

    @Test
    void shouldRejectNullCharacterInsideLongAsciiRunPerMqtt_1_5_4_2()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-2",
            () -> validate("abcdefgh\u0000ijklmnop".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRejectLoneSurrogatePerMqtt_1_5_4_1()
    {
        final MqttProtocolException ex =
            assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> validate(hex("61 EDA080 62")));
        assertTrue(ex.getMessage().contains("surrogate"), ex.getMessage());
        assertEquals(Utf8Validator.SURROGATE, Utf8Validator.check(new UnsafeBuffer(hex("EDBFBF")), 0, 3, true));
    }

    @ParameterizedTest
    @ValueSource(strings = { "C080", "C1BF", "E08080", "E09FBF", "F0808080", "F08FBFBF" })
    void shouldRejectOverlongEncodingsPerMqtt_1_5_4_1(final String overlong)
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> validate(hex(overlong)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "80", "BF", "E282", "F09F98", "F4908080", "F5808080", "FF", "C3 41", "E2 28 A1" })
    void shouldRejectIllFormedSequencesPerMqtt_1_5_4_1(final String illFormed)
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> validate(hex(illFormed)));
    }

    @Test
    void shouldNotReadPastTheGivenLength()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(hex("61 62 E2"));
        assertDoesNotThrow(() -> Utf8Validator.validate(buffer, 0, 2));
    }

    @Test
    void shouldAllowNullCharacterInPayloadCheck()
    {
        assertTrue(Utf8Validator.isWellFormed(new UnsafeBuffer(hex("6100 62")), 0, 3));
        assertFalse(Utf8Validator.isWellFormed(new UnsafeBuffer(hex("EDA080")), 0, 3));
    }

    @Test
    void shouldValidateJavaStrings()
    {
        assertDoesNotThrow(() -> Utf8Validator.validate("ok \uD83D\uDE00"));
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> Utf8Validator.validate("bad \uD800"));
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> Utf8Validator.validate("\uDC00"));
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-2", () -> Utf8Validator.validate("a\u0000"));
    }
}
