/**
 * Black-box MQTT conformance suite: real clients (HiveMQ MQTT client, Paho v3 and v5, mosquitto_pub/sub) and a raw
 * socket client ({@link io.ringmq.transport.it.RawMqttClient}) against a broker on a loopback port, one class per
 * spec area ({@code *IT}, run by failsafe in {@code mvn verify}).
 * <p>
 * By default {@link io.ringmq.transport.it.BrokerFixture} starts RingMQ per test class. To check the suite itself
 * against another broker, run one on 127.0.0.1 and pass its port:
 * <pre>
 * mvn -pl transport verify -Dringmq.it.externalPort=1883 -Dit.test='*IT'
 * </pre>
 * Tests that need RingMQ configuration, or that check behaviour where Mosquitto 2.0 deviates from the spec or where
 * the spec leaves a choice that RingMQ makes, call {@code FIXTURE.assumeRingMq(why)} and are skipped against an
 * external broker; the reason string says which case it is. For MQTT 5 protocol errors the spec says the server
 * SHOULD send DISCONNECT (or MAY send CONNACK) with a reason code: RingMQ must, other brokers are only checked when
 * they do ({@link io.ringmq.transport.it.BrokerFixture#assertClosed}).
 */
package io.ringmq.transport.it;
