package io.ringmq.transport;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty's leak detector (paranoid in every test run) reports a ByteBuf that was
 * garbage-collected without being released. Registered for every test through JUnit's extension autodetection.
 */
public final class NettyLeakExtension implements BeforeAllCallback, AfterAllCallback
{
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    @Override
    public void beforeAll(final ExtensionContext context) throws Exception
    {
        install();
        LEAKS.clear();
    }

    @Override
    public void afterAll(final ExtensionContext context)
    {
        // Leaks are reported when the detector runs after the leaked buffer was collected: collect, then
        // allocate a few tracked buffers to let the detector drain its reference queue.
        for (int i = 0; i < 3; i++)
        {
            System.gc();
            for (int j = 0; j < 64; j++)
            {
                final ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        if (!LEAKS.isEmpty())
        {
            fail("Netty reported " + LEAKS.size() + " leaked buffer(s) in " + context.getDisplayName() + ":\n" +
                String.join("\n", LEAKS));
        }
    }

    private static synchronized void install() throws ReflectiveOperationException
    {
        if (installed)
        {
            return;
        }
        final Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
        field.setAccessible(true);
        final ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>)field.get(null);
        detector.setLeakListener((resourceType, records) -> LEAKS.add(resourceType + ": " + records));
        assertTrue(ResourceLeakDetector.isEnabled(), "leak detection must be on in tests");
        installed = true;
    }
}
