package io.ringmq.loadtest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The load tester's JSON files (a run's result, {@code merge}, {@code compare}), through Jackson: a result is built as
 * a tree of {@link ObjectNode}s and written pretty-printed; a file is read back as maps, lists, numbers, strings and
 * booleans. Numbers are written as the result files have always had them: a whole number without a fraction, any
 * other with three decimals, and a number that is not finite (a rate over no time) as {@code null}.
 * <p>
 * <b>Threading:</b> thread-safe (the mapper is configured once, then only used).
 */
final class ResultJson
{
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>()
    {
    };
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
        .withArrayValueSpacing(Separators.Spacing.NONE))
        .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance);

    private ResultJson()
    {
    }

    /** @return an empty object to fill. */
    static ObjectNode object()
    {
        return MAPPER.createObjectNode();
    }

    /**
     * @param array  an array to fill.
     * @param values numbers to append.
     * @return the array.
     */
    static ArrayNode add(final ArrayNode array, final long[] values)
    {
        for (final long value : values)
        {
            array.add(value);
        }
        return array;
    }

    /**
     * @param array  an array to fill.
     * @param values numbers to append.
     * @return the array.
     */
    static ArrayNode add(final ArrayNode array, final double[] values)
    {
        for (final double value : values)
        {
            array.add(value);
        }
        return array;
    }

    /**
     * @param root the object to write.
     * @return its JSON text, pretty-printed, ending with a newline.
     */
    static String write(final ObjectNode root)
    {
        final StringWriter text = new StringWriter(4096);
        try (JsonGenerator generator = new ReportNumbers(MAPPER.createGenerator(text).setPrettyPrinter(PRETTY)))
        {
            MAPPER.writeTree(generator, root);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);  // a StringWriter does not fail
        }
        return text.append('\n').toString();
    }

    /**
     * @param text JSON text of an object.
     * @return its fields in file order: values are maps, lists, numbers, strings, booleans or null.
     * @throws IllegalArgumentException if the text is not a JSON object, with the line and column.
     */
    static Map<String, Object> read(final String text)
    {
        try
        {
            final Map<String, Object> map = MAPPER.readValue(text, OBJECT);
            if (null == map)
            {
                throw new IllegalArgumentException("JSON: not an object");
            }
            return map;
        }
        catch (final JacksonException ex)
        {
            throw new IllegalArgumentException("JSON: " + ex.getOriginalMessage() + (null == ex.getLocation() ? "" :
                " at line " + ex.getLocation().getLineNr() + ", column " + ex.getLocation().getColumnNr()), ex);
        }
    }

    /** Writes doubles as the result files have them (see the class comment); everything else as Jackson does. */
    private static final class ReportNumbers extends JsonGeneratorDelegate
    {
        ReportNumbers(final JsonGenerator generator)
        {
            super(generator, false);
        }

        @Override
        public void writeNumber(final double value) throws IOException
        {
            if (Double.isNaN(value) || Double.isInfinite(value))
            {
                delegate.writeNull();
            }
            else if (value == Math.rint(value) && Math.abs(value) < 1e15)
            {
                delegate.writeNumber((long)value);
            }
            else
            {
                delegate.writeNumber(String.format(Locale.ROOT, "%.3f", value));
            }
        }

        @Override
        public void writeNumber(final float value) throws IOException
        {
            writeNumber((double)value);
        }
    }
}
