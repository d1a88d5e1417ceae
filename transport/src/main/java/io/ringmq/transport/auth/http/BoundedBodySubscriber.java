package io.ringmq.transport.auth.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into a byte array, up to a limit: a service that answers with more is cut off rather than
 * buffered (the JDK's own {@code ofByteArray} has no bound).
 * <p>
 * <b>Threading:</b> the HTTP client calls the {@code on*} methods one at a time (reactive streams rule 1.3).
 */
final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<byte[]>
{
    /** The body went past the limit: an unparsable answer rather than an I/O failure. */
    static final class TooLongException extends IOException
    {
        private static final long serialVersionUID = 1L;

        TooLongException(final int maxBytes)
        {
            super("answer longer than " + maxBytes + " bytes");
        }
    }

    private final int maxBytes;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    BoundedBodySubscriber(final int maxBytes)
    {
        this.maxBytes = maxBytes;
    }

    @Override
    public CompletionStage<byte[]> getBody()
    {
        return body;
    }

    @Override
    public void onSubscribe(final Flow.Subscription subscription)
    {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(final List<ByteBuffer> buffers)
    {
        if (body.isDone())
        {
            return;
        }
        for (final ByteBuffer buffer : buffers)
        {
            if (out.size() + buffer.remaining() > maxBytes)
            {
                subscription.cancel();
                body.completeExceptionally(new TooLongException(maxBytes));
                return;
            }
            final byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(final Throwable error)
    {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete()
    {
        body.complete(out.toByteArray());
    }
}
