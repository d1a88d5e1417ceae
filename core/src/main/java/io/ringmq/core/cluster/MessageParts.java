package io.ringmq.core.cluster;

import org.agrona.DirectBuffer;

/**
 * Where the three parts of a message are: its topic name, its MQTT 5 properties and its payload. Implemented by the
 * Router's message view, so that {@link ForwardCodec#encode} copies straight from where the message is.
 */
public interface MessageParts
{
    /** @return the buffer holding the topic name. */
    DirectBuffer topicBuffer();

    /** @return the topic's offset. */
    int topicOffset();

    /** @return the topic's length in bytes. */
    int topicLength();

    /** @return the buffer holding the properties. */
    DirectBuffer propertiesBuffer();

    /** @return the properties' offset. */
    int propertiesOffset();

    /** @return the properties' length, 0 for none. */
    int propertiesLength();

    /** @return the buffer holding the payload. */
    DirectBuffer payloadBuffer();

    /** @return the payload's offset. */
    int payloadOffset();

    /** @return the payload's length. */
    int payloadLength();
}
