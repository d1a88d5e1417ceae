package io.ringmq.transport.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;

/**
 * An {@link EmbeddedChannel} that can be half-closed like a TCP socket channel. Shutting the output down is recorded
 * with the number of messages written before it, so a test can check that the FIN follows what was flushed.
 * <p>
 * <b>Threading:</b> like {@link EmbeddedChannel}, used by the test thread only.
 */
final class HalfClosableEmbeddedChannel extends EmbeddedChannel implements DuplexChannel
{
    private boolean inputShutdown;
    private boolean outputShutdown;
    private int writtenBeforeOutputShutdown = -1;

    /** @return messages written to the outbound side before the output was shut down, or -1 if it was not. */
    int writtenBeforeOutputShutdown()
    {
        return writtenBeforeOutputShutdown;
    }

    @Override
    public boolean isInputShutdown()
    {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput()
    {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(final ChannelPromise promise)
    {
        inputShutdown = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isOutputShutdown()
    {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput()
    {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(final ChannelPromise promise)
    {
        if (!outputShutdown)
        {
            outputShutdown = true;
            writtenBeforeOutputShutdown = outboundMessages().size();
        }
        return promise.setSuccess();
    }

    @Override
    public boolean isShutdown()
    {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown()
    {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(final ChannelPromise promise)
    {
        shutdownInput(newPromise());
        return shutdownOutput(promise);
    }
}
