package io.ringmq.core.config;

/**
 * One setting as it is declared once, in the table of {@link BrokerConfig} or of the transport's server
 * configuration: its name (the command-line option without its dashes and the key in a configuration file), its help
 * text and the kind of value it takes. The command line and {@code --help} are generated from these declarations;
 * the values themselves are checked by the setters of the table, whichever way they arrive.
 *
 * @param name name without dashes, e.g. {@code max-inflight}.
 * @param help one sentence for {@code --help}, with the default in brackets.
 * @param kind what the value is.
 */
public record SettingDeclaration(String name, String help, Kind kind)
{
    /** What a setting's value is, for typed parsing and help. */
    public enum Kind
    {
        /** A whole number. */
        NUMBER,
        /** Any text, checked by the setting's setter. */
        TEXT,
        /** A switch: given alone it means {@code true}; {@code true}/{@code false} may follow it. */
        FLAG
    }
}
