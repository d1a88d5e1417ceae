package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Result files through Jackson: the same fields and structure as the files written before, and those files read. */
@Timeout(10)
class ResultJsonTest
{
    /** A result file written by the load tester before Jackson (its own JSON writer), kept as it was. */
    private static final String OLD_FILE = "result-format-1.json";

    private static String oldFile() throws IOException
    {
        try (InputStream in = ResultJsonTest.class.getResourceAsStream(OLD_FILE))
        {
            assertNotNull(in, OLD_FILE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldReadAResultFileInTheFormatWrittenBeforeJackson() throws IOException
    {
        final LoadResult old = LoadResult.fromJson(ResultJson.read(oldFile()));
        assertEquals("isolation", old.scenario);
        assertEquals(150, old.sent);
        assertEquals(3, old.lost);
        assertEquals(1234.568, old.achievedRate, 1e-9);
        assertEquals(0, old.receiveRate, 0.0, "null (a rate over no time) reads as 0");
        assertEquals(2, old.histogram.getTotalCount());
        assertEquals(LoadOptions.STALLED_OFFLINE, old.stalledMode);
        assertEquals(5000L, old.sys.get("publish/messages/dropped/queue-full"));
        assertEquals(1L, old.errors.get("closedByBroker"));
        assertEquals(1, old.timeline.size());
        assertEquals(20, old.timeline.get(0)[2], 1e-9);
        assertEquals(List.of(12.5, 50.0), List.of(old.threadCpuPercent[0], old.threadCpuPercent[1]));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldWriteTheSameFieldsAndValuesAsTheFileWrittenBeforeJackson() throws IOException
    {
        final Map<String, Object> before = ResultJson.read(oldFile());
        final Map<String, Object> after = ResultJson.read(LoadResult.fromJson(before).toJson());
        // The file's one null, a rate over no time, is read as 0 (as it always was), so it is written back as 0.
        before.put("receiveRate", 0);
        ((Map<String, Object>)before.get("isolation")).put("healthyReceiveRate", 0);
        assertEquals(normalise(before), normalise(after), "every field, nested object and array, same values");
    }

    /** Numbers as doubles (a whole number may come back as an int or a long), structure and order kept. */
    private static Object normalise(final Object value)
    {
        if (value instanceof Map<?, ?> map)
        {
            final Map<String, Object> result = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> result.put(String.valueOf(k), normalise(v)));
            return List.of(List.copyOf(result.keySet()), result);
        }
        if (value instanceof List<?> list)
        {
            return list.stream().map(ResultJsonTest::normalise).toList();
        }
        return value instanceof Number number ? (Object)number.doubleValue() : value;
    }

    @Test
    void shouldWriteNumbersAsTheResultFilesAlwaysHadThem()
    {
        final String text = ResultJson.write(ResultJson.object().put("whole", 12.0).put("fraction", 2.0 / 3)
            .put("nan", Double.NaN).put("infinite", Double.POSITIVE_INFINITY).put("long", 1L << 40));
        assertTrue(text.contains("\"whole\": 12,"), text);
        assertTrue(text.contains("\"fraction\": 0.667,"), text);
        assertTrue(text.contains("\"nan\": null,") && text.contains("\"infinite\": null,"), text);
        assertTrue(text.contains("\"long\": 1099511627776"), text);
        assertTrue(text.endsWith("}\n"), text);
        final Map<String, Object> back = ResultJson.read(text);
        assertNull(back.get("nan"));
        assertEquals(List.of("whole", "fraction", "nan", "infinite", "long"), List.copyOf(back.keySet()));
    }

    @Test
    void shouldRefuseTextThatIsNotAJsonObjectWithWhere()
    {
        final IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
            () -> ResultJson.read("{\n  \"sent\": 1,\n  \"lost\": }"));
        assertTrue(broken.getMessage().startsWith("JSON: ") && broken.getMessage().contains("line 3"),
            broken.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResultJson.read("[1, 2]"));
        assertThrows(IllegalArgumentException.class, () -> ResultJson.read(""));
    }
}
