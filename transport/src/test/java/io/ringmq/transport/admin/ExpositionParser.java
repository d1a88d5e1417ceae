package io.ringmq.transport.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (and the OpenMetrics text format with {@code openMetrics}),
 * for tests: every line is {@code # HELP}, {@code # TYPE} or a sample {@code name{labels} value [timestamp]}; names and
 * label names valid; every sample belongs to a family whose TYPE came before it; no series twice. Anything else
 * throws {@link IllegalArgumentException} naming the line.
 */
final class ExpositionParser
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped", "unknown",
        "info", "stateset", "gaugehistogram");
    private static final List<String> SUFFIXES = List.of("_total", "_created", "_bucket", "_count", "_sum", "_info",
        "_gcount", "_gsum");

    /** One sample: its name, its labels in name order, and its value. */
    record Sample(String name, Map<String, String> labels, double value)
    {
    }

    private ExpositionParser()
    {
    }

    /**
     * @param text        the exposition.
     * @param openMetrics whether it is OpenMetrics (then it must end with {@code # EOF}).
     * @return the samples, in order.
     */
    static List<Sample> parse(final String text, final boolean openMetrics)
    {
        final Map<String, String> types = new HashMap<>();
        final Set<String> series = new HashSet<>();
        final List<Sample> samples = new ArrayList<>();
        final String[] lines = text.split("\n", -1);
        if (!"".equals(lines[lines.length - 1]))
        {
            throw new IllegalArgumentException("the text does not end with a newline");
        }
        boolean eof = false;
        for (int i = 0; i < lines.length - 1; i++)
        {
            final String line = lines[i];
            final String where = "line " + (i + 1) + ": " + line;
            if (eof)
            {
                throw new IllegalArgumentException("after # EOF: " + where);
            }
            if (line.startsWith("#"))
            {
                if (openMetrics && "# EOF".equals(line))
                {
                    eof = true;
                    continue;
                }
                comment(line, where, types);
                continue;
            }
            final Sample sample = sample(line, where);
            if (null == familyType(sample.name(), types))
            {
                throw new IllegalArgumentException("sample without a TYPE before it: " + where);
            }
            if (!series.add(sample.name() + sample.labels()))
            {
                throw new IllegalArgumentException("duplicate series: " + where);
            }
            samples.add(sample);
        }
        if (openMetrics && !eof)
        {
            throw new IllegalArgumentException("OpenMetrics text without # EOF");
        }
        return samples;
    }

    private static void comment(final String line, final String where, final Map<String, String> types)
    {
        final String[] parts = line.split(" ", 4);
        if (parts.length < 3 || !"#".equals(parts[0]) || !NAME.matcher(parts[2]).matches())
        {
            throw new IllegalArgumentException("bad comment: " + where);
        }
        switch (parts[1])
        {
            case "HELP", "UNIT" ->
            {
                // Free text after the name.
            }
            case "TYPE" ->
            {
                if (parts.length != 4 || !TYPES.contains(parts[3]))
                {
                    throw new IllegalArgumentException("bad TYPE: " + where);
                }
                if (null != types.put(parts[2], parts[3]))
                {
                    throw new IllegalArgumentException("TYPE given twice: " + where);
                }
            }
            default -> throw new IllegalArgumentException("a comment is neither HELP nor TYPE: " + where);
        }
    }

    private static String familyType(final String name, final Map<String, String> types)
    {
        final String type = types.get(name);
        if (null != type)
        {
            return type;
        }
        for (final String suffix : SUFFIXES)
        {
            if (name.endsWith(suffix))
            {
                final String family = types.get(name.substring(0, name.length() - suffix.length()));
                if (null != family)
                {
                    return family;
                }
            }
        }
        return null;
    }

    private static Sample sample(final String line, final String where)
    {
        final Matcher name = NAME.matcher(line);
        if (!name.lookingAt())
        {
            throw new IllegalArgumentException("bad metric name: " + where);
        }
        int at = name.end();
        final Map<String, String> labels = new TreeMap<>();
        if (at < line.length() && '{' == line.charAt(at))
        {
            at = labels(line, at + 1, labels, where);
        }
        if (at >= line.length() || ' ' != line.charAt(at))
        {
            throw new IllegalArgumentException("no space before the value: " + where);
        }
        final String[] rest = line.substring(at + 1).split(" ", -1);
        if (rest.length > 2)
        {
            throw new IllegalArgumentException("extra fields: " + where);
        }
        final double value = value(rest[0], where);
        if (2 == rest.length)
        {
            value(rest[1], where);
        }
        return new Sample(name.group(), labels, value);
    }

    /** @return the index after the closing brace. */
    private static int labels(final String line, final int from, final Map<String, String> labels, final String where)
    {
        int at = from;
        while (true)
        {
            if (at < line.length() && '}' == line.charAt(at))
            {
                return at + 1;
            }
            final Matcher labelName = LABEL_NAME.matcher(line).region(at, line.length());
            if (!labelName.lookingAt() || labelName.end() + 1 >= line.length() ||
                '=' != line.charAt(labelName.end()) || '"' != line.charAt(labelName.end() + 1))
            {
                throw new IllegalArgumentException("bad label: " + where);
            }
            final StringBuilder value = new StringBuilder();
            at = labelName.end() + 2;
            while (true)
            {
                if (at >= line.length())
                {
                    throw new IllegalArgumentException("unterminated label value: " + where);
                }
                final char c = line.charAt(at++);
                if ('"' == c)
                {
                    break;
                }
                if ('\\' == c)
                {
                    final char escaped = at < line.length() ? line.charAt(at++) : ' ';
                    switch (escaped)
                    {
                        case '\\', '"' -> value.append(escaped);
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException("bad escape in a label value: " + where);
                    }
                    continue;
                }
                value.append(c);
            }
            if (null != labels.put(labelName.group(), value.toString()))
            {
                throw new IllegalArgumentException("label given twice: " + where);
            }
            if (at < line.length() && ',' == line.charAt(at))
            {
                at++;
            }
            else if (at >= line.length() || '}' != line.charAt(at))
            {
                throw new IllegalArgumentException("bad label list: " + where);
            }
        }
    }

    private static double value(final String text, final String where)
    {
        switch (text)
        {
            case "+Inf" ->
            {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" ->
            {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" ->
            {
                return Double.NaN;
            }
            default ->
            {
                try
                {
                    return Double.parseDouble(text);
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("bad value: " + where, ex);
                }
            }
        }
    }

    /**
     * @param samples parsed samples.
     * @param name    a sample name.
     * @param labels  label name, value, name, value...
     * @return its value.
     * @throws AssertionError if there is no such series.
     */
    static double value(final List<Sample> samples, final String name, final String... labels)
    {
        final Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2)
        {
            wanted.put(labels[i], labels[i + 1]);
        }
        for (final Sample sample : samples)
        {
            if (sample.name().equals(name) && sample.labels().equals(wanted))
            {
                return sample.value();
            }
        }
        throw new AssertionError("no series " + name + wanted);
    }
}
