package io.ringmq.transport.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One packet received by {@link RawMqttClient}: fixed-header type and flags plus the body, with small decoders for
 * the packets a broker sends. Decoding is deliberately independent of the broker's codec.
 */
public final class RawPacket
{
    private final int type;
    private final int flags;
    private final byte[] body;

    RawPacket(final int firstByte, final byte[] body)
    {
        this.type = (firstByte >>> 4) & 0x0F;
        this.flags = firstByte & 0x0F;
        this.body = body;
    }

    /** @return packet type, e.g. {@link RawPackets#CONNACK}. */
    public int type()
    {
        return type;
    }

    /** @return the low nibble of the first byte. */
    public int flags()
    {
        return flags;
    }

    /** @return the body after the fixed header. */
    public byte[] body()
    {
        return body.clone();
    }

    /** @return packet identifier of an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK). */
    public int packetId()
    {
        return new Reader(body).u16();
    }

    /**
     * Reason code of a CONNACK (return code in 3.x), DISCONNECT, AUTH, or MQTT 5 PUBACK/PUBREC/PUBREL/PUBCOMP.
     * A short DISCONNECT or acknowledgement means 0x00 Success.
     *
     * @return the reason code.
     */
    public int reasonCode()
    {
        return switch (type)
        {
            case RawPackets.CONNACK -> body[1] & 0xFF;
            case RawPackets.DISCONNECT, RawPackets.AUTH -> body.length == 0 ? 0 : body[0] & 0xFF;
            case RawPackets.PUBACK, RawPackets.PUBREC, RawPackets.PUBREL, RawPackets.PUBCOMP ->
                body.length <= 2 ? 0 : body[2] & 0xFF;
            default -> throw new AssertionError("no reason code in packet type " + type);
        };
    }

    /** @return the CONNACK session present flag. */
    public boolean sessionPresent()
    {
        assertType(RawPackets.CONNACK);
        return (body[0] & 0x01) != 0;
    }

    /**
     * MQTT 5 properties of a CONNACK, DISCONNECT, AUTH, PUBACK-family or SUBACK packet.
     *
     * @return the properties, empty when the packet is too short to carry any.
     */
    public RawProperties properties()
    {
        final Reader reader = new Reader(body);
        switch (type)
        {
            case RawPackets.CONNACK -> reader.skip(2);
            case RawPackets.DISCONNECT, RawPackets.AUTH -> reader.skip(1);
            case RawPackets.PUBACK, RawPackets.PUBREC, RawPackets.PUBREL, RawPackets.PUBCOMP -> reader.skip(3);
            case RawPackets.SUBACK, RawPackets.UNSUBACK -> reader.skip(2);
            default -> throw new AssertionError("no properties in packet type " + type);
        }
        return reader.remaining() <= 0 ? RawProperties.read(new Reader(new byte[]{ 0 })) : RawProperties.read(reader);
    }

    /**
     * @param version protocol level the connection uses.
     * @return the SUBACK return/reason codes.
     */
    public List<Integer> subAckCodes(final int version)
    {
        assertType(RawPackets.SUBACK);
        final Reader reader = new Reader(body);
        reader.skip(2);
        if (version >= PacketBuilder.MQTT_5)
        {
            RawProperties.read(reader);
        }
        final List<Integer> codes = new ArrayList<>();
        while (reader.remaining() > 0)
        {
            codes.add(reader.u8());
        }
        return codes;
    }

    /**
     * @param version protocol level the connection uses.
     * @return this PUBLISH decoded.
     */
    public Publish publish(final int version)
    {
        assertType(RawPackets.PUBLISH);
        final int qos = (flags >>> 1) & 0x03;
        final Reader reader = new Reader(body);
        final String topic = reader.utf8();
        final int packetId = qos > 0 ? reader.u16() : 0;
        final RawProperties properties = version >= PacketBuilder.MQTT_5 ?
            RawProperties.read(reader) : RawProperties.read(new Reader(new byte[]{ 0 }));
        final byte[] payload = reader.bytes(reader.remaining());
        return new Publish(topic, packetId, qos, (flags & 0x08) != 0, (flags & 0x01) != 0, properties, payload);
    }

    private void assertType(final int expected)
    {
        if (type != expected)
        {
            throw new AssertionError("expected packet type " + expected + " but was " + this);
        }
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("RawPacket{type=").append(type).append(", flags=").append(flags)
            .append(", body=");
        for (int i = 0; i < Math.min(body.length, 64); i++)
        {
            sb.append(String.format(Locale.ROOT, "%02x", body[i]));
        }
        return sb.append(body.length > 64 ? "...}" : "}").toString();
    }

    /**
     * A decoded PUBLISH.
     *
     * @param topic      topic name (empty when a topic alias stands for it).
     * @param packetId   packet identifier, 0 for QoS 0.
     * @param qos        delivery QoS.
     * @param dup        DUP flag.
     * @param retain     RETAIN flag.
     * @param properties MQTT 5 properties (empty below 5).
     * @param payload    application message.
     */
    public record Publish(
        String topic, int packetId, int qos, boolean dup, boolean retain, RawProperties properties, byte[] payload)
    {
        /** @return the payload as UTF-8 text. */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Big-endian cursor over a byte array; running past the end is an assertion failure. */
    static final class Reader
    {
        private final byte[] data;
        private int position;

        Reader(final byte[] data)
        {
            this.data = data;
        }

        int position()
        {
            return position;
        }

        int remaining()
        {
            return data.length - position;
        }

        void skip(final int count)
        {
            position += count;
        }

        int u8()
        {
            check(1);
            return data[position++] & 0xFF;
        }

        int u16()
        {
            return u8() << 8 | u8();
        }

        long u32()
        {
            return (long)u16() << 16 | u16();
        }

        int varInt()
        {
            int value = 0;
            int multiplier = 1;
            int digit;
            int count = 0;
            do
            {
                digit = u8();
                value += (digit & 0x7F) * multiplier;
                multiplier *= 128;
                if (++count > 4)
                {
                    throw new AssertionError("variable byte integer longer than 4 bytes");
                }
            }
            while ((digit & 0x80) != 0);
            return value;
        }

        byte[] bytes(final int count)
        {
            check(count);
            final byte[] result = new byte[count];
            System.arraycopy(data, position, result, 0, count);
            position += count;
            return result;
        }

        byte[] binary()
        {
            return bytes(u16());
        }

        String utf8()
        {
            return new String(binary(), StandardCharsets.UTF_8);
        }

        private void check(final int count)
        {
            if (position + count > data.length)
            {
                throw new AssertionError("packet too short: need " + count + " bytes at " + position + " of " +
                    data.length);
            }
        }
    }
}
