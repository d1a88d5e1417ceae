package io.ringmq.loadtest;

import java.util.List;
import java.util.Locale;

/**
 * The load scenarios: who publishes, who subscribes to what, and how many receivers each message should reach.
 * <p>
 * <b>Threading:</b> immutable.
 */
enum Scenario
{
    FAN_IN("fan-in", "P publishers (own topic each) -> S subscribers of a '+' wildcard over all of them"),
    FAN_OUT("fan-out", "1 publisher (or P) on one topic -> S subscribers of that topic"),
    PAIRS("pairs", "N point-to-point pairs: publisher i -> subscriber i on topic i"),
    SHARED("shared", "P publishers -> S consumers of one shared subscription ($share/GROUP/...)"),
    IDLE("idle", "N connections held open with keep-alive only; RSS per connection"),
    CONNECT_STORM("connect-storm", "open N connections as fast as possible; with --reconnect, churn them"),
    PERSISTENT("persistent", "persistent-session subscribers go offline, messages queue, they come back"),
    ISOLATION("isolation", "N QoS 1 pairs plus one stalled subscriber to '#' (--stalled connected|offline|none)");

    private final String command;
    private final String description;

    Scenario(final String command, final String description)
    {
        this.command = command;
        this.description = description;
    }

    /**
     * Subcommand name.
     *
     * @return e.g. "fan-in".
     */
    String command()
    {
        return command;
    }

    /**
     * One-line description for the help text.
     *
     * @return text.
     */
    String description()
    {
        return description;
    }

    /**
     * Scenario of a subcommand.
     *
     * @param command name.
     * @return the scenario, or null.
     */
    static Scenario of(final String command)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.command.equals(command.toLowerCase(Locale.ROOT)))
            {
                return scenario;
            }
        }
        return null;
    }

    /**
     * True when the scenario publishes messages.
     *
     * @return false for idle and connect-storm.
     */
    boolean messaging()
    {
        return this != IDLE && this != CONNECT_STORM;
    }

    void applyDefaults(final LoadOptions o)
    {
        switch (this)
        {
            case FAN_IN ->
            {
                o.publishers = o.publishers < 0 ? 8 : o.publishers;
                o.subscribers = o.subscribers < 0 ? 1 : o.subscribers;
            }
            case FAN_OUT ->
            {
                o.publishers = o.publishers < 0 ? 1 : o.publishers;
                o.subscribers = o.subscribers < 0 ? 100 : o.subscribers;
            }
            case PAIRS, ISOLATION ->
            {
                final int pairs = o.connections >= 0 ? o.connections :
                    o.publishers >= 0 ? o.publishers : o.subscribers >= 0 ? o.subscribers : 10;
                o.connections = pairs;
                o.publishers = pairs;
                o.subscribers = pairs;
                if (this == ISOLATION)
                {
                    isolationDefaults(o);
                }
            }
            case SHARED ->
            {
                o.publishers = o.publishers < 0 ? 4 : o.publishers;
                o.subscribers = o.subscribers < 0 ? 4 : o.subscribers;
            }
            case IDLE, CONNECT_STORM ->
            {
                o.connections = o.connections < 0 ? 1000 : o.connections;
                o.publishers = 0;
                o.subscribers = 0;
            }
            case PERSISTENT ->
            {
                o.publishers = o.publishers < 0 ? 1 : o.publishers;
                o.subscribers = o.subscribers < 0 ? 10 : o.subscribers;
            }
            default -> throw new IllegalStateException(name());
        }
    }

    /**
     * Isolation: QoS 1 at 10 msg/s per pair with a 5 s keep-alive, and every healthy client pings once per
     * keep-alive even while it sends, so a broker that stops answering PINGREQs is noticed.
     */
    private static void isolationDefaults(final LoadOptions o)
    {
        if (!o.given.contains("--qos"))
        {
            o.qos = new int[]{ 1 };
        }
        if (!o.given.contains("--keep-alive"))
        {
            o.keepAliveSeconds = 5;
        }
        if (!o.given.contains("--rate") && !o.given.contains("--total-rate"))
        {
            o.ratePerPublisher = 10;
        }
        o.pingAlways = true;
    }

    private static String prefix(final LoadOptions o)
    {
        return "lt/" + o.runId;
    }

    /**
     * Topic of a publisher.
     *
     * @param o           options.
     * @param publisherId global index.
     * @return Topic Name.
     */
    String topic(final LoadOptions o, final int publisherId)
    {
        return switch (this)
        {
            case FAN_IN -> prefix(o) + "/in/" + publisherId;
            case FAN_OUT -> prefix(o) + "/out";
            case PAIRS -> prefix(o) + "/pair/" + publisherId;
            case ISOLATION -> prefix(o) + "/iso/" + publisherId;
            case SHARED -> prefix(o) + "/sh/" + publisherId;
            case PERSISTENT -> prefix(o) + "/ps/" + publisherId;
            default -> throw new IllegalStateException("no publishers in " + command);
        };
    }

    /**
     * Topic Filter of a subscriber.
     *
     * @param o             options.
     * @param subscriberIdx global index.
     * @return Topic Filter.
     */
    String filter(final LoadOptions o, final int subscriberIdx)
    {
        return switch (this)
        {
            case FAN_IN -> prefix(o) + "/in/+";
            case FAN_OUT -> prefix(o) + "/out";
            case PAIRS -> prefix(o) + "/pair/" + subscriberIdx;
            case ISOLATION -> prefix(o) + "/iso/" + subscriberIdx;
            case SHARED -> "$share/" + o.group + "/" + prefix(o) + "/sh/+";
            case PERSISTENT -> prefix(o) + "/ps/+";
            default -> throw new IllegalStateException("no subscribers in " + command);
        };
    }

    /**
     * Receivers of this process that should get each publisher's messages, given which subscribers are ready.
     *
     * @param publisherCount  global publisher count.
     * @param readyReceivers  global indices of the ready receivers of this process.
     * @return per publisher id, the number of local receivers that should get each of its messages.
     */
    int[] expectedReceivers(final int publisherCount, final List<Integer> readyReceivers)
    {
        final int[] expected = new int[publisherCount];
        switch (this)
        {
            case PAIRS, ISOLATION ->
            {
                for (final int index : readyReceivers)
                {
                    if (index < publisherCount)
                    {
                        expected[index] = 1;
                    }
                }
            }
            case SHARED -> java.util.Arrays.fill(expected, readyReceivers.isEmpty() ? 0 : 1);
            default -> java.util.Arrays.fill(expected, readyReceivers.size());
        }
        return expected;
    }
}
