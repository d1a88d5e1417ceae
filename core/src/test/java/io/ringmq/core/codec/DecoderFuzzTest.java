package io.ringmq.core.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Feeds arbitrary bytes to every server-side decoder, as a client could. The only acceptable outcome for bad
 * input is an {@link MqttProtocolException}; any other exception (index out of bounds, negative array size,
 * NullPointerException) is a decoder bug. Runs the saved corpus in every build; fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -pl core test -Dtest=DecoderFuzzTest}.
 */
class DecoderFuzzTest
{
    private final PublishDecoder publishDecoder = new PublishDecoder();
    private final AckDecoder ackDecoder = new AckDecoder();
    private final DisconnectDecoder disconnectDecoder = new DisconnectDecoder();

    @FuzzTest(maxDuration = "20s")
    void shouldOnlyEverThrowProtocolExceptions(final byte[] input)
    {
        if (input.length < 2)
        {
            return;
        }
        final int version = switch (input[0] & 0x03)
        {
            case 0 -> MqttVersion.MQTT_3_1;
            case 1 -> MqttVersion.MQTT_3_1_1;
            default -> MqttVersion.MQTT_5;
        };
        // The transport hands the Router whole frames only: the first input byte picks the version, the rest is
        // the frame, whose Remaining Length the transport has already checked against the frame's length.
        final byte[] frame = new byte[input.length - 1];
        System.arraycopy(input, 1, frame, 0, frame.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        try
        {
            switch ((frame[0] >> 4) & 0x0F)
            {
                case PacketType.CONNECT -> ConnectDecoder.decode(buffer, 0, frame.length);
                case PacketType.PUBLISH -> publishDecoder.wrap(buffer, 0, frame.length, version);
                case PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP ->
                    ackDecoder.wrap(buffer, 0, frame.length, version);
                case PacketType.SUBSCRIBE -> SubscribeDecoder.decode(buffer, 0, frame.length, version, 128);
                case PacketType.UNSUBSCRIBE -> UnsubscribeDecoder.decode(buffer, 0, frame.length, version);
                case PacketType.PINGREQ -> PingDecoder.validatePingreq(buffer, 0, frame.length);
                case PacketType.DISCONNECT -> disconnectDecoder.wrap(buffer, 0, frame.length, version);
                case PacketType.AUTH -> AuthDecoder.decode(buffer, 0, frame.length, version);
                default -> PingDecoder.decode(buffer, 0, frame.length, version);
            }
        }
        catch (final MqttProtocolException expected)
        {
            // Bad input, reported the way the Router expects.
        }
    }
}
