package io.ringmq.transport.auth.scram;

import java.text.Normalizer;

/**
 * SASLprep (RFC 4013, the StringPrep profile of RFC 3454) for SCRAM user names and passwords: non-ASCII spaces map
 * to U+0020, "commonly mapped to nothing" characters are removed, the result is NFKC-normalised, then prohibited
 * characters and bad bidirectional strings are refused. An ASCII string without control characters comes out
 * unchanged.
 * <p>
 * The JDK's Unicode tables are newer than the Unicode 3.2 RFC 3454 fixes, so code points unassigned in the JDK are
 * refused (the "stored strings" rule, applied to queries too); a client normalising with 3.2 tables gets the same
 * result for every assigned character that NFKC did not change between versions.
 */
public final class SaslPrep
{
    private SaslPrep()
    {
    }

    /**
     * @param input a user name or password.
     * @return the prepared string.
     * @throws IllegalArgumentException naming the prohibited character class (never the string itself, which may be
     *                                  a password).
     */
    public static String prepare(final String input)
    {
        final StringBuilder mapped = new StringBuilder(input.length());
        for (int i = 0; i < input.length(); )
        {
            final int cp = input.codePointAt(i);
            i += Character.charCount(cp);
            if (isNonAsciiSpace(cp))
            {
                mapped.append(' ');
            }
            else if (!isMappedToNothing(cp))
            {
                mapped.appendCodePoint(cp);
            }
        }
        final String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        boolean randAl = false;
        boolean leftToRight = false;
        for (int i = 0; i < normalized.length(); )
        {
            final int cp = normalized.codePointAt(i);
            i += Character.charCount(cp);
            final String problem = prohibited(cp);
            if (null != problem)
            {
                throw new IllegalArgumentException("SASLprep: prohibited character (" + problem + ") at index " +
                    (i - Character.charCount(cp)));
            }
            final byte direction = Character.getDirectionality(cp);
            randAl |= isRandAl(direction);
            leftToRight |= direction == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
        }
        if (randAl && (leftToRight || !isRandAl(Character.getDirectionality(normalized.codePointAt(0))) ||
            !isRandAl(Character.getDirectionality(normalized.codePointBefore(normalized.length())))))
        {
            throw new IllegalArgumentException("SASLprep: mixed or badly placed right-to-left characters (RFC 3454 6)");
        }
        return normalized;
    }

    private static boolean isRandAl(final byte direction)
    {
        return direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT ||
            direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }

    /** RFC 3454 C.1.2. */
    private static boolean isNonAsciiSpace(final int cp)
    {
        return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F ||
            cp == 0x3000;
    }

    /** RFC 3454 B.1. */
    private static boolean isMappedToNothing(final int cp)
    {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D) ||
            (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
    }

    /** RFC 4013 section 2.3: tables C.1.2, C.2.1, C.2.2, C.3 to C.9, and unassigned code points. */
    private static String prohibited(final int cp)
    {
        if (cp < 0x20 || cp == 0x7F)
        {
            return "ASCII control";
        }
        if (isNonAsciiSpace(cp))
        {
            return "non-ASCII space";
        }
        if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x06DD || cp == 0x070F || cp == 0x180E || cp == 0x200C ||
            cp == 0x200D || cp == 0x2028 || cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2063) ||
            (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC) ||
            (cp >= 0x1D173 && cp <= 0x1D17A))
        {
            return "non-ASCII control";
        }
        if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
        {
            return "private use";
        }
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        {
            return "non-character";
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
        {
            return "surrogate";
        }
        if (cp == 0xFFFD || (cp >= 0x2FF0 && cp <= 0x2FFB))
        {
            return "inappropriate for plain text or canonical representation";
        }
        if (cp == 0x0340 || cp == 0x0341 || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E))
        {
            return "change display properties";
        }
        if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F))
        {
            return "tagging";
        }
        if (Character.getType(cp) == Character.UNASSIGNED)
        {
            return "unassigned";
        }
        return null;
    }
}
