package io.ringmq.core.status;

/**
 * Makes text a client supplied (client id, user name, topic, reason string, authentication method) safe to put in a
 * log line: at most {@link #MAX_LENGTH} characters are kept, and nothing in it can start a new line, hide or reorder
 * text, or pass for an escape it did not write.
 * <p>
 * A backslash becomes {@code \\}; line feed, carriage return and tab become {@code \n}, {@code \r}, {@code \t};
 * every other character that is not printable (controls including C1, format characters such as bidirectional
 * overrides and zero-width spaces, line and paragraph separators, unpaired surrogates, private-use and unassigned
 * code points) becomes a Java-style Unicode escape (backslash, 'u', four hex digits), one per UTF-16 unit. Text
 * longer than the limit is cut (never inside a surrogate pair) and ends with {@code ...(+N chars)}, N counting the
 * characters cut.
 * <p>
 * <b>Threading:</b> stateless; any thread.
 */
public final class LogText
{
    /** Characters of client-supplied text kept by {@link #escape(CharSequence)}. */
    public static final int MAX_LENGTH = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText()
    {
    }

    /**
     * @param text client-supplied text, may be null.
     * @return the text escaped and cut to {@link #MAX_LENGTH} characters; "null" for null; the same text as a String
     *     when it needs neither.
     */
    public static String escape(final CharSequence text)
    {
        return escape(text, MAX_LENGTH);
    }

    /**
     * @param text      client-supplied text, may be null.
     * @param maxLength characters of {@code text} to keep, &gt;= 0.
     * @return the text escaped and cut to {@code maxLength} characters; "null" for null.
     */
    public static String escape(final CharSequence text, final int maxLength)
    {
        if (maxLength < 0)
        {
            throw new IllegalArgumentException("maxLength must be >= 0: " + maxLength);
        }
        if (null == text)
        {
            return "null";
        }
        final int length = text.length();
        int keep = Math.min(length, maxLength);
        if (keep > 0 && keep < length &&
            Character.isHighSurrogate(text.charAt(keep - 1)) && Character.isLowSurrogate(text.charAt(keep)))
        {
            keep--;
        }
        if (keep == length && isClean(text))
        {
            return text.toString();
        }
        final StringBuilder out = new StringBuilder(keep + 24);
        int i = 0;
        while (i < keep)
        {
            final int codePoint = Character.codePointAt(text, i);
            final int units = Character.charCount(codePoint);
            append(out, text, i, codePoint, units);
            i += units;
        }
        if (i < length)
        {
            out.append("...(+").append(length - i).append(" chars)");
        }
        return out.toString();
    }

    private static boolean isClean(final CharSequence text)
    {
        for (int i = 0, length = text.length(); i < length; )
        {
            final int codePoint = Character.codePointAt(text, i);
            if ('\\' == codePoint || !isPrintable(codePoint))
            {
                return false;
            }
            i += Character.charCount(codePoint);
        }
        return true;
    }

    private static void append(
        final StringBuilder out, final CharSequence text, final int index, final int codePoint, final int units)
    {
        switch (codePoint)
        {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default ->
            {
                if (isPrintable(codePoint))
                {
                    out.append(text, index, index + units);
                }
                else
                {
                    for (int u = 0; u < units; u++)
                    {
                        appendUnicodeEscape(out, text.charAt(index + u));
                    }
                }
            }
        }
    }

    private static void appendUnicodeEscape(final StringBuilder out, final char c)
    {
        out.append('\\').append('u')
            .append(HEX[(c >>> 12) & 0xF]).append(HEX[(c >>> 8) & 0xF])
            .append(HEX[(c >>> 4) & 0xF]).append(HEX[c & 0xF]);
    }

    private static boolean isPrintable(final int codePoint)
    {
        return switch (Character.getType(codePoint))
        {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
