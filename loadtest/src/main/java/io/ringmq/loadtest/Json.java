package io.ringmq.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Minimal JSON writer and parser for the result files: objects become {@link LinkedHashMap}, arrays {@link ArrayList},
 * numbers {@link Double}. No dependency, no reflection.
 * <p>
 * <b>Threading:</b> a writer instance is not thread-safe; {@link #parse(String)} is.
 */
final class Json
{
    private final StringBuilder sb = new StringBuilder(4096);
    private final boolean[] first = new boolean[64];
    private int depth;
    private int indent;

    /**
     * Start an object (at the top level or as an array element).
     *
     * @return this.
     */
    Json beginObject()
    {
        separator();
        sb.append('{');
        push();
        return this;
    }

    /**
     * Start an object as a named field.
     *
     * @param name field name.
     * @return this.
     */
    Json beginObject(final String name)
    {
        name(name);
        sb.append('{');
        push();
        return this;
    }

    Json endObject()
    {
        pop();
        newline();
        sb.append('}');
        return this;
    }

    Json beginArray(final String name)
    {
        name(name);
        sb.append('[');
        push();
        return this;
    }

    Json endArray()
    {
        pop();
        sb.append(']');
        return this;
    }

    Json field(final String name, final String value)
    {
        name(name);
        string(value);
        return this;
    }

    Json field(final String name, final long value)
    {
        name(name);
        sb.append(value);
        return this;
    }

    Json field(final String name, final double value)
    {
        name(name);
        number(value);
        return this;
    }

    Json field(final String name, final boolean value)
    {
        name(name);
        sb.append(value);
        return this;
    }

    Json array(final String name, final long[] values)
    {
        name(name);
        sb.append('[');
        for (int i = 0; i < values.length; i++)
        {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        sb.append(']');
        return this;
    }

    Json array(final String name, final double[] values)
    {
        name(name);
        sb.append('[');
        for (int i = 0; i < values.length; i++)
        {
            if (i > 0)
            {
                sb.append(',');
            }
            number(values[i]);
        }
        sb.append(']');
        return this;
    }

    /**
     * Array element that is itself a number array (compact, one line).
     *
     * @param values numbers.
     * @return this.
     */
    Json element(final double[] values)
    {
        separator();
        sb.append('[');
        for (int i = 0; i < values.length; i++)
        {
            if (i > 0)
            {
                sb.append(',');
            }
            number(values[i]);
        }
        sb.append(']');
        return this;
    }

    @Override
    public String toString()
    {
        return sb.toString();
    }

    private void push()
    {
        depth++;
        first[depth] = true;
        indent++;
    }

    private void pop()
    {
        depth--;
        indent--;
    }

    private void separator()
    {
        if (depth > 0)
        {
            if (!first[depth])
            {
                sb.append(',');
            }
            first[depth] = false;
            newline();
        }
    }

    private void newline()
    {
        sb.append('\n');
        for (int i = 0; i < indent; i++)
        {
            sb.append("  ");
        }
    }

    private void name(final String name)
    {
        separator();
        string(name);
        sb.append(": ");
    }

    private void number(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            sb.append("null");
        }
        else if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            sb.append((long)value);
        }
        else
        {
            sb.append(String.format(Locale.ROOT, "%.3f", value));
        }
    }

    private void string(final String value)
    {
        if (null == value)
        {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    // ----------------------------------------------------------------------------------------------------------------

    /**
     * Parse a JSON text.
     *
     * @param text JSON.
     * @return Map, List, Double, String, Boolean or null.
     * @throws IllegalArgumentException with the offset of the error.
     */
    static Object parse(final String text)
    {
        final Parser parser = new Parser(text);
        final Object value = parser.value();
        parser.skipWhitespace();
        if (parser.position != text.length())
        {
            throw parser.error("trailing characters");
        }
        return value;
    }

    private static final class Parser
    {
        private final String text;
        private int position;

        Parser(final String text)
        {
            this.text = text;
        }

        Object value()
        {
            skipWhitespace();
            if (position >= text.length())
            {
                throw error("unexpected end");
            }
            final char c = text.charAt(position);
            switch (c)
            {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    expect("true");
                    return Boolean.TRUE;
                case 'f':
                    expect("false");
                    return Boolean.FALSE;
                case 'n':
                    expect("null");
                    return null;
                default:
                    return number();
            }
        }

        private Map<String, Object> object()
        {
            final Map<String, Object> map = new LinkedHashMap<>();
            position++;
            skipWhitespace();
            if (peek() == '}')
            {
                position++;
                return map;
            }
            while (true)
            {
                skipWhitespace();
                final String key = string();
                skipWhitespace();
                if (peek() != ':')
                {
                    throw error("expected ':'");
                }
                position++;
                map.put(key, value());
                skipWhitespace();
                final char c = peek();
                position++;
                if (c == '}')
                {
                    return map;
                }
                if (c != ',')
                {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array()
        {
            final List<Object> list = new ArrayList<>();
            position++;
            skipWhitespace();
            if (peek() == ']')
            {
                position++;
                return list;
            }
            while (true)
            {
                list.add(value());
                skipWhitespace();
                final char c = peek();
                position++;
                if (c == ']')
                {
                    return list;
                }
                if (c != ',')
                {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string()
        {
            if (peek() != '"')
            {
                throw error("expected '\"'");
            }
            position++;
            final StringBuilder sb = new StringBuilder();
            while (position < text.length())
            {
                final char c = text.charAt(position++);
                if (c == '"')
                {
                    return sb.toString();
                }
                if (c == '\\')
                {
                    final char e = text.charAt(position++);
                    switch (e)
                    {
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' ->
                        {
                            sb.append((char)Integer.parseInt(text.substring(position, position + 4), 16));
                            position += 4;
                        }
                        default -> sb.append(e);
                    }
                }
                else
                {
                    sb.append(c);
                }
            }
            throw error("unterminated string");
        }

        private Double number()
        {
            final int start = position;
            while (position < text.length() && "+-0123456789.eE".indexOf(text.charAt(position)) >= 0)
            {
                position++;
            }
            if (start == position)
            {
                throw error("unexpected character '" + text.charAt(position) + "'");
            }
            return Double.valueOf(text.substring(start, position));
        }

        private void expect(final String word)
        {
            if (!text.startsWith(word, position))
            {
                throw error("expected " + word);
            }
            position += word.length();
        }

        private char peek()
        {
            if (position >= text.length())
            {
                throw error("unexpected end");
            }
            return text.charAt(position);
        }

        void skipWhitespace()
        {
            while (position < text.length() && Character.isWhitespace(text.charAt(position)))
            {
                position++;
            }
        }

        IllegalArgumentException error(final String message)
        {
            return new IllegalArgumentException("JSON: " + message + " at offset " + position);
        }
    }
}
