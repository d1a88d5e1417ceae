package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;

/**
 * A packet broke an MQTT rule. Carries the MQTT 5 {@link ReasonCode} the server answers with (CONNACK or DISCONNECT
 * for MQTT 5 clients; MQTT 3.x clients just get the connection closed, or a CONNACK return code for CONNECT).
 * <p>
 * Messages start with the normative statement id when the rule has one (e.g. {@code "MQTT-3.3.1-4: ..."}), otherwise
 * with the section number of the rule (e.g. {@code "3.3.2.3.4: ..."}).
 * <p>
 * Stackless: it is thrown for bad client input, where a stack trace costs time and tells nothing.
 * <p>
 * <b>Threading:</b> immutable.
 */
public final class MqttProtocolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int reasonCode;
    private final int protocolVersion;

    /**
     * Exception for a packet whose protocol version is not known to the thrower.
     *
     * @param reasonCode MQTT 5 reason code, e.g. {@link ReasonCode#MALFORMED_PACKET}.
     * @param message    normative statement id, then what was wrong.
     */
    public MqttProtocolException(final int reasonCode, final String message)
    {
        this(reasonCode, message, 0);
    }

    /**
     * Exception for a packet of a known protocol version.
     *
     * @param reasonCode      MQTT 5 reason code, e.g. {@link ReasonCode#MALFORMED_PACKET}.
     * @param message         normative statement id, then what was wrong.
     * @param protocolVersion protocol level of the sender, 0 if not known.
     */
    public MqttProtocolException(final int reasonCode, final String message, final int protocolVersion)
    {
        super(message, null, false, false);
        this.reasonCode = reasonCode;
        this.protocolVersion = protocolVersion;
    }

    /**
     * MQTT 5 reason code to report.
     *
     * @return one of {@link ReasonCode}.
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Protocol level of the offending packet's sender.
     *
     * @return 3, 4 or 5, or whatever level a rejected CONNECT carried; 0 if not known.
     */
    public int protocolVersion()
    {
        return protocolVersion;
    }
}
